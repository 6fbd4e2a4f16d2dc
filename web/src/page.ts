/**
 * The page's main thread: it reads the controls, asks the worker (worker.ts) for numbers and
 * figures, and shows what comes back. It computes nothing itself, so it never freezes.
 */
import type { BackendChoice, CgResult, EigenResult, Reply, Request } from './protocol.ts';

const element = <T extends HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`the page has no #${id}`);
  return e as T;
};
const status = element<HTMLParagraphElement>('status');
const kind = element<HTMLSelectElement>('kind');
const batchSize = element<HTMLSelectElement>('batch-size');
const batch = element<HTMLInputElement>('batch');
const k = element<HTMLSelectElement>('k');
const seedOutput = element<HTMLOutputElement>('seed');
const cgBatchSize = element<HTMLSelectElement>('cg-batch-size');
const cgRepeat = element<HTMLInputElement>('cg-repeat');

/** Opened from a file, a browser refuses the worker (and the fetches): say how to serve the page. */
const FILE_HINT = location.protocol === 'file:' ? ' — the page needs http: run `npm run web`, or serve web/ with any static server' : '';

function startWorker(): Worker {
  try {
    return new Worker(new URL('dist/worker.js', document.baseURI));
  } catch (e) {
    setStatus(`the worker could not start: ${(e as Error).message}${FILE_HINT}`, true);
    throw e;
  }
}
const worker = startWorker();
let nextId = 1, latestEigen = 0, pending = 0, seed = 0, trainExamples = 0;

function send(request: Request): void {
  if (request.type !== 'init') pending++;
  worker.postMessage(request);
}

const backend = (): BackendChoice => (document.querySelector<HTMLInputElement>('input[name=backend]:checked')?.value === 'gpu' ? 'gpu' : 'cpu');
const integer = (input: HTMLInputElement | HTMLSelectElement) => Number.parseInt(input.value, 10);

/** A value at full precision in data-value, rounded in the text. */
function show(id: string, value: number, digits = 5): void {
  const out = element<HTMLOutputElement>(id);
  out.dataset.value = String(value);
  out.textContent = Number.isFinite(value) ? value.toPrecision(digits) : '–';
}

function setStatus(text: string, error = false): void {
  status.textContent = text;
  if (error) status.dataset.error = '';
  else delete status.dataset.error;
}

/** Batches of |B| in the partition: ⌊N/|B|⌋ (the remainder of the shuffle is left out). */
function batchCount(size: number): number {
  return Math.floor(trainExamples / size);
}

function requestEigen(): void {
  const size = integer(batchSize), count = batchCount(size);
  batch.max = String(count - 1);
  element('num-batches').textContent = String(count);
  let b = integer(batch);
  if (!(b >= 0 && b < count)) batch.value = String((b = Math.min(Math.max(Number.isFinite(b) ? b : 0, 0), count - 1)));
  latestEigen = nextId++;
  element('fig1').dataset.state = 'computing';
  setStatus(`computing Fig. 1 and Fig. 2 for B1 = batch ${b} of ${count} (|B| = ${size})…`);
  send({ type: 'eigen', id: latestEigen, backend: backend(), kind: kind.value === 'hessian' ? 'hessian' : 'ggn', batchSize: size, batch: b, k: integer(k), seed });
}

function requestCgReset(): void {
  const size = integer(cgBatchSize);
  const pairs = batchCount(size); // pair r uses halves 2r and 2r+1 of |B|/2, i.e. the r-th |B| examples
  cgRepeat.max = String(pairs - 1);
  let r = integer(cgRepeat);
  if (!(r >= 0 && r < pairs)) cgRepeat.value = String((r = 0));
  send({ type: 'cg-reset', id: nextId++, backend: backend(), batchSize: size, repeat: r });
}

