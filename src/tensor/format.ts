/**
 * Tensors as text, the way NumPy prints arrays: nested brackets, values right-aligned to a common
 * width, and — above 1000 elements — only the first and last 3 entries of each long axis around
 * '...'. `console.log(t)` in Node and `String(t)` both use it.
 */
import { sizeOf } from './shape.ts';
import type { Tensor } from './tensor.ts';

const EDGE = 3;
const THRESHOLD = 1000;

/** A value in at most 6 significant digits ('1.5', '-0.0003', '1.23457e+10', 'NaN'). */
function number(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

export function formatTensor(t: Tensor): string {
  const header = `shape=[${t.shape.join(',')}], ${t.backend.dtype}, ${t.backend.name}`;
  const data = t.data;
  const summarize = t.size > THRESHOLD;
  // The indices kept along an axis of length n.
  const kept = (n: number): (number | null)[] =>
    summarize && n > 2 * EDGE ? [...Array.from({ length: EDGE }, (_, i) => i), null, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : Array.from({ length: n }, (_, i) => i);
  const shown: number[] = [];
  const collect = (dim: number, offset: number) => {
    if (dim === t.shape.length) return void shown.push(data[offset]);
    const inner = sizeOf(t.shape.slice(dim + 1));
    for (const i of kept(t.shape[dim])) if (i !== null) collect(dim + 1, offset + i * inner);
  };
  collect(0, 0);
  const width = Math.max(1, ...shown.map((v) => number(v).length));
  const indent = 'Tensor('.length;
  const build = (dim: number, offset: number): string => {
    if (dim === t.shape.length) return number(data[offset]).padStart(width);
    const inner = sizeOf(t.shape.slice(dim + 1));
    const parts = kept(t.shape[dim]).map((i) => (i === null ? '...' : build(dim + 1, offset + i * inner)));
    const last = dim === t.shape.length - 1;
    const separator = last ? ', ' : `,${'\n'.repeat(t.shape.length - dim - 1)}${' '.repeat(indent + dim + 1)}`;
    return `[${parts.join(separator)}]`;
  };
  return `Tensor(${build(0, 0)}, ${header})`;
}
