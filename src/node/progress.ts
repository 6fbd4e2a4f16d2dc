/**
 * A one-line progress bar on stderr (redrawn in a terminal; one line per finished step
 * otherwise). A run of several parts (mbquad reproduce) also shows an overall bar in front:
 * `3/9 [██░░░░░░] label [████░░░░] done/total text`.
 */
export class ProgressBar {
  private readonly tty = Boolean(process.stderr.isTTY);
  private overall: { done: number; total: number } | null = null;

  constructor(private readonly width = 24) {}

  private drawn(done: number, total: number, width: number): string {
    const filled = Math.round((width * done) / Math.max(total, 1));
    return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
  }

  private prefix(): string {
    if (!this.overall) return '';
    const { done, total } = this.overall;
    return `${Math.min(done + 1, total)}/${total} ${this.drawn(done, total, 8)} `;
  }

  /** Sets the overall bar: `done` of `total` parts finished. */
  setOverall(done: number, total: number): void {
    this.overall = { done, total };
  }

  /** Redraws the bar: `label [████░░░░] done/total text` (terminal only). */
  update(label: string, done: number, total: number, text: string): void {
    if (!this.tty) return;
    const width = this.overall ? Math.min(this.width, 16) : this.width;
    process.stderr.write(`\r${this.prefix()}${label} ${this.drawn(done, total, width)} ${String(done).padStart(String(total).length)}/${total} ${text}\x1b[K`);
  }

  /** Ends the current line with a summary (printed in and out of a terminal). */
  finish(line: string): void {
    const text = `${this.prefix()}${line}`;
    process.stderr.write(this.tty ? `\r${text}\x1b[K\n` : `${text}\n`);
  }
}
