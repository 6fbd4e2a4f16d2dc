/**
 * The bias study's numbers, recomputed independently from dense matrices (MATH.md §4): per batch
 * H_B / G_B from hessianMatrix / ggnMatrix, g_B from gradient, eigenvectors from eigh, CG as a
 * plain dense loop written here, and every slope, curvature, step, error, overlap and projected
 * quadratic from those — never through the study's own helpers. Only the partition is the
 * study's (partitionData), so both sides see the same batches.
 *
 * Tolerance. The study's eigenvectors come from Lanczos at tol 1e-12: a Ritz vector is within
 * ~1e-12·‖B‖/gap of the true one (gaps here are ≥ 1e-3·‖B‖), so a slope uᵀg is within ~1e-9·‖g‖
 * and a curvature uᵀBu within ~1e-9·‖B‖ of the dense values; CG and the products differ from the
 * dense loop only by rounding. Each quantity is compared to 1e-8 of its natural scale (below).
 */
import { describe, expect, it } from 'vitest';
import { curvature, linalg, nn } from '../../src/index.ts';
import { Random } from '../../src/tensor/index.ts';
import { matVec } from '../helpers/matrices.ts';

const TOL = 1e-8;
const model = nn.fromSpec({ input: [1, 6, 6], layers: [{ type: 'conv2d', out: 4, kernel: 3, padding: 1 }, { type: 'tanh' }, { type: 'avgpool2d', kernel: 2 }, { type: 'flatten' }, { type: 'linear', out: 5 }] });
const P = model.numParams; // 4·9 + 4 + 36·5 + 5 = 225
const rng = new Random(7);
const n = 32; // 6 batches of 5; the remainder of 2 is left out by the partition
const data = { inputs: Float64Array.from({ length: n * 36 }, () => rng.normal()), targets: Int32Array.from({ length: n }, () => rng.integer(5)) };
const p = curvature.problem({ model, loss: 'cross_entropy', weightDecay: 0.01, params: model.init(rng) });
const k = 4, batchSize = 5, seed = 3;

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
const norm = (a: Float64Array) => Math.sqrt(dot(a, a));
const quadraticForm = (m: Float64Array, a: Float64Array, b: Float64Array) => dot(a, matVec(m, P, b));
const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** The largest-magnitude entry made positive: the study's documented orientation, written out here. */
const oriented = (u: Float64Array) => {
  let best = 0;
  u.forEach((v, i) => { if (Math.abs(v) > Math.abs(u[best])) best = i; });
  return u[best] < 0 ? u.map((v) => -v) : u;
};
/** Top-k eigenpairs of a dense symmetric matrix, descending, eigenvectors oriented. */
function topEigen(m: Float64Array, count: number): { values: number[]; vectors: Float64Array[] } {
  const e = linalg.eigh(m, P);
  const columns = Array.from({ length: count }, (_, i) => P - 1 - i);
  return { values: columns.map((c) => e.values[c]), vectors: columns.map((c) => oriented(Float64Array.from({ length: P }, (_, r) => e.vectors[r * P + c]))) };
}

/** Plain dense CG on B x = −g from x = 0 (MATH.md §2): normalized directions and the iterates they start from. */
function denseCg(b: Float64Array, g: Float64Array, steps: number): { directions: Float64Array[]; iterates: Float64Array[]; reason: string } {
  let x = new Float64Array(P), r = g.slice(), dir = g.map((v) => -v);
  const directions: Float64Array[] = [], iterates: Float64Array[] = [];
  for (let j = 0; j < steps; j++) {
    const bp = matVec(b, P, dir);
    const pBp = dot(dir, bp);
    if (pBp <= 0) return { directions, iterates, reason: 'negative-curvature' };
    const alpha = dot(r, r) / pBp;
    directions.push(dir.map((v) => v / norm(dir)));
    iterates.push(x);
    x = x.map((v, i) => v + alpha * dir[i]);
    const rNext = r.map((v, i) => v + alpha * bp[i]);
    const beta = dot(rNext, rNext) / dot(r, r);
    dir = rNext.map((v, i) => -v + beta * dir[i]);
    r = rNext;
  }
  return { directions, iterates, reason: 'maxiter' };
}

