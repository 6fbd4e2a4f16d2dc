/**
 * Top-k eigenpairs of a symmetric operator seen only through products: thick-restart Lanczos
 * (Wu & Simon 2000) with full reorthogonalization.
 *
 * The basis V = [v_0 … v_j] is kept orthonormal by Gram–Schmidt against every basis vector,
 * done twice ("twice is enough", Parlett), so Ritz vectors stay orthonormal to working
 * precision. The projected matrix T = Vᵀ A V is tridiagonal, except after a restart, where the
 * kept Ritz pairs form a diagonal block coupled to the next vector by an arrow. Ritz pairs
 * (θ, V y) come from eigh(T); the residual of one is ‖A V y − θ V y‖ = β_{j+1}·|y_j|, so the
 * convergence test ‖A u − θ u‖ ≤ tol·max(|θ|, ‖A‖est) needs no extra product. ‖A‖est is the
 * largest |Ritz value| seen so far (a lower bound of ‖A‖ that converges to it first): the floor
 * lets an exactly zero — or tiny — eigenvalue converge, which a purely relative test never
 * does, and is the scale at which rounding in A's products limits any residual anyway. The test runs after every
 * product once the basis holds k vectors, so the iteration stops at the first product where
 * the top k have converged. When the basis reaches m vectors it is restarted with the best
 * Ritz vectors (thick restart), so memory stays O(n·m). A breakdown (β ≈ 0: an invariant
 * subspace) continues with a fresh random vector orthogonal to the basis.
 */
import { fail, MbquadError, Random } from '../tensor/index.ts';
import { eigh } from './eigh.ts';
import type { LinearOperator } from './operator.ts';
import { checkVector, dot, norm } from './vector.ts';

/** Options of lanczos. */
export interface LanczosOptions {
  /** 'largest' (default): the k largest algebraic eigenvalues; 'smallest': the k smallest. */
  which?: 'largest' | 'smallest';
  /** Converged when ‖A u − θ u‖ ≤ tol·max(|θ|, ‖A‖est) (default 1e-10; ‖A‖est: the largest |Ritz value| seen). */
  tol?: number;
  /** Basis size m (memory O(n·m)); default min(n, max(2k + 1, 20)), as ARPACK's ncv. */
  basisSize?: number;
  /** Budget of operator products (default max(100·m, 10·n)). */
  maxMatvecs?: number;
  /** Seed of the deterministic random start vector (default 0). */
  seed?: number;
  /**
   * A single start vector sees only one direction of a repeated eigenvalue (in exact
   * arithmetic), so, like ARPACK, plain Lanczos can return a later eigenvalue in place of a
   * second copy of an earlier one. With `multiplicityCheck` (default false), after convergence
   * the operator deflated by the found vectors, (I − UUᵀ) A (I − UUᵀ), is searched from a
   * fresh random vector for its top eigenpair; one that beats the k-th value is merged in and
   * the check repeats. This costs roughly one more top-1 run per check. After a merge, a
   * Rayleigh–Ritz step on span(U, A U) (3k more products) gives the final pairs and their true
   * residuals: a merged vector's residual in the deflated operator misses A's coupling to the
   * residuals of the vectors found before, which the merge may drop.
   */
  multiplicityCheck?: boolean;
}

/** What lanczos returns: eigenpairs, residuals, the norm estimate and the cost in products. */
export interface LanczosResult {
  /** Eigenvalues in descending order. */
  values: Float64Array;
  /** Unit eigenvectors, vectors[i] ↔ values[i]. */
  vectors: Float64Array[];
  /** Residual norms ‖A u_i − θ_i u_i‖ (from the Lanczos relation). */
  residuals: Float64Array;
  /** ‖A‖est: the largest |Ritz value| seen, the floor of the convergence test's scale. */
  normEstimate: number;
  /** Number of operator products. */
  matvecs: number;
  restarts: number;
  converged: boolean;
}

/** Thrown when the budget runs out before convergence; carries the partial results (like ARPACK's). */
export class LanczosNoConvergence extends MbquadError {
  constructor(readonly partial: LanczosResult, tol: number) {
    const worst = Math.max(...Array.from(partial.residuals, (r, i) => r / convergenceScale(partial.values[i], partial.normEstimate)));
    super('lanczos', `no convergence within ${partial.matvecs} products: the worst residual is ${worst.toExponential(2)}·max(|θ|, ‖A‖est) > tol ${tol}; partial results are in .partial`);
  }
}