function showEigen(r: EigenResult): void {
  const fig1 = element('fig1');
  fig1.innerHTML = r.figure1;
  Object.assign(fig1.dataset, { state: 'drawn', batchSize: String(r.batchSize), batch: String(r.batch), seed: String(r.seed), kind: r.kind });
  element('fig2').innerHTML = r.figure2;
  show('lambda1', r.values[0], 6);
  show('curvature-ratio', r.medianCurvatureRatio, 3);
  element('eigen-timing').textContent = `${r.backend}: ${r.productMilliseconds.toFixed(1)} ms per ${r.kind === 'ggn' ? 'GGN' : 'Hessian'}-vector product on B1, ${r.seconds.toFixed(1)} s for the panel`;
}

function showCg(r: CgResult): void {
  const figure = element('cg-figure');
  figure.innerHTML = r.figure;
  figure.dataset.k = String(r.single.iterations);
  element('cg-k').textContent = String(r.single.iterations);
  show('cg-single-loss', r.single.testLoss.at(-1)!);
  show('cg-debiased-loss', r.debiased.testLoss.at(-1)!);
  show('cg-single-accuracy', r.single.testAccuracy.at(-1)!, 4);
  show('cg-debiased-accuracy', r.debiased.testAccuracy.at(-1)!, 4);
  const stops = [r.single.stopped && `single-batch CG stopped (${r.single.stopped})`, r.debiased.stopped && `debiased CG stopped (${r.debiased.stopped})`].filter(Boolean).join('; ');
  element('cg-timing').textContent = `${r.backend}: ${r.seconds.toFixed(2)} s${stops ? ` · ${stops}` : ''}`;
}

worker.onmessage = (event: MessageEvent<Reply>) => {
  const m = event.data;
  if (m.type === 'ready') {
    trainExamples = m.info.trainExamples;
    const i = m.info;
    element('model-info').textContent = `Model: ${i.spec}, ${i.numParams.toLocaleString('en')} parameters, trained ${i.epoch} epochs `
      + `(weight decay ${i.weightDecay}): ${(100 * i.trainAccuracy).toFixed(2)} % training, ${(100 * i.testAccuracy).toFixed(2)} % test accuracy. `
      + `Data: the UCI digits, ${i.trainExamples} training and ${i.testExamples} test images (8×8).`;
    requestEigen();
    requestCgReset();
    return;
  }
  if (m.type === 'progress') {
    setStatus(`${m.stage}: ${m.done}/${m.total}`);
    return;
  }
  if (m.type !== 'error' || m.id !== null) pending--; // an error without an id is the loading's, which is not counted
  if (m.type === 'error') {
    setStatus(`error: ${m.message}`, true);
    console.error(`mbquad worker: ${m.message}`);
    if (m.id === latestEigen) element('fig1').dataset.state = 'error';
    return;
  }
  if (m.type === 'eigen' && m.id === latestEigen) showEigen(m.result);
  if (m.type === 'cg') showCg(m.result);
  if (pending === 0) setStatus('ready: change a setting to recompute');
};
worker.onerror = (e) => setStatus(`the worker failed: ${e.message || 'it could not load'}${FILE_HINT}`, true);

for (const control of [kind, batchSize, batch, k]) control.addEventListener('change', requestEigen);
element('resample').addEventListener('click', () => {
  seedOutput.textContent = String(++seed);
  requestEigen();
});
for (const control of [cgBatchSize, cgRepeat]) control.addEventListener('change', requestCgReset);
element('cg-reset').addEventListener('click', requestCgReset);
element('cg-step').addEventListener('click', () => send({ type: 'cg-step', id: nextId++, steps: 1 }));
element('cg-step10').addEventListener('click', () => send({ type: 'cg-step', id: nextId++, steps: 10 }));
for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=backend]')) {
  radio.addEventListener('change', () => {
    requestEigen();
    requestCgReset();
  });
}

send({ type: 'init', checkpointUrl: new URL('digits-convnet.checkpoint.json', document.baseURI).href, digitsUrl: new URL('dist/digits.csv.gz', document.baseURI).href });
