/**
 * A curvature tour on the shipped digits: a CNN from a JSON spec, trained for a few epochs; the
 * mini-batch gradient, Hessian- and GGN-vector products; the top eigenvectors of two batches'
 * GGNs (Lanczos), their overlaps (Eq. 6), and the curvature along B1's top eigenvector measured
 * on B1, on B2 and on the full data (the comparison the bias study makes at scale).
 * Run: npx tsx --conditions=source examples/curvature-tour.ts
 */
// #region model
import { nn, Random } from 'mbquad';
import { loadDigitsSplit } from 'mbquad/node';
const model = nn.fromSpec({
  input: [1, 8, 8],
  layers: [{ type: 'conv2d', out: 4, kernel: 3, stride: 1, padding: 1 }, { type: 'relu' },
           { type: 'maxpool2d', kernel: 2 }, { type: 'flatten' }, { type: 'linear', out: 10 }],
});
model.numParams;                         // 690
model.parameters.map((p) => p.name);     // ['0.weight', '0.bias', '4.weight', '4.bias']
const theta = model.init(new Random(0)); // PyTorch's default init, U(±1/√fan_in)
const { train, test } = loadDigitsSplit(); // the shipped digits: 1,438 + 359 images, 1×8×8
const images = train.inputs.subarray(0, 16 * 64); // the first 16 images, N×1×8×8 row-major
const logits = model.forward(theta, model.inputTensor(images)); // [16, 10]
// #endregion model
console.log(`${model.numParams} parameters; logits of 16 images: shape [${logits.shape}]`);

const settings = { ...nn.defaultTrainSettings(), epochs: 5 };
const trained = nn.train(model, { train, test }, settings, nn.initialTrainState(model, settings)).params;

// #region curvature
import { curvature, linalg } from 'mbquad';
const problem = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 5e-4, params: trained });
const [b1, b2] = curvature.partitionData(problem, train, 128, 0); // disjoint batches of 128
curvature.loss(problem, b1);                          // L_B(θ), Eq. 1 with batch means
const g = curvature.gradient(problem, b1);            // g_B
const v = linalg.scale(1 / linalg.norm(g), g);        // any direction
curvature.hessianVectorProduct(problem, b1, v);       // H_B v, forward-over-reverse, exact
curvature.ggnVectorProduct(problem, b1, v);           // G_B v = J_zᵀ Λ J_z v + λ D v
const G = curvature.ggnOperator(problem, b1);         // a LinearOperator; hessianOperator too
const top = linalg.lanczos(G, 8);                     // top eigenpairs of the mini-batch GGN
const u1 = linalg.orientSign(top.vectors[0]);         // sign fixed: largest entry positive
curvature.directionalSlope(g, G, null, u1);           // s(0, u1) = u1ᵀg   (Eq. 10)
curvature.directionalCurvature(G, u1);                // c(u1) = u1ᵀ G u1 = λ1
// #endregion curvature

// #region overlaps
const G2 = curvature.ggnOperator(problem, b2);
const top2 = linalg.lanczos(G2, 8);
const w = curvature.overlapWeights(top.vectors, top2.vectors); // w_ij = (u_iᵀ v_j)² (Eq. 6)
const full = curvature.ggnOperator(problem, train);            // the full data, in chunks
console.log(`λ1 of B1 ${top.values[0].toFixed(3)}; along u1: B2 ${curvature.directionalCurvature(G2, u1).toFixed(3)}, `
  + `full data ${curvature.directionalCurvature(full, u1).toFixed(3)}; Σ_j w_1j = ${w[0].reduce((a, b) => a + b).toFixed(3)} (≤ 1, Eq. 20)`);
// #endregion overlaps

// #region linalg
const n = 30, rng = new Random(1);
const m = Float64Array.from({ length: n * n }, () => rng.normal());
const a = Float64Array.from({ length: n * n }, (_, k) => {       // a = mᵀm + I, symmetric positive definite
  const [i, j] = [Math.floor(k / n), k % n];
  let s = i === j ? 1 : 0;
  for (let r = 0; r < n; r++) s += m[r * n + i] * m[r * n + j];
  return s;
});
const b = Float64Array.from({ length: n }, () => rng.normal());
const op = linalg.denseOperator(a, n);            // or any { size, apply } (e.g. a curvature operator)
const { values, vectors, residuals, matvecs } = linalg.lanczos(op, 8, { tol: 1e-10 });
const { values: all, vectors: basis } = linalg.eigh(a, n);   // dense, ascending, eigenvectors as columns
const run = linalg.cg(op, b, { tol: 1e-8, maxIter: 50 });    // run.iterates, run.directions, run.alphas, …
// #endregion linalg
console.log(`lanczos λ1 ${values[0].toFixed(6)} = eigh ${all[n - 1].toFixed(6)} (${matvecs} products, residual ${residuals[0].toExponential(1)}); `
  + `cg: ${run.reason} after ${run.iterations} steps; ${vectors.length} Ritz vectors, basis ${basis.length / n}×${n}`);
if (Math.abs(values[0] - all[n - 1]) > 1e-8 * all[n - 1] || !run.converged) throw new Error('linear algebra disagrees');
