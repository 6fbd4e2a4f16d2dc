/**
 * What a reproduction (`mbquad reproduce`) is, as plain data: its settings — chosen before any
 * outcome was seen, one set per scale (quick, default, full) — and what it measured (results.json),
 * which the report and the claims are made from. Running it needs Node (src/node/reproduce.ts).
 */
import type { BiasStudy } from '../curvature/bias.ts';
import type { CgStudy } from '../curvature/cg-study.ts';
import type { BiasOverModels, BiasOverTraining } from '../curvature/eigen-bias.ts';
import type { KfacBiasStudy } from '../curvature/kfac-bias.ts';
import type { LaplaceStudy } from '../curvature/laplace-study.ts';
import type { CurvatureKind } from '../curvature/operators.ts';
import type { ModelSpec } from '../nn/spec.ts';
import { logSpacedEpochs, paperStyleTrainSettings, type EpochMetrics, type TrainSettings } from '../nn/train.ts';

/** What to train and measure; every number of a run follows from these and the data. */
export interface ReproduceSettings {
  mode: ReproduceMode;
  /** The one seed of every partition, corruption and sample (each study's `seed`); training has its own in `train`. */
  seed: number;
  /** A seeded subset of the data (quick runs and Fashion-MNIST, for time), or null for all of it. */
  subset: { train: number; test: number; seed: number } | null;
  model: { depth: number; width: number; train: TrainSettings; checkpoints: number[] };
  bias: { kinds: CurvatureKind[]; batchSizes: number[]; k: number; repeats: number };
  kfac: { batchSizes: number[]; k: number };
  overTraining: { batchSize: number; k: number; b1Count: number };
  family: { depths: number[]; widths: number[]; train: TrainSettings; batchSize: number; k: number; b1Count: number };
  cg: { batchSizes: number[]; iterations: number; repeats: number; fullBatch: boolean };
  /** The prior precisions δ; N·λ (the training's weight decay as a prior) is added to them. */
  laplace: { batchSizes: number[]; repeats: number; priorPrecisions: number[]; samples: number };
  /** Where a setting is smaller than the paper's for time, what was cut and why (the full run states them; empty elsewhere). */
  cuts: string[];
}

/** quick: a smoke test on a subset; default: digits whole, Fashion-MNIST on a subset; full: every image of a real-sized set. */
export type ReproduceMode = 'quick' | 'default' | 'full';
export const REPRODUCE_MODES: readonly ReproduceMode[] = ['quick', 'default', 'full'];

/**
 * What the full run needs: the paper's experiments train on 50,000 images (CIFAR's), and its test
 * sets hold 10,000; on less, "full" would not be the real-sized evidence it is named for.
 */
export const FULL_SCALE_MINIMUM = { train: 50_000, test: 10_000 } as const;

/** Adam as the paper trains the ConvNet family (B.1 (D): standard hyperparameters, no weight decay). */
function familyTrainSettings(epochs: number): TrainSettings {
  return { optimizer: 'adam', learningRate: 0.001, momentum: 0.9, weightDecay: 0, batchSize: 32, epochs, milestones: [], gamma: 0.1, seed: 0 };
}

/**
 * The settings of a run, chosen before any outcome was seen. Default on digits: the study
 * commands' own defaults where they have them (so `mbquad bias` gives the same numbers), fewer
 * repeats, directions, prior precisions and samples where the 15-minute budget needs it (a first
 * timing run took 17 min with k = 8 for the family, 14 δ, 50 samples and θ0 in B.9). Quick: a
 * subset of 800 training and 200 test images, small grids and few repeats (≤ 2 minutes).
 * Fashion-MNIST (28×28, 60,000 images): a subset of 3,000 training and 1,000 test images, a
 * narrower CNN and fewer directions (its run took 37 minutes on 2 cores).
 */
export function reproduceSettings(mode: ReproduceMode, data: 'digits' | 'fashion-mnist'): ReproduceSettings {
  if (mode === 'full') return fullSettings();
  const quick = mode === 'quick', fashion = data === 'fashion-mnist';
  const paper = paperStyleTrainSettings();
  const mainTrain: TrainSettings = quick
    ? { ...paper, epochs: 15, milestones: [8, 12] }
    : fashion ? { ...paper, epochs: 30, milestones: [15, 23] } : paper;
  return {
    mode,
    seed: 0,
    subset: quick ? { train: fashion ? 1000 : 800, test: fashion ? 300 : 200, seed: 0 } : fashion ? { train: 3000, test: 1000, seed: 0 } : null,
    // Fig. 21 spans the first to the last epoch (B.9), so θ0 (epoch 0) is not measured.
    model: { depth: 1, width: fashion ? 8 : 16, train: mainTrain, checkpoints: logSpacedEpochs(mainTrain.epochs, quick ? 4 : fashion ? 6 : 8).filter((e) => e >= 1) },
    bias: quick ? { kinds: ['ggn'], batchSizes: [128], k: 4, repeats: 2 }
      : fashion ? { kinds: ['ggn', 'hessian'], batchSizes: [128], k: 4, repeats: 4 }
      : { kinds: ['ggn', 'hessian'], batchSizes: [32, 128], k: 8, repeats: 8 },
    kfac: quick ? { batchSizes: [32, 128], k: 4 } : { batchSizes: [8, 32, 128, 512], k: fashion ? 4 : 8 },
    overTraining: { batchSize: 128, k: quick || fashion ? 4 : 8, b1Count: quick ? 2 : 3 },
    family: quick
      ? { depths: [0, 1], widths: [4, 8], train: familyTrainSettings(5), batchSize: 128, k: 4, b1Count: 2 }
      : fashion ? { depths: [0, 1, 2], widths: [4, 8, 16], train: familyTrainSettings(10), batchSize: 128, k: 4, b1Count: 3 }
      : { depths: [0, 1, 2], widths: [4, 8, 16, 32], train: familyTrainSettings(30), batchSize: 128, k: 4, b1Count: 3 },
    cg: quick ? { batchSizes: [128], iterations: 10, repeats: 2, fullBatch: false } : { batchSizes: [128], iterations: fashion ? 30 : 50, repeats: 3, fullBatch: true },
    // One δ per decade (mbquad laplace: two): the predictive's cost is linear in their number.
    laplace: quick ? { batchSizes: [64], repeats: 1, priorPrecisions: [1e-2, 1, 1e2, 1e4], samples: 10 }
      : { batchSizes: fashion ? [128] : [32, 128], repeats: 3, priorPrecisions: [1e-2, 1e-1, 1, 10, 1e2, 1e3, 1e4], samples: 30 },
    cuts: [],
  };
}