function expectNear(actual: number, expected: number, scale: number, what: string): void {
  const bound = TOL * Math.max(Math.abs(expected), scale);
  if (!(Math.abs(actual - expected) <= bound)) expect.fail(`${what}: ${actual} vs dense ${expected} (|Δ| > ${bound.toExponential(1)})`);
}

for (const kind of ['ggn', 'hessian'] as const) {
  describe(`bias study (${kind}) against a dense recomputation`, () => {
    const study = curvature.biasStudy(p, data, { kind, batchSize, k, seed, repeats: 5, lanczosTol: 1e-12 });
    const batches = curvature.partitionData(p, data, batchSize, seed);
    const M = batches.length;
    const matrices = batches.map((b) => (kind === 'ggn' ? curvature.ggnMatrix(p, b) : curvature.hessianMatrix(p, b)));
    const gradients = batches.map((b) => curvature.gradient(p, b));
    const losses = batches.map((b) => curvature.loss(p, b));
    const fullMatrix = matrices[0].map((_, i) => matrices.reduce((s, m) => s + m[i], 0) / M);
    const fullGradient = gradients[0].map((_, i) => gradients.reduce((s, g) => s + g[i], 0) / M);
    const curvatureScale = Math.max(...matrices.map((m) => { const v = linalg.eigh(m, P).values; return Math.max(Math.abs(v[0]), Math.abs(v[P - 1])); })); // max ‖B_m‖
    const gradientScale = Math.max(...gradients.map(norm));

    it('partitions as stated and takes B1 = batches 0, 1, 2 by the rule fixed before the run', () => {
      expect([study.numBatches, study.numExamples, study.k, study.seed]).toEqual([6, 30, k, seed]);
      expect(study.runs.map((r) => [r.b1Batch, r.b2Batch])).toEqual([[0, 1], [1, 2], [2, 3]]);
      expect(study.b1Rule).toMatch(/first 3 batches of the partition shuffled with seed 3/);
      study.runs.forEach((r) => expect(r.otherBatches).toEqual([0, 1, 2, 3, 4, 5].filter((m) => m !== r.b1Batch)));
    });

    it('eigenvectors: values, slopes s(0, u) = uᵀg_m and curvatures uᵀB_m u on every batch, signed errors, overlaps (Eq. 6, 10)', () => {
      for (const run of study.runs) {
        const top = topEigen(matrices[run.b1Batch], k);
        const top2 = topEigen(matrices[run.b2Batch], k);
        top.values.forEach((v, i) => expectNear(run.eigen.values[i], v, curvatureScale, `λ${i + 1}`));
        top2.values.forEach((v, i) => expectNear(run.eigen.b2Values[i], v, curvatureScale, `μ${i + 1}`));
        top.vectors.forEach((u, i) => {
          const slopes = gradients.map((g) => dot(u, g));
          const curvatures = matrices.map((m) => quadraticForm(m, u, u));
          const fullSlope = dot(u, fullGradient), fullCurvature = quadraticForm(fullMatrix, u, u);
          const measuredSlope = run.eigen.slopes[i], measuredCurvature = run.eigen.curvatures[i];
          expectNear(measuredSlope.b1, slopes[run.b1Batch], gradientScale, `s_B1(u${i + 1})`);
          expectNear(measuredCurvature.b1, curvatures[run.b1Batch], curvatureScale, `c_B1(u${i + 1})`);
          run.otherBatches.forEach((m, o) => {
            expectNear(measuredSlope.others[o], slopes[m], gradientScale, `s_${m}(u${i + 1})`);
            expectNear(measuredCurvature.others[o], curvatures[m], curvatureScale, `c_${m}(u${i + 1})`);
          });
          expectNear(measuredSlope.full, fullSlope, gradientScale, `s(u${i + 1})`);
          expectNear(measuredCurvature.full, fullCurvature, curvatureScale, `c(u${i + 1})`);
          // (x_B1 − x)/|x|: its error is the values' error over |x|.
          expectNear(run.eigen.slopeError[i], (slopes[run.b1Batch] - fullSlope) / Math.abs(fullSlope), gradientScale / Math.abs(fullSlope), 'slope error');
          expectNear(run.eigen.curvatureError[i], (curvatures[run.b1Batch] - fullCurvature) / Math.abs(fullCurvature), curvatureScale / Math.abs(fullCurvature), 'curvature error');
          top2.vectors.forEach((v, j) => expectNear(run.eigen.overlaps[i][j], dot(u, v) ** 2, 1, `w_${i + 1}${j + 1}`));
        });
      }
    });

    it('CG directions: slopes at the iterate s_m(x_k, d_k) = d_kᵀ(g_m + B_m x_k), curvatures, steps τ_m = −s_m/c_m on every batch (Eq. 3, 10)', () => {
      for (const run of study.runs) {
        const dense = denseCg(matrices[run.b1Batch], gradients[run.b1Batch], k);
        expect(run.cg.slopes.length).toBe(dense.directions.length);
        if (kind === 'ggn') expect(dense.directions.length).toBe(k); // the mutations of CG bookkeeping need directions to act on
        dense.directions.forEach((d, j) => {
          const x = dense.iterates[j];
          const slopeOn = (g: Float64Array, m: Float64Array) => dot(d, g) + quadraticForm(m, d, x);
          const slopes = batches.map((_, m) => slopeOn(gradients[m], matrices[m]));
          const curvatures = matrices.map((m) => quadraticForm(m, d, d));
          const fullSlope = slopeOn(fullGradient, fullMatrix), fullCurvature = quadraticForm(fullMatrix, d, d);
          const slopeScale = gradientScale + curvatureScale * norm(x);
          const stepOf = (s: number, c: number) => -s / c;
          const check = (m: number, slope: number, curv: number, step: number, where: string) => {
            expectNear(slope, slopes[m], slopeScale, `s_${where}(x_${j}, d_${j})`);
            expectNear(curv, curvatures[m], curvatureScale, `c_${where}(d_${j})`);
            expectNear(step, stepOf(slopes[m], curvatures[m]), slopeScale / Math.abs(curvatures[m]) + curvatureScale * Math.abs(slopes[m]) / curvatures[m] ** 2, `τ_${where}`);
          };
          check(run.b1Batch, run.cg.slopes[j].b1, run.cg.curvatures[j].b1, run.cg.steps[j].b1, 'B1');
          run.otherBatches.forEach((m, o) => check(m, run.cg.slopes[j].others[o], run.cg.curvatures[j].others[o], run.cg.steps[j].others[o], String(m)));
          expectNear(run.cg.slopes[j].full, fullSlope, slopeScale, `s(x_${j}, d_${j})`);
          expectNear(run.cg.curvatures[j].full, fullCurvature, curvatureScale, `c(d_${j})`);
          expectNear(run.cg.steps[j].full, stepOf(fullSlope, fullCurvature), slopeScale / fullCurvature + curvatureScale * Math.abs(fullSlope) / fullCurvature ** 2, `τ(d_${j})`);
          expectNear(run.cg.slopeError[j], (slopes[run.b1Batch] - fullSlope) / Math.abs(fullSlope), slopeScale / Math.abs(fullSlope), 'CG slope error');
          expectNear(run.cg.curvatureError[j], (curvatures[run.b1Batch] - fullCurvature) / Math.abs(fullCurvature), curvatureScale / Math.abs(fullCurvature), 'CG curvature error');
        });
      }
    });

    it('projected quadratics of Fig. 1 on B1, every other batch and the full data', () => {
      for (const run of study.runs) {
        const [u1, u2] = topEigen(matrices[run.b1Batch], 2).vectors;
        const project = (value: number, g: Float64Array, m: Float64Array) => ({
          value, gradient: [dot(u1, g), dot(u2, g)],
          curvature: [[quadraticForm(m, u1, u1), quadraticForm(m, u1, u2)], [quadraticForm(m, u2, u1), quadraticForm(m, u2, u2)]],
        });
        const compare = (q: curvature.ProjectedQuadratic, e: ReturnType<typeof project>, what: string) => {
          expectNear(q.value, e.value, 1, `${what} value`);
          q.gradient.forEach((v, i) => expectNear(v, e.gradient[i], gradientScale, `${what} gradient`));
          q.curvature.forEach((row, i) => row.forEach((v, j) => expectNear(v, e.curvature[i][j], curvatureScale, `${what} curvature`)));
        };
        compare(run.projected!.b1, project(losses[run.b1Batch], gradients[run.b1Batch], matrices[run.b1Batch]), 'B1');
        run.otherBatches.forEach((m, o) => compare(run.projected!.others[o], project(losses[m], gradients[m], matrices[m]), `batch ${m}`));
        compare(run.projected!.full, project(losses.reduce((a, b) => a + b) / M, fullGradient, fullMatrix), 'full');
      }
    });

    it('top-curvature ratios λ1(B_r)/c_full(u1) and the signed summaries over all B1s', () => {
      const ratios = [0, 1, 2, 3, 4].map((r) => {
        const [u] = topEigen(matrices[r], 1).vectors;
        return topEigen(matrices[r], 1).values[0] / quadraticForm(fullMatrix, u, u);
      });
      ratios.forEach((v, r) => expectNear(study.topCurvatureRatios[r], v, 1, `ratio ${r}`));
      expect(study.topCurvatureRatios.length).toBe(5);
      const summary = study.summary;
      expectNear(summary.topCurvatureRatio!.median, median(ratios), 1, 'median ratio');
      expectNear(summary.topCurvatureRatio!.min, Math.min(...ratios), 1, 'min ratio');
      expectNear(summary.topCurvatureRatio!.max, Math.max(...ratios), 1, 'max ratio');
      // The signed errors pooled over every B1 and direction, recomputed from the dense values.
      const errorsOf = (values: (run: (typeof study.runs)[number]) => { perBatch: number[]; full: number }[]) => {
        const b1: number[] = [], others: number[] = [];
        for (const run of study.runs) for (const v of values(run)) v.perBatch.forEach((x, m) => (m === run.b1Batch ? b1 : others).push((x - v.full) / Math.abs(v.full)));
        return { b1, others };
      };
      const eigenCurvatures = errorsOf((run) => topEigen(matrices[run.b1Batch], k).vectors.map((u) => ({ perBatch: matrices.map((m) => quadraticForm(m, u, u)), full: quadraticForm(fullMatrix, u, u) })));
      const eigenSlopes = errorsOf((run) => topEigen(matrices[run.b1Batch], k).vectors.map((u) => ({ perBatch: gradients.map((g) => dot(u, g)), full: dot(u, fullGradient) })));
      const cgRuns = (run: (typeof study.runs)[number]) => denseCg(matrices[run.b1Batch], gradients[run.b1Batch], k);
      const cgCurvatures = errorsOf((run) => cgRuns(run).directions.map((d) => ({ perBatch: matrices.map((m) => quadraticForm(m, d, d)), full: quadraticForm(fullMatrix, d, d) })));
      const cgSlopes = errorsOf((run) => {
        const c = cgRuns(run);
        return c.directions.map((d, j) => ({ perBatch: matrices.map((m, b) => dot(d, gradients[b]) + quadraticForm(m, d, c.iterates[j])), full: dot(d, fullGradient) + quadraticForm(fullMatrix, d, c.iterates[j]) }));
      });
      const check = (s: curvature.ErrorSummary, errors: number[], what: string) => {
        expect(s.count, what).toBe(errors.length);
        expect(s.over, what).toBe(errors.filter((e) => e > 0).length);
        expect(s.under, what).toBe(errors.filter((e) => e < 0).length);
        expectNear(s.median, median(errors), 1e-3, `${what} median`);
      };
      for (const [name, dense] of [['eigenCurvature', eigenCurvatures], ['eigenSlope', eigenSlopes], ['cgCurvature', cgCurvatures], ['cgSlope', cgSlopes]] as const) {
        check(summary[name].b1, dense.b1, `${name} B1`);
        check(summary[name].others, dense.others, `${name} others`);
      }
    });

    it('on B1 the eigenvectors\' curvatures are their Ritz values', () => {
      expect(curvature.ritzConsistency(study)).toBeLessThan(1e-9);
    });
  });
}

