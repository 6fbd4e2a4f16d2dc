/**
 * Models from files (Node only): a JSON spec, the weights of a PyTorch model (.npy or
 * .safetensors, read by nn.parseParameters), and the check that a model fits a data set —
 * each failure one line naming the file.
 */
import { fromSpec, type Model } from '../nn/model.ts';
import type { ModelSpec } from '../nn/spec.ts';
import { parseParameters } from '../nn/weights.ts';
import { fail } from '../tensor/index.ts';
import type { Split } from './datasets.ts';
import { readInputFile } from './files.ts';

/** A JSON model spec file (docs/DESIGN.md), checked by building the model. */
export function readSpecFile(path: string, op: string): { spec: ModelSpec; model: Model } {
  const text = readInputFile(path, 'model spec (--spec)').toString('utf8');
  let spec: ModelSpec;
  try {
    spec = JSON.parse(text);
  } catch (e) {
    return fail(op, `--spec ${path}: not valid JSON (${(e as Error).message})`);
  }
  try {
    return { spec, model: fromSpec(spec) };
  } catch (e) {
    return fail(op, `--spec ${path}: ${(e as Error).message}`);
  }
}

/** θ from a .npy or .safetensors file (tools/export-torch.py writes both). */
export function readWeightsFile(path: string, model: Model): Float64Array {
  return parseParameters(new Uint8Array(readInputFile(path, 'weights (--weights)')), model, path);
}

/** Refuses a model whose input or output does not fit the data (before anything is computed or written). */
export function checkModelFitsData(op: string, model: Model, data: Split, source: string): void {
  const input = data.train.inputShape;
  if (model.inputShape.join(',') !== input.join(',')) fail(op, `the model takes inputs [${model.inputShape}], the data ${source} have [${input}]`);
  const outputs = model.outputShape.reduce((a, b) => a * b, 1);
  if (model.outputShape.length !== 1 || outputs !== data.train.numClasses) {
    fail(op, `the model has outputs [${model.outputShape}], the data ${source} have ${data.train.numClasses} classes (a linear output of ${data.train.numClasses} is needed)`);
  }
}