/** The scale of the convergence test ‖A u − θ u‖ ≤ tol·max(|θ|, ‖A‖est) (MIN_VALUE only for A = 0). */
function convergenceScale(theta: number, normEstimate: number): number {
  return Math.max(Math.abs(theta), normEstimate, Number.MIN_VALUE);
}

/** The top-k (or bottom-k) eigenpairs of a symmetric operator seen only through products (thick-restart Lanczos, full reorthogonalization). */
export function lanczos(op: LinearOperator, k: number, options: LanczosOptions = {}): LanczosResult {
  const result = lanczosRun(op, k, options);
  return options.multiplicityCheck ? checkMultiplicity(op, k, options, result) : result;
}

/** See LanczosOptions.multiplicityCheck. */
function checkMultiplicity(op: LinearOperator, k: number, options: LanczosOptions, found: LanczosResult): LanczosResult {
  const n = op.size;
  const sign = (options.which ?? 'largest') === 'largest' ? 1 : -1;
  const tol = options.tol ?? 1e-10;
  let current = found;
  for (let round = 1; current.vectors.length < n; round++) {
    const locked = current.vectors;
    const project = (v: Float64Array) => {
      const w = v.slice();
      for (const u of locked) {
        const c = dot(u, w);
        for (let i = 0; i < n; i++) w[i] -= c * u[i];
      }
      return w;
    };
    const deflated: LinearOperator = { size: n, apply: (v) => project(op.apply(project(v))) };
    const extra = lanczosRun(deflated, 1, { ...options, seed: (options.seed ?? 0) + round, basisSize: Math.min(options.basisSize ?? 20, n) });
    const candidate = extra.values[0];
    const kth = current.values[sign === 1 ? k - 1 : 0];
    const matvecs = current.matvecs + extra.matvecs;
    // A candidate inside span(U) is an artefact of the deflation (its eigenvalue 0 there).
    const inComplement = locked.every((u) => Math.abs(dot(u, extra.vectors[0])) < 1e-6);
    // Does the complement hold an eigenvalue beyond the k-th one found (more extreme)?
    const normEstimate = Math.max(current.normEstimate, extra.normEstimate);
    if (!inComplement || !(sign * (candidate - kth) > tol * convergenceScale(kth, normEstimate))) {
      return round === 1 ? { ...current, matvecs, normEstimate } : rayleighRitz(op, k, sign, tol, { ...current, matvecs, normEstimate });
    }
    // Re-project onto the complement (it drifts from it only by rounding) so U stays orthonormal.
    const w = project(extra.vectors[0]);
    const wNorm = norm(w);
    const values = [...current.values, candidate];
    const vectors = [...current.vectors, w.map((x) => x / wNorm)];
    const residuals = [...current.residuals, extra.residuals[0]];
    const order = Array.from(values.keys()).sort((a, b) => values[b] - values[a]);
    const keep = sign === 1 ? order.slice(0, k) : order.slice(order.length - k);
    current = {
      values: Float64Array.from(keep, (i) => values[i]),
      vectors: keep.map((i) => vectors[i]),
      residuals: Float64Array.from(keep, (i) => residuals[i]),
      matvecs,
      normEstimate,
      restarts: current.restarts + extra.restarts,
      converged: current.converged && extra.converged,
    };
  }
  return current;
}

/**
 * The final pairs after a multiplicity merge: Rayleigh–Ritz of A on span(U, A U) (orthonormal
 * basis Q by two-pass Gram–Schmidt, H = Qᵀ A Q, eigh(H)), one block-Krylov step that also removes
 * most of the coupling a merged vector inherits from the residuals of earlier vectors. The
 * residuals are then the true ‖A u − θ u‖, from A u = (A Q) c, and `converged` says whether they
 * meet tol·max(|θ|, ‖A‖est).
 */
