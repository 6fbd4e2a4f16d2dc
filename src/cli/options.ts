/**
 * Command-line options `--name value` / `--flag`, with typed getters and clear errors. Every
 * problem with the command line itself is a UsageError: `mbquad` exits with status 2 for those
 * and 1 for every other failure.
 */
import { MbquadError } from '../tensor/index.ts';

/** An unknown command or option, a missing or bad option value. */
export class UsageError extends MbquadError {
  override name = 'UsageError';
}

/** Throws a UsageError naming `op` (the command, or 'options'). */
export function usage(op: string, message: string): never {
  throw new UsageError(op, message);
}


export class Options {
  private readonly values = new Map<string, string | true>();
  private readonly used = new Set<string>();

  constructor(args: readonly string[]) {
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (!a.startsWith('--')) usage('options', `unexpected argument '${a}' (options look like --name value)`);
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
      if (inline !== undefined) this.values.set(name, inline);
      else if (i + 1 < args.length && !args[i + 1].startsWith('--')) this.values.set(name, args[++i]);
      else this.values.set(name, true);
    }
  }

  has(name: string): boolean {
    this.used.add(name);
    return this.values.has(name);
  }

  string(name: string, fallback?: string): string {
    this.used.add(name);
    const v = this.values.get(name);
    if (v === undefined) return fallback ?? usage('options', `missing --${name}`);
    if (v === true) usage('options', `--${name} needs a value`);
    return v;
  }

  /** A flag without a value: true when given. */
  flag(name: string): boolean {
    this.used.add(name);
    const v = this.values.get(name);
    if (v === undefined) return false;
    if (v !== true) usage('options', `--${name} takes no value, given '${v}'`);
    return true;
  }

  number(name: string, fallback: number): number {
    if (!this.has(name)) return fallback;
    const s = this.string(name);
    const v = Number(s);
    if (s.trim() === '' || !Number.isFinite(v)) usage('options', `--${name} must be a number, given '${s}'`);
    return v;
  }

  integer(name: string, fallback: number): number {
    const v = this.number(name, fallback);
    if (!Number.isInteger(v)) usage('options', `--${name} must be an integer, given ${v}`);
    return v;
  }

  integerList(name: string, fallback: number[]): number[] {
    if (!this.has(name)) return fallback;
    return this.string(name).split(',').map((s) => {
      const v = Number(s);
      if (s.trim() === '' || !Number.isInteger(v)) usage('options', `--${name} must be comma-separated integers, given '${this.string(name)}'`);
      return v;
    });
  }

  choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.string(name, fallback);
    if (!allowed.includes(v as T)) usage('options', `--${name} must be one of ${allowed.join(', ')}, given '${v}'`);
    return v as T;
  }

  /** Refuses options nobody asked for (a typo never passes silently). */
  checkAllUsed(): void {
    const unknown = [...this.values.keys()].filter((k) => !this.used.has(k));
    if (unknown.length > 0) usage('options', `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `--${u}`).join(', ')}`);
  }
}
