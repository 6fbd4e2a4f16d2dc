/**
 * Tensors and autodiff: creation, convolution, pooling and matmul on the CPU backend, then every
 * transformation (grad, jvp, vjp, hvp, linearize) on a small function, with the exact HVP checked
 * against finite differences of the gradient.
 * Run: npx tsx --conditions=source examples/tensors-and-autodiff.ts
 */
// #region tensors
import { tensor as T } from 'mbquad';   // the layers: tensor, autodiff, nn, linalg, curvature
const { Random, randn, matmul, conv2d, maxPool2d } = T;

const rng = new Random(42);                    // xoshiro128**; same seed ⇒ bit-identical results
const x = randn([8, 3, 32, 32], rng);          // NCHW
const w = randn([16, 3, 3, 3], rng);
const y = conv2d(x, w, { stride: 1, padding: 1 });           // [8, 16, 32, 32]
const p = maxPool2d(y, { kernel: 2 });                       // stride defaults to the kernel
const z = matmul(randn([4, 5], rng), randn([6, 5], rng), { transB: true }); // [4, 6]
console.log(p.shape, z);                       // [8, 16, 16, 16] and the values of z
// #endregion tensors

// #region autodiff
import { autodiff as ad } from 'mbquad';
const A = randn([3, 4], rng), u = randn([4], rng), v = randn([4], rng);
const f = (x: ad.Value) => ad.sum(ad.tanh(ad.matmul(A, x)));   // matmul takes a 1-D x as NumPy does

ad.grad(f)(u);                 // ∇f(u)
ad.valueAndGrad(f)(u);         // [f(u), ∇f(u)]
ad.jvp(f, u, v);               // [f(u), J v]        forward mode
ad.vjp(f, u);                  // [f(u), c ↦ Jᵀ c]   reverse mode
ad.hvp(f, u, v);               // ∇²f(u) v, exact: the JVP of grad (forward-over-reverse)
ad.linearize(f, u);            // [f(u), v ↦ J v, c ↦ Jᵀ c] replaying one recorded forward pass

// Functions of several tensors take and return arrays:
const X = randn([10, 4], rng), wt = randn([4, 2], rng), b = randn([2], rng);
const loss = ([w, b]: readonly ad.Value[]) => ad.mean(ad.square(ad.add(ad.matmul(X, w), b)));
const [hw, hb] = ad.hvp(loss, [wt, b], [T.ones(wt.shape), T.zeros(b.shape)]) as ad.Value[]; // H v, block by block
// #endregion autodiff

// The exact HVP against central differences of the gradient: they agree to ~h².
const h = 1e-5;
const shifted = (s: number) => ad.concrete(ad.grad(f)(T.add(u, T.mul(v, s))));
const fd = T.div(T.sub(shifted(h), shifted(-h)), 2 * h);
const exact = ad.concrete(ad.hvp(f, u, v));
const error = Math.max(...Array.from(T.sub(exact, fd).data, Math.abs));
console.log(`∇²f(u) v: ${exact}\nfinite differences differ by ${error.toExponential(1)} (h = ${h})`);
console.log(`HVP of the least-squares loss: w block ${ad.concrete(hw).shape}, b block ${ad.concrete(hb).shape}`);
if (!(error < 1e-8)) throw new Error('the exact HVP and finite differences disagree');
