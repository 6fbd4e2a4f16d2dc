#!/usr/bin/env bash
# Mutation check of the bias study's tests (issue: "eight wrong versions of the study pass"):
# applies each one-line mutation below to a copy of the source in place, runs
# test/curvature/bias.test.ts, and restores the file. Every mutation must make a test fail;
# the script exits 1 if one survives. Not part of `npm test` (it rewrites source files).
# Usage: bash tools/bias-mutations.sh    (~1 minute)
set -uo pipefail
cd "$(dirname "$0")/.."
MUTATION_TESTS=test/curvature/bias.test.ts
. tools/mutate.sh
B=src/curvature/bias.ts D=src/curvature/directional.ts
mutate "1 slope dᵀ(g − Bx) instead of dᵀ(g + Bx)" $D "return dot(d, g) + dot(d, b.apply(x));" "return dot(d, g) - dot(d, b.apply(x));"
mutate "2 overlaps against B1's own eigenvectors" $B "overlaps: top2 ? overlapWeights(eigenvectors, top2.vectors.map(orientSign)) : []," "overlaps: top2 ? overlapWeights(eigenvectors, eigenvectors) : [],"
mutate "3 CG slopes at x = 0 on all batches" $B "directionalSlope(g, op, j === 0 ? null : run.cgIterates[j], d)" "directionalSlope(g, op, null, d)"
mutate "4 CG slopes at x = 0 on the other batches" $B "directionalSlope(g, op, j === 0 ? null : run.cgIterates[j], d)" "directionalSlope(g, op, j === 0 || m !== run.b1 ? null : run.cgIterates[j], d)"
mutate "5 B1's gradient on every batch" $B "    for (const run of runs) {
      // B_m u once" "    for (const run of runs) {
      const g = gradientOf(run.b1);
      // B_m u once"
mutate "6 eigenvector slopes with −g on other batches" $B "run.eigenSlopes[i].push(directionalSlope(g, op, null, u));" "run.eigenSlopes[i].push(directionalSlope(m === run.b1 ? g : g.map((v) => -v), op, null, u));"
mutate "7 CG curvatures with B1's operator" $B "run.cgCurvatures[j].push(directionalCurvature(op, d));" "run.cgCurvatures[j].push(directionalCurvature(ops[run.b1], d));"
mutate "8 steps paired with the next batch's curvature" $B "newtonStep(s, run.cgCurvatures[j][m])" "newtonStep(s, run.cgCurvatures[j][(m + 1) % M])"
mutate "9 eigenvectors not oriented" $B "const eigenvectors = top1.vectors.map(orientSign);" "const eigenvectors = top1.vectors;"
mutate "10 upper median" $B "return s.length % 2 === 1 ? s[h] : 0.5 * (s[h - 1] + s[h]);" "return s[h];"
mutate "11 full-data step as the mean of the batches' steps" $B "full: newtonStep(cgSlopes[j].full, cgCurvatures[j].full)," ""
mutate "12 Fig. 1's quadratic with B u1 in place of B u2" $B "products[0], products[1]));" "products[0], products[0]));"
mutate "13 eigen curvatures with the next eigenvector's product" $B "run.eigenCurvatures[i].push(dot(u, products[i]));" "run.eigenCurvatures[i].push(dot(u, products[(i + 1) % k]));"
[ "$survivors" -eq 0 ] && echo "every mutation fails a test" || { echo "$survivors mutation(s) survived"; exit 1; }