function rayleighRitz(op: LinearOperator, k: number, sign: number, tol: number, found: LanczosResult): LanczosResult {
  const n = op.size;
  const q: Float64Array[] = [], aq: Float64Array[] = [];
  const extend = (w: Float64Array) => {
    const before = norm(w);
    for (let pass = 0; pass < 2; pass++) {
      for (const v of q) {
        const c = dot(v, w);
        for (let i = 0; i < n; i++) w[i] -= c * v[i];
      }
    }
    const after = norm(w);
    if (q.length < n && after > 1e-8 * before) {
      const unit = w.map((x) => x / after);
      q.push(unit);
      aq.push(op.apply(unit));
    }
  };
  for (const u of found.vectors) extend(u.slice());
  for (const w of aq.slice()) extend(w.slice());
  const m = q.length;
  const h = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) h[i * m + j] = h[j * m + i] = 0.5 * (dot(q[i], aq[j]) + dot(q[j], aq[i]));
  const e = eigh(h, m);
  const columns = Array.from({ length: k }, (_, i) => (sign === 1 ? m - 1 - i : i)); // descending values of A
  let normEstimate = found.normEstimate;
  for (const c of [0, m - 1]) normEstimate = Math.max(normEstimate, Math.abs(e.values[c]));
  const pairs = columns.map((c) => {
    const u = new Float64Array(n), au = new Float64Array(n);
    for (let t = 0; t < m; t++) {
      const y = e.vectors[t * m + c];
      for (let i = 0; i < n; i++) {
        u[i] += y * q[t][i];
        au[i] += y * aq[t][i];
      }
    }
    const theta = e.values[c];
    return { theta, u, residual: norm(au.map((x, i) => x - theta * u[i])) };
  });
  pairs.sort((x, y) => y.theta - x.theta);
  return {
    values: Float64Array.from(pairs, (p) => p.theta),
    vectors: pairs.map((p) => p.u),
    residuals: Float64Array.from(pairs, (p) => p.residual),
    normEstimate,
    matvecs: found.matvecs + m,
    restarts: found.restarts,
    converged: found.converged && pairs.every((p) => p.residual <= tol * convergenceScale(p.theta, normEstimate)),
  };
}

function lanczosRun(op: LinearOperator, k: number, options: LanczosOptions): LanczosResult {
  const n = op.size;
  if (!Number.isInteger(k) || k < 1 || k > n) fail('lanczos', `k must be an integer in [1, n = ${n}], given ${k}`);
  const which = options.which ?? 'largest';
  if (which !== 'largest' && which !== 'smallest') fail('lanczos', `which must be 'largest' or 'smallest', given ${JSON.stringify(which)}`);
  const tol = options.tol ?? 1e-10;
  if (!(tol > 0)) fail('lanczos', `tol must be > 0, given ${tol}`);
  const m = options.basisSize ?? Math.min(n, Math.max(2 * k + 1, 20));
  if (!Number.isInteger(m) || m < k || m > n) fail('lanczos', `basisSize must be an integer in [k = ${k}, n = ${n}], given ${m}`);
  const maxMatvecs = options.maxMatvecs ?? Math.max(100 * m, 10 * n);
  // The smallest eigenvalues of A are the largest of −A.
  const sign = which === 'largest' ? 1 : -1;
  const rng = new Random(options.seed ?? 0);
  let matvecs = 0, restarts = 0;
  const apply = (v: Float64Array): Float64Array => {
    matvecs++;
    const out = op.apply(v);
    checkVector('lanczos', 'operator output', out, n);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(out[i])) fail('lanczos', `operator output has a non-finite entry ${out[i]} at index ${i}`);
      out[i] *= sign;
    }
    return out;
  };

  const basis: Float64Array[] = [];
  /** Orthogonalizes w against the basis twice; returns its remaining norm. */
  const orthogonalize = (w: Float64Array): number => {
    for (let pass = 0; pass < 2; pass++) {
      for (const v of basis) {
        const c = dot(v, w);
        for (let i = 0; i < n; i++) w[i] -= c * v[i];
      }
    }
    return norm(w);
  };
  /** A unit random vector orthogonal to the basis (null when the basis spans everything). */
  const freshVector = (): Float64Array | null => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const w = Float64Array.from({ length: n }, () => rng.normal());
      const before = norm(w);
      const after = orthogonalize(w);
      if (after > 1e-8 * before) return w.map((x) => x / after);
    }
    return null;
  };

  basis.push(freshVector()!);
  // T = Vᵀ A V, stored dense (m×m); `coupling` is β of the last vector to the next one.
  let T = new Float64Array(m * m);
  let kept = 0; // Ritz vectors kept at the last restart (the arrow's head)
  let coupling = 0;
  let ritz: { values: Float64Array; vectors: Float64Array; size: number } | null = null;
  let residualNorms = new Float64Array(0);
  let normEstimate = 0; // ‖A‖est: the largest |Ritz value| seen (eigenvalues of T are within A's range)
  const isConverged = (residual: number, theta: number) => residual <= tol * convergenceScale(theta, normEstimate);

  const ritzOf = (size: number) => {
    const sub = new Float64Array(size * size);
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) sub[i * size + j] = T[i * m + j];
    const e = eigh(sub, size, { symmetryTolerance: 1e-8 });
    // Descending: column size−1−i of e.vectors is the i-th largest.
    const values = Float64Array.from({ length: size }, (_, i) => e.values[size - 1 - i]);
    const vectors = new Float64Array(size * size); // column i ↔ values[i]
    for (let r = 0; r < size; r++) for (let i = 0; i < size; i++) vectors[r * size + i] = e.vectors[r * size + size - 1 - i];
    return { values, vectors, size };
  };

  while (true) {
    const j = basis.length - 1;
    // One Lanczos step: w = A v_j, α_j = v_jᵀ w, then w ⟂ V, β_j = ‖w‖, v_{j+1} = w / β_j.
    const w = apply(basis[j]);
    const alpha = dot(basis[j], w);
    T[j * m + j] = alpha;
    let beta = orthogonalize(w);
    const scale = Math.max(Math.abs(alpha), Math.abs(coupling), 1e-300);
    const size = j + 1;
    let next: Float64Array | null;
    if (beta <= 1e-12 * scale) {
      // Invariant subspace: the Ritz pairs so far are exact; continue in a fresh direction.
      beta = 0;
      next = size < n ? freshVector() : null;
    } else {
      next = w.map((x) => x / beta);
    }
    coupling = beta;

    if (size >= k) {
      ritz = ritzOf(size);
      normEstimate = Math.max(normEstimate, Math.abs(ritz.values[0]), Math.abs(ritz.values[size - 1]));
      // Residual of Ritz pair i: β_j · |y_i[last]|.
      residualNorms = Float64Array.from({ length: k }, (_, i) => Math.abs(beta * ritz!.vectors[(size - 1) * size + i]));
      const converged = residualNorms.every((r, i) => isConverged(r, ritz!.values[i]));
      if (converged || next === null || matvecs >= maxMatvecs) {
        const result = assemble(ritz, basis, k, n, sign, residualNorms, normEstimate, matvecs, restarts, converged || next === null);
        if (!result.converged) throw new LanczosNoConvergence(result, tol);
        return result;
      }
    }
    if (next === null) fail('lanczos', 'internal error: basis exhausted before k Ritz pairs');

    if (size < m) {
      basis.push(next);
      T[j * m + j + 1] = T[(j + 1) * m + j] = beta;
      continue;
    }
    // Thick restart: keep the best `kept` Ritz vectors, then the residual direction v_{m}.
    // Keeping k + (number converged) + 2 — more as more pairs converge, like ARPACK's
    // adjusted nev — measured fewest products over the spectra of bench/linalg.bench.ts.
    restarts++;
    const r = ritz!; // set above: a restart happens at size m ≥ k
    const convergedCount = residualNorms.filter((res, i) => isConverged(res, r.values[i])).length;
    kept = Math.max(Math.min(k + convergedCount + 2, m - 2), Math.min(k, m - 1));
    const newBasis: Float64Array[] = [];
    const newT = new Float64Array(m * m);
    for (let i = 0; i < kept; i++) {
      newBasis.push(ritzVector(r, basis, i, n));
      newT[i * m + i] = r.values[i];
      // Arrow: v_kept couples to Ritz vector i with β · y_i[last].
      newT[i * m + kept] = newT[kept * m + i] = beta * r.vectors[(size - 1) * size + i];
    }
    basis.length = 0;
    basis.push(...newBasis, next);
    T = newT;
  }
}

