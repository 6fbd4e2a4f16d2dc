/**
 * The float64 kernels on every core: the same gradient, bit for bit, on the calling thread alone
 * and on the worker-thread pool. Run: npx tsx --conditions=source examples/threads.ts
 * (MBQUAD_THREADS=N picks the count).
 */
import { curvature, nn, Random } from 'mbquad';
import { loadDigitsSplit } from 'mbquad/node';
const { train } = loadDigitsSplit();
const model = nn.fromSpec(nn.convNet([1, 8, 8], 10, 1, 16));
const problem = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 5e-4, params: model.init(new Random(0)) });
const batch = { inputs: train.inputs, targets: train.targets };
const oneThread = curvature.gradient(problem, batch);

// #region threads
import { useThreads } from 'mbquad/node';
const pool = useThreads();                         // MBQUAD_THREADS, else every core; useThreads(1) undoes it
const g = curvature.gradient(problem, batch);      // the same call: matmul and conv2d now on the pool
console.log(`${pool?.threads ?? 1} threads`);      // null pool: one thread (MBQUAD_THREADS=1 or one core)
// #endregion threads

if (!g.every((x, i) => Object.is(x, oneThread[i]))) throw new Error('the threaded gradient differs from the one-thread gradient');
console.log(`gradient on ${pool?.threads ?? 1} threads = gradient on one, bit for bit (${g.length} entries)`);
