/** Every program in examples/ runs to completion (each checks its own result and throws if it is off). */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const examples = readdirSync('examples').filter((f) => f.endsWith('.ts')).sort();

describe('examples', () => {
  it('there are the seven documented programs', () => {
    expect(examples).toEqual(['bias-custom-model.ts', 'curvature-tour.ts', 'debiased-cg-and-laplace.ts', 'from-pytorch.ts', 'gpu-backend.ts', 'tensors-and-autodiff.ts', 'threads.ts', 'train-and-resume.ts']);
  });
  it.each(examples)('%s runs', (file) => {
    const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', `examples/${file}`], { encoding: 'utf8', env: { ...process.env, MBQUAD_GPU_MODE: process.env.MBQUAD_GPU_MODE ?? 'auto' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
  }, 120_000);
});