/**
 * The full run: every one of the 60,000 training and 10,000 test images in every study (the data
 * of a `--data` source with at least FULL_SCALE_MINIMUM images). Chosen before its first run from
 * per-image costs measured on 2 cores (a full-data gradient of the main CNN 21 s, a GGN-vector
 * product 27 s, exact K-FAC 150 s; the Laplace predictive per input), to fit about 90 minutes;
 * each cut against the paper's settings or the Fashion-MNIST subset run is stated in `cuts`.
 */
function fullSettings(): ReproduceSettings {
  const mainTrain: TrainSettings = { ...paperStyleTrainSettings(), epochs: 8, milestones: [4, 6] };
  return {
    mode: 'full',
    seed: 0,
    subset: null,
    model: { depth: 1, width: 8, train: mainTrain, checkpoints: logSpacedEpochs(mainTrain.epochs, 4).filter((e) => e >= 1) },
    bias: { kinds: ['ggn'], batchSizes: [32, 128], k: 3, repeats: 4 },
    kfac: { batchSizes: [32, 512], k: 4 },
    overTraining: { batchSize: 128, k: 3, b1Count: 2 },
    family: { depths: [0, 1, 2], widths: [4, 8, 16], train: familyTrainSettings(1), batchSize: 128, k: 2, b1Count: 2 },
    cg: { batchSizes: [128], iterations: 20, repeats: 2, fullBatch: false },
    laplace: { batchSizes: [128], repeats: 2, priorPrecisions: [1e-1, 10, 1e3], samples: 10 },
    cuts: [
      'Main model: 8 epochs of SGD (×0.1 at epochs 4 and 6) instead of the digits run\'s 60: one epoch is 1,875 steps on 60,000 images (20× the subset run\'s), about 30 s each.',
      'Bias study: the GGN only (no Hessian), k = 3 directions per B1: every direction costs a product on all 60,000 images per batch size (about 27 s; the Hessian\'s 37 s).',
      'K-FAC bias: |B| = 32 and 512 (the ends of the paper\'s range) instead of 8, 32, 128, 512: each batch size builds exact K-FAC on every batch and on all the data (about 300 s).',
      'Bias over training: k = 3 directions from 2 B1s at each of the log-spaced checkpoints: each direction is a product on all the data.',
      'ConvNet family: 1 epoch of Adam per model (1,875 steps), k = 2 directions from 2 B1s: the 9 models\' training and full-data products are the run\'s largest part.',
      'CG experiment: 20 iterations, 2 repeats, no full-batch CG (Fig. 13): each iterate is evaluated on all 70,000 images (about 7 s), and a full-batch CG iteration is a product on all 60,000.',
      'Laplace experiment: |B| = 128, 2 repeats, 3 prior precisions (and N·λ), 10 logit samples: the predictive is evaluated input by input on 120,000 inputs (train, test, 5 corrupted test sets).',
    ],
  };
}

/** A trained model as the results describe it. */
export interface ModelSummary {
  label: string;
  spec: ModelSpec;
  numParams: number;
  train: TrainSettings;
  /** Read from the model store instead of trained in this run. */
  reused: boolean;
  trainSeconds: number;
  final: EpochMetrics;
}

/** Everything a reproduction measured (results.json), as plain data. */
export interface Reproduction {
  format: 'mbquad-reproduction-1';
  versions: { mbquad: string; node: string };
  startedAt: string;
  data: { source: string; name: string; trainExamples: number; testExamples: number; inputShape: number[] };
  settings: ReproduceSettings;
  models: { main: ModelSummary; family: ModelSummary[] };
  bias: { weightDecay: number; studies: BiasStudy[] };
  kfac: KfacBiasStudy;
  overTraining: BiasOverTraining;
  family: BiasOverModels;
  cg: CgStudy;
  laplace: LaplaceStudy;
  /**
   * Seconds per part, in the order they ran, with the process's peak resident memory when it
   * ended; a part read from a finished earlier run (`resumed`) keeps that run's seconds and memory.
   */
  timings: PartTiming[];
  totalSeconds: number;
  /** The high-water mark of the resident memory of the process that ran it (its maxRSS), in bytes. */
  peakRssBytes: number;
}

export interface PartTiming {
  part: string;
  seconds: number;
  peakRssBytes?: number;
  resumed?: boolean;
}


/** The parts of a run, in order (the report is one more, done by the command). */
export const REPRODUCE_PARTS = ['main model', 'bias study', 'K-FAC bias', 'bias over training', 'ConvNet family', 'CG experiment', 'Laplace experiment'] as const;
