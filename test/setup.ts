/**
 * fast-check runs from a fixed seed so CI is reproducible; FC_SEED=<n> explores other cases
 * (a failure prints the seed and path to replay it).
 */
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 2026) });
