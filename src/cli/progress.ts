import type { RunsProgress } from '../runs/index.js';

/** A one-line progress bar on a TTY; silent otherwise (pipes, CI, --json), so machine output stays clean. */
export class ProgressBar {
  private readonly enabled: boolean;
  private readonly started = Date.now();
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    opts: { enabled?: boolean } = {},
  ) {
    this.enabled = (opts.enabled ?? true) && process.stderr.isTTY === true;
  }

  update(done: number, total: number, detail = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && done < total) return;
    this.lastDraw = now;
    const width = 24;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(frac * width);
    const elapsed = (now - this.started) / 1000;
    const eta = done > 0 && done < total ? ` eta ${formatSeconds((elapsed / done) * (total - done))}` : '';
    const line = `${this.label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total} ${formatSeconds(elapsed)}${eta} ${detail}`;
    const cols = process.stderr.columns ?? 120;
    process.stderr.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, line.length))}\x1b[K`);
  }

  done(): void {
    if (this.enabled) process.stderr.write('\n');
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** What a grid's progress line says: the epoch that just finished while runs train, else the run that just ended. */
export function runsDetail(p: RunsProgress): string {
  if (p.epoch) {
    const { cfg, epoch, epochs } = p.epoch;
    return `${cfg.head} seed ${cfg.seed}: epoch ${epoch}/${epochs}`;
  }
  if (p.last) return `${p.last.cfg.head} seed ${p.last.cfg.seed}: ${p.last.result.status}`;
  return p.skipped ? `${p.skipped} already done` : '';
}