describe('cuts through a quadratic (Eq. 10) against a dense q(x + τd)', () => {
  const r = new Random(11);
  const m = 7;
  const a = Float64Array.from({ length: m * m }, () => r.normal());
  const b = a.map((_, i) => a[i] + a[Math.floor(i / m) + (i % m) * m]); // symmetric, indefinite
  const g = Float64Array.from({ length: m }, () => r.normal());
  const x = Float64Array.from({ length: m }, () => r.normal());
  const raw = Float64Array.from({ length: m }, () => r.normal());
  const d = raw.map((v) => v / Math.hypot(...raw));
  const op = linalg.denseOperator(b, m);
  const mv = (v: Float64Array) => Float64Array.from({ length: m }, (_, i) => { let s = 0; for (let j = 0; j < m; j++) s += b[i * m + j] * v[j]; return s; });
  const q = (y: Float64Array) => 2.5 + y.reduce((s, v, i) => s + g[i] * v, 0) + 0.5 * y.reduce((s, v, i) => s + v * mv(y)[i], 0);
  const along = (t: number) => q(x.map((v, i) => v + t * d[i]));
  it('s(x, d) = (q(x + d) − q(x − d))/2 and c(d) = q(x + d) − 2q(x) + q(x − d), exact for a quadratic', () => {
    const scale = Math.abs(along(1)) + Math.abs(along(-1)) + Math.abs(along(0));
    expect(Math.abs(curvature.directionalSlope(g, op, x, d) - (along(1) - along(-1)) / 2)).toBeLessThan(1e-13 * scale);
    expect(Math.abs(curvature.directionalCurvature(op, d) - (along(1) - 2 * along(0) + along(-1)))).toBeLessThan(1e-13 * scale);
    // At x = 0 (null) the slope is dᵀg.
    expect(curvature.directionalSlope(g, op, null, d)).toBeCloseTo(g.reduce((s, v, i) => s + v * d[i], 0), 14);
  });
  it('newtonStep −s/c is the minimizer of the cut when c > 0, and NaN otherwise (Eq. 3)', () => {
    const spd = linalg.denseOperator(Float64Array.from({ length: m * m }, (_, i) => (Math.floor(i / m) === i % m ? 2 : 0) + 0.1 * b[i]), m);
    const c = curvature.directionalCurvature(spd, d), s = curvature.directionalSlope(g, spd, x, d);
    expect(c).toBeGreaterThan(0);
    const tau = curvature.newtonStep(s, c);
    const cut = (t: number) => t * s + 0.5 * t * t * c; // q(x + t d) − q(x)
    expect(Math.abs((cut(tau + 1) - cut(tau - 1)) / 2)).toBeLessThan(1e-12 * (Math.abs(s) + c)); // zero slope at τ
    expect(cut(tau)).toBeLessThan(Math.min(cut(tau + 1e-3), cut(tau - 1e-3)));
    expect(curvature.newtonStep(1, 0)).toBeNaN();
    expect(curvature.newtonStep(1, -2)).toBeNaN();
  });
});

