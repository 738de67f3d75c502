import type { RunsProgress } from '../runs/index.js';
import type { JobEvent } from '../exec/index.js';
import type { RunConfig } from '../train/config.js';
import { runByApi } from './output.js';

/** Where progress goes: process.stderr, or a stand-in in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Progress always goes to stderr, --json and --markdown included: their result is on stdout, and a study that runs
 * for hours under nohup must still show in its log that it is alive. A command run by the API (compare() and the
 * rest) prints none: a library call writes nothing to its caller's stderr.
 */
export interface ProgressOptions {
  stream?: ProgressStream;
  /** Without a TTY, a line at least this often while nothing else is printed (ms). */
  heartbeatMs?: number;
  /** On a TTY, how often the line (and its clock) is redrawn while nothing happens (ms). */
  tickMs?: number;
}

export const HEARTBEAT_MS = 30_000;

const DISCARD: ProgressStream = { write: () => true };

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Lines longer than the terminal are wrapped at ' · ' separators (never cut: the end of a status line is as useful as
 * its start); a single segment wider than the terminal is broken where it must be.
 */
export function wrapSegments(segments: string[], cols: number, sep = ' · '): string[] {
  const width = Math.max(20, cols - 1);
  const lines: string[] = [];
  let cur = '';
  for (const seg of segments.filter((s) => s !== '')) {
    const next = cur === '' ? seg : `${cur}${sep}${seg}`;
    if ([...next].length <= width) {
      cur = next;
      continue;
    }
    if (cur !== '') lines.push(cur);
    cur = seg;
    while ([...cur].length > width) {
      const chars = [...cur];
      lines.push(chars.slice(0, width).join(''));
      cur = chars.slice(width).join('');
    }
  }
  if (cur !== '') lines.push(cur);
  return lines;
}

/**
 * A status that redraws in place on a TTY (several lines when it wraps) and prints plain lines otherwise. The caller
 * decides when a plain line is worth printing (`line`); `draw` only ever touches a TTY.
 */
export class StatusLine {
  private readonly stream: ProgressStream;
  readonly tty: boolean;
  private drawn = 0; // lines of the last TTY draw
  private lastPlain = Date.now();

  constructor(opts: { stream?: ProgressStream } = {}) {
    this.stream = opts.stream ?? (runByApi() ? DISCARD : process.stderr);
    this.tty = this.stream.isTTY === true;
  }

  /** TTY only: replaces the previous status (all of its wrapped lines) with these segments. */
  draw(segments: string[]): void {
    if (!this.tty) return;
    // A pseudo-terminal without a size (script, some CI runners) reports 0 columns: assume a common width.
    const cols = this.stream.columns !== undefined && this.stream.columns > 0 ? this.stream.columns : 120;
    const lines = wrapSegments(segments, cols);
    const up = this.drawn > 1 ? `\x1b[${this.drawn - 1}A` : '';
    this.stream.write(`${up}\r\x1b[J${lines.join('\n')}`);
    this.drawn = lines.length;
  }

  /** Without a TTY: one plain line. */
  line(text: string): void {
    if (this.tty) return;
    this.stream.write(`${text}\n`);
    this.lastPlain = Date.now();
  }

  /** Milliseconds since the last plain line. */
  sinceLine(): number {
    return Date.now() - this.lastPlain;
  }

  /** Ends the TTY status with a newline, so what follows starts on its own line. */
  end(): void {
    if (this.tty && this.drawn > 0) this.stream.write('\n');
    this.drawn = 0;
  }
}

function bar(label: string, done: number, total: number, elapsed: number): string {
  const width = 20;
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(frac * width);
  const eta = done > 0 && done < total ? ` eta ${formatSeconds((elapsed / done) * (total - done))}` : '';
  return `${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total} ${formatSeconds(elapsed)}${eta}`;
}

function pct(x: number | undefined | null): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : '—';
}

function runName(cfg: RunConfig): string {
  return `${cfg.head} seed ${cfg.seed}`;
}

interface InFlight {
  cfg: RunConfig;
  epoch: number;
  epochs: number;
  valAcc?: number;
  at: number;
}

