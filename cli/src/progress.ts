// Progress on stderr: a redrawn bar with rate and ETA on a terminal, plain periodic counts otherwise.
import type { Writable } from 'node:stream';

export interface ProgressOptions {
  total?: number;
  stream?: Writable & { isTTY?: boolean; columns?: number };
  /** Plain mode: ms between count lines. */
  intervalMs?: number;
  enabled?: boolean;
}

export class Progress {
  private done = 0;
  /** When the first result came: the rate leaves out the mesh's start-up time. */
  private started: number | undefined;
  private lastDraw = 0;
  private readonly stream: Writable & { isTTY?: boolean; columns?: number };
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private readonly enabled: boolean;
  private drawn = false;

  constructor(private total: number | undefined, opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.intervalMs = opts.intervalMs ?? (this.tty ? 100 : 5_000);
    this.enabled = opts.enabled ?? true;
  }

  setTotal(total: number | undefined): void {
    this.total = total;
  }

  tick(n = 1): void {
    this.done += n;
    if (!this.enabled) return;
    const now = performance.now();
    // The first frame waits one interval: a rate over the first few milliseconds is noise.
    if (this.started === undefined) this.lastDraw = this.started = now;
    if (now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    this.draw(now);
  }

  private draw(now: number): void {
    const secs = (now - (this.started ?? now)) / 1000;
    const rate = secs > 0 ? this.done / secs : 0;
    const total = this.total;
    const eta = total !== undefined && rate > 0 ? Math.max(0, (total - this.done) / rate) : undefined;
    const counts = total !== undefined ? `${this.done}/${total}` : `${this.done}`;
    const tail = `${counts}  ${rate.toFixed(rate >= 100 ? 0 : 1)}/s${eta !== undefined ? `  ETA ${duration(eta)}` : ''}`;
    if (this.tty) {
      const cols = this.stream.columns ?? 80;
      const barWidth = Math.max(10, Math.min(40, cols - tail.length - 10));
      const frac = total ? Math.min(1, this.done / total) : 0;
      const filled = Math.round(frac * barWidth);
      const bar = total ? `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}% ` : '';
      this.stream.write(`\r${bar}${tail}\x1b[K`);
      this.drawn = true;
    } else {
      this.stream.write(`progress: ${tail}\n`);
    }
  }

  /** Final redraw on a terminal and a newline, so the summary starts on its own line. */
  finish(): void {
    if (!this.enabled || !this.tty || this.started === undefined) return;
    this.draw(performance.now());
    if (this.drawn) this.stream.write('\n');
  }
}

export function duration(secs: number): string {
  if (secs < 60) return `${Math.ceil(secs)}s`;
  const m = Math.floor(secs / 60);
  if (m < 60) return `${m}m${String(Math.round(secs % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