/** The Ritz vector u_i = V y_i (y_i: column i of the projected eigenvectors). */
function ritzVector(ritz: { vectors: Float64Array; size: number }, basis: Float64Array[], i: number, n: number): Float64Array {
  const { size } = ritz;
  const u = new Float64Array(n);
  for (let t = 0; t < size; t++) {
    const y = ritz.vectors[t * size + i];
    const v = basis[t];
    for (let q = 0; q < n; q++) u[q] += y * v[q];
  }
  return u;
}

/** Ritz vectors u_i = V y_i of the top k Ritz pairs, in descending order of the original operator. */
function assemble(
  ritz: { values: Float64Array; vectors: Float64Array; size: number },
  basis: Float64Array[], k: number, n: number, sign: number, residuals: Float64Array, normEstimate: number, matvecs: number, restarts: number, converged: boolean,
): LanczosResult {
  const vectors = Array.from({ length: k }, (_, i) => ritzVector(ritz, basis, i, n));
  const values = Float64Array.from({ length: k }, (_, i) => sign * ritz.values[i]);
  // For 'smallest' the Ritz values of −A come largest first; report descending values of A.
  const order = Array.from(values.keys()).sort((a, b) => values[b] - values[a]);
  return {
    values: Float64Array.from(order, (i) => values[i]),
    vectors: order.map((i) => vectors[i]),
    residuals: Float64Array.from(order, (i) => residuals[i]),
    normEstimate,
    matvecs,
    restarts,
    converged,
  };
}