/** What a grid's progress line says: the epoch that just finished while runs train, else the run that just ended. */
export function runsDetail(p: RunsProgress, valAcc?: number): string {
  if (p.epoch) {
    const { cfg, epoch, epochs } = p.epoch;
    return `${runName(cfg)}: epoch ${epoch}/${epochs}${valAcc !== undefined ? ` val ${pct(valAcc)}` : ''}`;
  }
  if (p.last) {
    const r = p.last.result;
    const acc = r.status === 'ok' ? ` (val ${pct(r.final.valAcc)}, test ${pct(r.final.testAcc)})` : '';
    return `${runName(p.last.cfg)}: ${r.status}${acc}`;
  }
  return p.skipped ? `${p.skipped} already done` : '';
}

/**
 * Progress of compare, confirm and the demo. On a TTY: a bar with a clock that ticks every second, the run in progress
 * with its epoch and its last validation accuracy. Without a TTY (nohup, CI, a pipe): one plain line per finished
 * epoch and per finished run, and a line every 30 s while an epoch is still running, so a log shows the command is
 * alive. Feed it RunsProgress updates (`update`) and the job events (`sink`, for each epoch's validation accuracy).
 */
export class RunsReporter {
  private readonly status: StatusLine;
  private readonly started = Date.now();
  private readonly inFlight = new Map<string, InFlight>();
  /** The validation accuracy of the epoch event just received: the RunsProgress update that follows is its epoch. */
  private pendingVal: number | undefined;
  private last: RunsProgress | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly label: string,
    opts: ProgressOptions = {},
  ) {
    this.status = new StatusLine(opts);
    const heartbeat = opts.heartbeatMs ?? HEARTBEAT_MS;
    const every = this.status.tty ? (opts.tickMs ?? 1000) : Math.min(heartbeat, 1000);
    this.timer = setInterval(() => {
      if (this.status.tty) this.redraw();
      else if (this.last && this.status.sinceLine() >= heartbeat) this.status.line(this.heartbeat());
    }, every);
    // The clock must never keep a finished command alive.
    this.timer.unref();
  }

  /** A job-event listener (pass it in `sinks`): remembers the validation accuracy of each finished epoch. */
  readonly sink = (e: JobEvent): void => {
    if (e.type === 'epoch') this.pendingVal = e.record.valAcc;
  };

  update(p: RunsProgress): void {
    this.last = p;
    const val = p.epoch ? this.pendingVal : undefined;
    this.pendingVal = undefined;
    if (p.epoch) {
      const key = keyOf(p.epoch.cfg);
      this.inFlight.set(key, {
        cfg: p.epoch.cfg,
        epoch: p.epoch.epoch,
        epochs: p.epoch.epochs,
        ...(val !== undefined ? { valAcc: val } : {}),
        at: Date.now(),
      });
    } else if (p.last) this.inFlight.delete(keyOf(p.last.cfg));
    if (this.status.tty) this.redraw();
    else if (p.epoch || p.last) this.status.line(this.plain(runsDetail(p, val)));
    else if (p.done === p.skipped) this.status.line(this.plain(runsDetail(p) || 'starting'));
  }

  done(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.status.end();
  }

  private elapsed(): number {
    return (Date.now() - this.started) / 1000;
  }

  private plain(detail: string): string {
    const p = this.last!;
    return `${this.label} ${p.done}/${p.total} runs · ${formatSeconds(this.elapsed())} · ${detail}`;
  }

  private current(): InFlight | undefined {
    return [...this.inFlight.values()].sort((a, b) => b.at - a.at)[0];
  }

  private heartbeat(): string {
    const cur = this.current();
    return this.plain(
      cur
        ? `training ${runName(cur.cfg)} (epoch ${cur.epoch}/${cur.epochs} done${cur.valAcc !== undefined ? `, val ${pct(cur.valAcc)}` : ''})`
        : 'training',
    );
  }

  private redraw(): void {
    const p = this.last;
    if (!p) return;
    const cur = this.current();
    const more = this.inFlight.size > 1 ? `+${this.inFlight.size - 1} more in flight` : '';
    const now = cur
      ? `${runName(cur.cfg)} epoch ${cur.epoch}/${cur.epochs}${cur.valAcc !== undefined ? ` val ${pct(cur.valAcc)}` : ''}`
      : p.last
        ? runsDetail(p)
        : '';
    this.status.draw([bar(this.label, p.done, p.total, this.elapsed()), now, more]);
  }
}

function keyOf(cfg: RunConfig): string {
  return JSON.stringify([cfg.dataset, cfg.model, cfg.head, cfg.seed, cfg.epochs, cfg.trainLimit ?? null]);
}
