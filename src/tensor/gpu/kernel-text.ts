/**
 * Pieces of kernel source shared by the gpu.js kernels, and the loop budget they keep to.
 *
 * Numbers in gpu.js kernels are float32, so integer division is a float division whose
 * rounding can land one off the true quotient: `quotient` corrects it (exact below 2^24).
 */

/** Kernel text declaring `let q` = ⌊numerator / denominator⌋ exactly and `const r` = numerator − q·denominator. */
export const quotient = (q: string, r: string, numerator: string, denominator: string): string => `
  let ${q} = Math.floor((${numerator}) / (${denominator}));
  if (${q} * (${denominator}) > (${numerator})) { ${q} = ${q} - 1; }
  if ((${q} + 1) * (${denominator}) <= (${numerator})) { ${q} = ${q} + 1; }
  const ${r} = (${numerator}) - ${q} * (${denominator});`;

/**
 * The most loop iterations one cell of a sum runs before it is split. GL drivers bound the work
 * of one shader invocation — Mesa's llvmpipe stops the loops of an invocation after 65,535
 * iterations in all (silently: a sum simply comes out short), and GPUs reset shaders that run
 * for seconds — so a longer sum is cut into parts of at most this many terms, added in a second
 * pass (which also spreads one long sum over many cells, as a GPU wants).
 */
export const MAX_LOOP = 4096;

/**
 * The hard ceiling on one cell's loop iterations in the GL modes: results stay on the device
 * as memory-optimized textures, whose every shader invocation computes 4 cells (one texel), so
 * llvmpipe's 65,535 allow ⌊65,535 / 4⌋ per cell. A kernel that would loop longer refuses to run.
 */
export const MAX_GL_LOOP = 16383;
