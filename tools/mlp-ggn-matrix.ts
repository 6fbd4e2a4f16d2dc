/**
 * Writes the dense full-data GGN of the digits MLP 64→16→10 (1,210 parameters, trained as by
 * `mbquad train --preset mlp --hidden 16`) as raw little-endian float64 to the given path, for
 * `python3 tools/eigsh-matvecs.py --matrix PATH` (the eigsh side of bench/linalg.bench.ts).
 * Run: npx tsx tools/mlp-ggn-matrix.ts /tmp/ggn1210.bin
 */
import { writeFileSync } from 'node:fs';
import { curvature } from '../src/index.ts';
import { mlpGgnProblem } from '../bench/mlp-ggn.ts';

const { problem, batch } = mlpGgnProblem();
const g = curvature.ggnMatrix(problem, batch);
const n = problem.model.numParams;
for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g[i * n + j] = g[j * n + i] = 0.5 * (g[i * n + j] + g[j * n + i]);
writeFileSync(process.argv[2] ?? 'ggn1210.bin', new Uint8Array(g.buffer));
console.log(`wrote the ${n}×${n} GGN`);
