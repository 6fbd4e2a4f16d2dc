/**
 * The messages between the page (page.ts, main thread) and the engine (worker.ts, a Web
 * Worker): the page only draws and asks; every number is computed in the worker by the
 * library, so the page never freezes.
 */

/** Where the engine runs: the float64 CPU backend (the reference) or gpu.js (WebGL in a browser, float32). */
export type BackendChoice = 'cpu' | 'gpu';

export type Request =
  | { type: 'init'; checkpointUrl: string; digitsUrl: string }
  | { type: 'eigen'; id: number; backend: BackendChoice; kind: 'ggn' | 'hessian'; batchSize: number; batch: number; k: number; seed: number }
  | { type: 'cg-reset'; id: number; backend: BackendChoice; batchSize: number; repeat: number }
  | { type: 'cg-step'; id: number; steps: number };

/** What the page shows about the model and data once the worker has loaded them. */
export interface ModelInfo {
  numParams: number;
  spec: string;
  epoch: number;
  weightDecay: number;
  trainExamples: number;
  testExamples: number;
  trainAccuracy: number;
  testAccuracy: number;
}

/** The eigen panel's answer: Fig. 1 and Fig. 2 of one B1, λ1 at full precision, and what ran how fast. */
export interface EigenResult {
  batchSize: number;
  batch: number;
  seed: number;
  numBatches: number;
  kind: 'ggn' | 'hessian';
  values: number[];
  figure1: string;
  figure2: string;
  /** Median over B1's top-k eigenvectors of the curvature on B1 over the full-data one (> 1: overestimate). */
  medianCurvatureRatio: number;
  backend: string;
  productMilliseconds: number;
  seconds: number;
}

/** One CG method's state: its iterations so far, why it stopped, and its test metrics at θ0 + x_k. */
export interface CgLineResult {
  iterations: number;
  stopped: string | null;
  testLoss: number[];
  testAccuracy: number[];
}

export interface CgResult {
  batchSize: number;
  repeat: number;
  figure: string;
  single: CgLineResult;
  debiased: CgLineResult;
  backend: string;
  /** Seconds the last request (reset or steps) took. */
  seconds: number;
}

export type Reply =
  | { type: 'ready'; info: ModelInfo }
  | { type: 'progress'; id: number; stage: string; done: number; total: number }
  | { type: 'eigen'; id: number; result: EigenResult }
  | { type: 'cg'; id: number; result: CgResult }
  | { type: 'error'; id: number | null; message: string };
