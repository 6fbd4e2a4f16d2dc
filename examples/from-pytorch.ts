/**
 * A model trained in PyTorch, evaluated by mbquad: the spec and weights that
 * tools/export-torch.py wrote for a small CNN (test/fixtures/torch-export), read as θ with
 * nn.parseParameters from .npy and from .safetensors, and the loss and gradient PyTorch computed
 * on the same inputs reproduced to rounding; then the top GGN eigenvalues and the eigenvectors
 * written back as .npy for NumPy (numpy.load).
 * Run: npx tsx --conditions=source examples/from-pytorch.ts
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const dir = 'test/fixtures/torch-export';
const reference = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8'));
const batch = { inputs: Float64Array.from(reference.inputs as number[]), targets: Int32Array.from(reference.targets as number[]) };
const out = mkdtempSync(join(tmpdir(), 'mbquad-example-'));

// #region pytorch
import { curvature, linalg, nn } from 'mbquad';
const model = nn.fromSpec(JSON.parse(readFileSync(join(dir, 'model.spec.json'), 'utf8')));
const theta = nn.parseParameters(readFileSync(join(dir, 'model.npy')), model, 'model.npy');
const same = nn.parseParameters(readFileSync(join(dir, 'model.safetensors')), model, 'model.safetensors');
const problem = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 0, params: theta });
const loss = curvature.loss(problem, batch);          // PyTorch: reference.loss
const g = curvature.gradient(problem, batch);         // PyTorch: reference.gradient
const top = linalg.lanczos(curvature.ggnOperator(problem, batch), 3);
const vectors = Float64Array.from(top.vectors.flatMap((v) => Array.from(v)));
writeFileSync(join(out, 'eigenvectors.npy'), nn.toNpy(vectors, [3, model.numParams])); // numpy.load gives a 3×P array
// #endregion pytorch

const gradientError = Math.max(...g.map((v, i) => Math.abs(v - reference.gradient[i])));
console.log(`θ from .npy = θ from .safetensors: ${theta.every((v, i) => v === same[i])}; loss ${loss} (PyTorch ${reference.loss}); `
  + `max gradient difference ${gradientError.toExponential(1)}; top GGN eigenvalues ${Array.from(top.values, (v) => v.toFixed(4)).join(', ')}; wrote ${join(out, 'eigenvectors.npy')}`);
if (Math.abs(loss - reference.loss) > 1e-12 || gradientError > 1e-12) throw new Error('mbquad and PyTorch disagree');