describe('bias study options', () => {
  it('takes B1s by index, measures the ratio over `repeats` batches, and refuses bad choices', () => {
    const s = curvature.biasStudy(p, data, { kind: 'ggn', batchSize, k: 2, seed, b1Batches: [4], repeats: 0 });
    expect(s.runs.map((r) => r.b1Batch)).toEqual([4]);
    expect(s.b1Rule).toMatch(/batches \[4\] of the seeded partition \(given\)/);
    expect(s.summary.topCurvatureRatio).toBeNull();
    expect(() => curvature.biasStudy(p, data, { kind: 'ggn', batchSize, b1Batches: [6] })).toThrow(/biasStudy: b1Batches must be distinct integers in \[0, 5\]/);
    expect(() => curvature.biasStudy(p, data, { kind: 'ggn', batchSize, b1Batches: [1, 1] })).toThrow(/distinct/);
    expect(() => curvature.biasStudy(p, data, { kind: 'ggn', batchSize, repeats: 7 })).toThrow(/biasStudy: repeats must be an integer in \[0, 6\]/);
    expect(() => curvature.biasStudy(p, data, { kind: 'ggn', batchSize: 20 })).toThrow(/biasStudy: need at least 2 batches of 20; the data hold 1/);
  });
  it('orients every eigenvector with its largest-magnitude entry positive', () => {
    expect(Array.from(linalg.orientSign(Float64Array.of(0.1, -0.9, 0.3)))).toEqual([-0.1, 0.9, -0.3]);
    expect(Array.from(linalg.orientSign(Float64Array.of(-0.5, 0.5)))).toEqual([0.5, -0.5]); // a tie: the first one counts
    expect(curvature.median([3, 1, 2])).toBe(2);
    expect(curvature.median([4, 1, 3, 2])).toBe(2.5);
  });
});
