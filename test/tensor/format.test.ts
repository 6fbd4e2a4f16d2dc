/** Tensors print like NumPy arrays: values, shape, dtype and backend; large ones summarized. */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tensor, zeros } from '../../src/tensor/index.ts';

describe('printing tensors', () => {
  it('console.log / util.inspect and String show the values, not the backend functions', () => {
    const t = tensor([[1, 2.5], [3, -4]]);
    expect(inspect(t)).toBe('Tensor([[  1, 2.5],\n        [  3,  -4]], shape=[2,2], float64, cpu)');
    expect(String(t)).toBe(inspect(t));
    expect(String(tensor(3.25))).toBe('Tensor(3.25, shape=[], float64, cpu)');
    expect(String(tensor([1 / 3, NaN]))).toBe('Tensor([0.333333,      NaN], shape=[2], float64, cpu)');
    expect(inspect({ t: tensor([1, 2]) })).toMatch(/Tensor\(\[1, 2\], shape=\[2\]/);
  });
  it('above 1000 elements shows the first and last 3 of each long axis', () => {
    const s = String(zeros([40, 50]));
    expect(s.split('\n')).toHaveLength(7); // 3 rows, '...', 3 rows
    expect(s).toContain('[0, 0, 0, ..., 0, 0, 0]');
    expect(s).toMatch(/shape=\[40,50\], float64, cpu\)$/);
    expect(String(zeros([10, 10])).split('\n')).toHaveLength(10); // 100 elements: all of them
  });
});
