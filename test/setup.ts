/**
 * fast-check runs from a fixed seed so CI is reproducible; FC_SEED=<n> explores other cases
 * (a failure prints the seed and path to replay it). MBQUAD_KERNELS chooses the CPU kernels,
 * as for the command line.
 */
import fc from 'fast-check';
import { kernelsFromEnvironment } from '../src/cli/backend-choice.ts';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 2026) });
// MBQUAD_KERNELS=typescript npm test runs every test on the TypeScript reference kernels.
kernelsFromEnvironment(process.env);
