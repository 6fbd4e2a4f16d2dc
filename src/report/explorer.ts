/**
 * The interactive page's studies (web/: Fig. 1, Fig. 2 and the CG experiment, one batch at a
 * time). No Node imports: web/src/worker.ts bundles this file. The page's model is a
 * checkpoint of `mbquad train` on the shipped digits, its problem the study commands' one
 * (cross-entropy with the training's weight decay), and every panel calls the library's own
 * study and figure code — biasStudy with one B1, cgStepper — so the page shows what the
 * commands compute, on the same numbers.
 */
import type { Backend } from '../tensor/index.ts';
import { fail } from '../tensor/index.ts';
import { fromSpec, type Model } from '../nn/model.ts';
import { digitsSplit } from '../nn/data/digits.ts';
import type { Split } from '../nn/data/dataset.ts';
import { biasStudy, partitionData, type BiasStudy } from '../curvature/bias.ts';
import { curvatureOperator, type CurvatureKind } from '../curvature/operators.ts';
import { problem, type Problem } from '../curvature/problem.ts';
import { parseCheckpoint, type Checkpoint } from '../nn/checkpoint-format.ts';
import { figure1, figure2 } from './bias-figures.ts';

/** The page's model and data: a digits checkpoint and the digits split every study uses. */
export interface ExplorerModel {
  checkpoint: Checkpoint;
  model: Model;
  data: Split;
}

/** Reads the checkpoint and the digits CSV text; refuses a checkpoint trained on other data. */
export function explorerModel(checkpointText: string, checkpointName: string, digitsCsv: string): ExplorerModel {
  const checkpoint = parseCheckpoint(checkpointText, checkpointName);
  if (checkpoint.data !== 'digits') fail('explorerModel', `${checkpointName}: the page runs on the shipped digits; the checkpoint was trained on '${checkpoint.data}'`);
  const model = fromSpec(checkpoint.spec);
  return { checkpoint, model, data: digitsSplit(digitsCsv) };
}

/** The problem the study commands build from a checkpoint: cross-entropy, the training's weight decay, θ; on `backend`. */
export function explorerProblem(m: ExplorerModel, backend?: Backend): Problem {
  return problem({ model: m.model, loss: 'cross_entropy', weightDecay: m.checkpoint.settings.weightDecay, params: m.checkpoint.state.params, backend });
}

/** Options of eigenPanel: one B1 of the seeded partition into batches of `batchSize`. */
export interface EigenPanelOptions {
  kind: CurvatureKind;
  batchSize: number;
  /** B1's index in the partition. */
  batch: number;
  /** Top eigenvectors of B1 (≥ 2: Fig. 1 needs the top two). */
  k: number;
  /** Seed of the partition ("resample" draws a new one). */
  seed: number;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** Fig. 1 and Fig. 2 for one B1: the study (plain data), λ1 of B_{B1}, the figures, and the time per curvature product. */
export interface EigenPanel {
  study: BiasStudy;
  lambda1: number;
  figure1: string;
  figure2: string;
  /** Milliseconds per curvature-vector product on B1 (median of 5, after one warm-up). */
  productMilliseconds: number;
  seconds: number;
}

/** Runs biasStudy with B1 = the chosen batch (eigenvectors only, no repeats) and draws Fig. 1 (B1, B2, full data) and Fig. 2. */
export function eigenPanel(p: Problem, train: Split['train'], options: EigenPanelOptions): EigenPanel {
  if (!Number.isInteger(options.k) || options.k < 2) fail('eigenPanel', `k must be an integer ≥ 2 (Fig. 1 needs the top two eigenvectors), given ${options.k}`);
  const started = performance.now();
  const study = biasStudy(p, train, { kind: options.kind, batchSize: options.batchSize, k: options.k, seed: options.seed, b1Batches: [options.batch], repeats: 0, eigenOnly: true, onProgress: options.onProgress });
  const seconds = (performance.now() - started) / 1000;
  const b1 = partitionData(p, train, options.batchSize, options.seed)[options.batch];
  return {
    study,
    lambda1: study.runs[0].eigen.values[0],
    figure1: figure1(study, 1),
    figure2: figure2(study, 2),
    productMilliseconds: productMilliseconds(curvatureOperator(p, b1, options.kind)),
    seconds,
  };
}

/** The median time of 5 products with a fixed unit vector, after one warm-up product. */
function productMilliseconds(op: { size: number; apply(v: Float64Array): Float64Array }): number {
  const v = new Float64Array(op.size).fill(1 / Math.sqrt(op.size));
  op.apply(v);
  const times = Array.from({ length: 5 }, () => {
    const t0 = performance.now();
    op.apply(v);
    return performance.now() - t0;
  }).sort((a, b) => a - b);
  return times[2];
}
