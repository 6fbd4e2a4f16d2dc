/** A one-line progress bar on stderr (redrawn in a terminal; one line per finished step otherwise). */
export class ProgressBar {
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly width = 24) {}

  /** Redraws the bar: `label [████░░░░] done/total text` (terminal only). */
  update(label: string, done: number, total: number, text: string): void {
    if (!this.tty) return;
    const filled = Math.round((this.width * done) / Math.max(total, 1));
    const bar = '█'.repeat(filled) + '░'.repeat(this.width - filled);
    process.stderr.write(`\r${label} [${bar}] ${String(done).padStart(String(total).length)}/${total} ${text}\x1b[K`);
  }

  /** Ends the current line with a summary (printed in and out of a terminal). */
  finish(line: string): void {
    process.stderr.write(this.tty ? `\r${line}\x1b[K\n` : `${line}\n`);
  }
}
