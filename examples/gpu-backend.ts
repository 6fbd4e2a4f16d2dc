/**
 * The gpu.js backend: the same ops and curvature products in float32 on gpu.js (a GPU through
 * WebGL/headlessgl where there is one, else WebAssembly on the CPU), checked against the float64
 * CPU reference. Run: npx tsx --conditions=source examples/gpu-backend.ts   (MBQUAD_GPU_MODE=webasm|headlessgl|… picks a mode)
 */
import { nn, Random, linalg } from 'mbquad';
import { loadDigitsSplit } from 'mbquad/node';
const rng = new Random(3);
const a = T.randn([64, 96], rng), b = T.randn([96, 48], rng); // T: imported below (imports are hoisted)
const { train } = loadDigitsSplit();
const model = nn.fromSpec(nn.convNet([1, 8, 8], 10, 1, 8));
const params = model.init(rng);
const batch = { inputs: train.inputs.subarray(0, 128 * 64), targets: train.targets.subarray(0, 128) };
const v = Float64Array.from({ length: model.numParams }, () => rng.normal());

// #region gpu
import { tensor as T, curvature } from 'mbquad';
const gpu = T.gpuBackend({ mode: (process.env.MBQUAD_GPU_MODE ?? 'auto') as T.GpuMode }); // 'auto' by default
console.log(gpu.name);                            // e.g. 'gpu.js/webasm'
const y = T.matmul(T.toBackend(a, gpu), T.toBackend(b, gpu));   // float32 tensors on gpu.js
const p = curvature.problem({ model, loss: 'cross_entropy', params, backend: gpu });
const gv = curvature.ggnVectorProduct(p, batch, v);  // Float64Array in and out, float32 inside
const [ga, gb] = [T.toBackend(a, gpu), T.toBackend(b, gpu)];
const yThreaded = await gpu.threaded.matmul(ga, gb); // explicitly async: worker threads (webasm)
gpu.transfers;                                     // { uploads, readbacks } so far (GL modes)
// #endregion gpu

const reference = curvature.ggnVectorProduct(curvature.problem({ model, loss: 'cross_entropy', params }), batch, v);
const relative = (x: ArrayLike<number>, ref: ArrayLike<number>) => {
  let num = 0, den = 0;
  for (let i = 0; i < ref.length; i++) { num += (x[i] - ref[i]) ** 2; den += ref[i] ** 2; }
  return Math.sqrt(num / den);
};
const product = T.matmul(a, b).data;
console.log(`matmul vs float64: ${relative(y.data, product).toExponential(1)} (threaded: ${relative(yThreaded.data, product).toExponential(1)}); `
  + `GGN-vector product vs float64: ${relative(gv, reference).toExponential(1)}; ‖Gv‖ = ${linalg.norm(gv).toFixed(4)}`);
if (!(relative(gv, reference) < 1e-4)) throw new Error('the gpu.js product is off by more than float32 allows');
gpu.destroy();
