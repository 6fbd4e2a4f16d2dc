/** `npm run bench`: every benchmark suite, in one process (ratios are only compared within a run). */
import { engineBenchmarks } from './engine.bench.ts';

await engineBenchmarks();
