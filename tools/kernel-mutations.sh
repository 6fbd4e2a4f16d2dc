#!/usr/bin/env bash
# Mutation check of the WebAssembly kernels' tests (issue: "changing one lane's summation order (or
# using a different k order) must fail the test"): applies each one-line mutation below to the
# emitter's source, runs the bit-for-bit tests (test/tensor/wasm-kernels.test.ts), and restores
# the file. Every mutation must make a test fail; the script exits 1 if one survives. A lane's
# summation order is also mutated inside the suite itself (the 'mutation check' test). Not part
# of `npm test` (it rewrites source files). Usage: bash tools/kernel-mutations.sh   (~2 minutes)
set -uo pipefail
cd "$(dirname "$0")/.."
MUTATION_TESTS=test/tensor/wasm-kernels.test.ts
. tools/mutate.sh
G=src/tensor/cpu/wasm/gemm.ts C=src/tensor/cpu/wasm/conv.ts E=src/tensor/cpu/wasm/elementwise.ts P=src/tensor/cpu/wasm/pool.ts Q=src/tensor/cpu/wasm/eigen.ts
mutate "1 k-blocks of 256 (another k order)" $G "set('blocks', i32.divS(i32.add(get('k'), c(KC - 1)), c(KC)))," "set('blocks', i32.divS(i32.add(get('k'), c(255)), c(256))),"
mutate "2 one k-block however long k is" $G "set('kBlock', i32.divS(i32.add(get('k'), i32.sub(get('blocks'), c(1))), get('blocks')))," "set('kBlock', get('k')),"
mutate "3 every k-block overwrites C" $G "set('overwrite', i32.and(i32.eqz(get('accumulate')), i32.eqz(get('pc'))))," "set('overwrite', i32.eqz(get('accumulate'))),"
mutate "4 C off by one ulp before the add (a last-bit change)" $G "rowsOfC((r) => bs.map((_, q) => v128.store(get('row'), f64x2.add(v128.load(get('row'), 16 * q), get(acc(r, q))), 16 * q)))," "rowsOfC((r) => bs.map((_, q) => v128.store(get('row'), f64x2.add(get(acc(r, q)), f64x2.mul(v128.load(get('row'), 16 * q), f64x2.splat(f64.const(1 + 2 ** -52)))), 16 * q))),"
mutate "5 edge tile read with the wrong row length" $G "set('in', i32.add(get('tile'), i32.shl(i32.add(i32.mul(get('r'), c(NR)), get('cc')), c(3))))," "set('in', i32.add(get('tile'), i32.shl(i32.add(i32.mul(get('r'), c(NR - 1)), get('cc')), c(3)))),"
mutate "6 B panels packed with the columns' stride as the rows'" $G "set('rowBytes', i32.shl(get('rowStride'), c(3)))," "set('rowBytes', i32.shl(get('colStride'), c(3))),"
mutate "7 im2col pads with 1e-9" $C "const zeros = (from: Code, to: Code): Code => f.forRange('xo', from, to, c(1), f64.store(i32.add(get('d'), i32.shl(get('xo'), c(3))), f64.const(0)));" "const zeros = (from: Code, to: Code): Code => f.forRange('xo', from, to, c(1), f64.store(i32.add(get('d'), i32.shl(get('xo'), c(3))), f64.const(1e-9)));"
mutate "8 stride-1 valid columns one short" $C "set('end', i32.sub(i32.add(get('w'), get('padW')), get('j')))," "set('end', i32.sub(i32.add(get('w'), get('padW')), i32.add(get('j'), c(1)))),"
mutate "9 ReLU as pmax (keeps −0)" $E "(v) => f64x2.max(v, v128.zero())" "(v) => [...v, ...v128.zero(), 0xfd, 0xf7, 0x01]"
mutate "10 step at 0 is 1" $E "(v) => v128.and(f64x2.gt(v, v128.zero()), f64x2.splat(f64.const(1)))" "(v) => v128.and(f64x2.ne(v, v128.zero()), f64x2.splat(f64.const(1)))"
mutate "11 pooling keeps the last maximum" $P "set('winning', v128.or(f64x2.gt(get('values'), get('bests'))," "set('winning', v128.or(f64x2.ne(get('values'), get('bests')),"
mutate "12 pooling lets NaN lose" $P "set('wins', i32.or(f64.gt(get('v'), get('best')), i32.and(f64.ne(get('v'), get('v')), f64.eq(get('best'), get('best')))))," "set('wins', f64.gt(get('v'), get('best'))),"
mutate "13 eigh's dot product adds lane 1 before lane 0" $Q "set('dot', f64.add(get('dot'), f64x2.extractLane(get('product'), 0)))," "set('dot', f64.add(get('dot'), f64x2.extractLane(get('product'), 1))),"
mutate "14 eigh's rotations skip the last column of an odd n" $Q "ifThen(i32.ltS(get('b'), get('rowBytes')), [body(single)])," "ifThen(i32.ltS(get('b'), c(0)), [body(single)]),"
mutate "15 eigh's reflector pass starts p at 32.5, not 0" $Q "memoryFill(at('p', 'i'), c(0)," "memoryFill(at('p', 'i'), c(0x40),"
[ "$survivors" -eq 0 ] && echo "every mutation fails a test" || { echo "$survivors mutation(s) survived"; exit 1; }
