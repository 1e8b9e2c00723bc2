/**
 * A progress bar for loops (tqdm-style): rate in it/s, ETA and live postfix values such as
 * the loss. On a terminal it redraws one line; otherwise (CI logs, pipes) it prints a plain
 * line every `logEvery` percent so logs stay readable. Writes to any `{ write }` sink;
 * defaults to process.stderr when running in Node (as tqdm does), so a program's stdout
 * carries only its results and can be piped or parsed.
 *
 * @example
 * const bar = new ProgressBar({ total: loader.length, desc: "epoch 1/5" });
 * for (const [x, y] of loader) { ...; bar.update(1, { loss: loss.item() }); }
 * bar.close();
 */
export interface ProgressSink {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  total: number;
  desc?: string;
  /** Where to draw; defaults to process.stderr (Node) or console.log lines elsewhere. */
  sink?: ProgressSink;
  /** Non-TTY output: print a line every this many percent (default 10). */
  logEvery?: number;
  /** Width of the bar itself in characters on a terminal. */
  width?: number;
}

function defaultSink(): ProgressSink {
  const proc = (globalThis as { process?: { stderr?: ProgressSink } }).process;
  if (proc?.stderr) return proc.stderr;
  return { write: (s: string) => console.log(s.trimEnd()), isTTY: false };
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const mm = String(m).padStart(2, "0"), ss = String(sec).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function formatValue(v: number | string): string {
  if (typeof v === "string") return v;
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4);
}

export class ProgressBar {
  private n = 0;
  private readonly start = Date.now();
  private postfix: Record<string, number | string> = {};
  private lastLoggedPercent = -1;
  private lastDraw = 0;
  private closed = false;
  private readonly sink: ProgressSink;

  constructor(private readonly opts: ProgressOptions) {
    this.sink = opts.sink ?? defaultSink();
  }

  get count(): number {
    return this.n;
  }

  /** Advances by n and optionally updates the postfix values shown after the rate. */
  update(n = 1, postfix?: Record<string, number | string>): void {
    this.n += n;
    if (postfix) this.postfix = { ...this.postfix, ...postfix };
    this.render(false);
  }

  setPostfix(postfix: Record<string, number | string>): void {
    this.postfix = { ...this.postfix, ...postfix };
  }

  /** The current status line (without bar), e.g. "422/938 [00:03<00:04, 140.2 it/s, loss=0.5120]". */
  status(): string {
    const elapsed = (Date.now() - this.start) / 1000;
    // under a millisecond there is no rate to speak of: "?" rather than 0 or Infinity
    const rate = elapsed > 0 ? this.n / elapsed : NaN;
    const eta = this.n >= this.opts.total ? 0 : rate > 0 ? (this.opts.total - this.n) / rate : Infinity;
    const extra = Object.entries(this.postfix).map(([k, v]) => `, ${k}=${formatValue(v)}`).join("");
    return `${this.n}/${this.opts.total} [${formatDuration(elapsed)}<${formatDuration(eta)}, ${Number.isFinite(rate) ? rate.toFixed(1) : "?"} it/s${extra}]`;
  }

  private render(final: boolean): void {
    const total = Math.max(1, this.opts.total);
    const pct = Math.min(100, Math.floor((100 * this.n) / total));
    const desc = this.opts.desc ? `${this.opts.desc} ` : "";
    if (this.sink.isTTY) {
      const now = Date.now();
      if (!final && now - this.lastDraw < 100 && this.n < total) return; // redraw at most 10x a second
      this.lastDraw = now;
      const width = this.opts.width ?? 25;
      const filled = Math.round((width * Math.min(this.n, total)) / total);
      const bar = "█".repeat(filled) + " ".repeat(width - filled);
      this.sink.write(`\r${desc}${String(pct).padStart(3)}%|${bar}| ${this.status()}\x1b[K`);
      return;
    }
    const every = this.opts.logEvery ?? 10;
    const bucket = Math.floor(pct / every) * every;
    if (final || bucket > this.lastLoggedPercent) {
      this.lastLoggedPercent = bucket;
      this.sink.write(`${desc}${String(pct).padStart(3)}% ${this.status()}\n`);
    }
  }

  /** Draws the final state and ends the line. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.sink.isTTY) {
      this.render(true);
      this.sink.write("\n");
    } else if (this.lastLoggedPercent < 100) this.render(true);
  }
}

/** Wraps an iterable with a progress bar (total from `length` when present). */
export function* progress<T>(items: Iterable<T> & { length?: number }, opts: Omit<ProgressOptions, "total"> & { total?: number }): Generator<T> {
  const bar = new ProgressBar({ ...opts, total: opts.total ?? items.length ?? 0 });
  try {
    for (const item of items) {
      yield item;
      bar.update(1);
    }
  } finally {
    bar.close();
  }
}
