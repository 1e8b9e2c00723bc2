/**
 * Minimal SVG line charts for training curves (loss, accuracy per epoch) — no
 * dependencies, viewable in any browser.
 *
 * Axes are chosen for curves people read: when every x is a whole number (epochs) the x
 * ticks are whole numbers and a single point gets the range x ± 0.5 with one tick; tick
 * labels have as many decimals as their step needs; `yBounds` keeps a percentage between 0
 * and 100; and the data is inset from the frame so no marker is cut in half.
 *
 * @example writeFileSync("curves.svg", lineChartSvg({ title: "loss", series: [{ name: "train", values: losses }] }))
 */
export interface Series {
  name: string;
  values: readonly number[];
  /** x coordinates (default 1..n). */
  x?: readonly number[];
  color?: string;
}

export interface ChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  series: readonly Series[];
  width?: number;
  height?: number;
  /** Appended to y tick labels and values ("%"). */
  yUnit?: string;
  /** The y axis never extends past these (e.g. [0, 100] for a percentage). */
  yBounds?: readonly [number, number];
  /** Decimals of the values in point tooltips and the legend (default: the y ticks' decimals + 1). */
  valueDecimals?: number;
  /** Writes each series' last value in the legend ("test: 84.31%"; default true). */
  labelLast?: boolean;
}

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
/** Pixels between the data's extent and the frame: a point marker (radius 3) stays whole. */
const INSET = 10;

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The step of "nice" ticks (1, 2 or 5 times a power of ten) for about `count` ticks over [lo, hi]; at least 1 for integer ticks. */
function niceStep(lo: number, hi: number, count: number, integer: boolean): number {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw * (1 - 1e-9))!;
  return integer ? Math.max(1, Math.round(step)) : step;
}

/**
 * "Nice" tick values covering [lo, hi]; with `integer` only whole numbers (epochs).
 * @example niceTicks(0, 1) // [0, 0.2, 0.4, 0.6, 0.8, 1]
 */
export function niceTicks(lo: number, hi: number, count = 5, opts: { integer?: boolean } = {}): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) return [];
  if (lo === hi) return opts.integer && !Number.isInteger(lo) ? [] : [lo];
  const step = niceStep(lo, hi, count, opts.integer ?? false);
  const ticks: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** Decimals that tick labels with this spacing need (0.5 -> 1, 0.02 -> 2, 5 -> 0). */
function decimalsFor(ticks: readonly number[]): number {
  if (ticks.length < 2) return ticks.length && !Number.isInteger(ticks[0]) ? 2 : 0;
  const step = Math.abs(ticks[1]! - ticks[0]!);
  return Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
}

/** [lo, hi] of the data, widened where a single value would make an empty range, clamped to `bounds`. */
function dataRange(values: readonly number[], integer: boolean, bounds?: readonly [number, number]): [number, number] {
  if (!values.length) return bounds ? [bounds[0], bounds[1]] : [0, 1];
  let lo = Math.min(...values), hi = Math.max(...values);
  if (lo === hi) {
    const half = integer ? 0.5 : Math.abs(lo) * 0.05 || 1;
    [lo, hi] = [lo - half, hi + half];
  }
  if (bounds) [lo, hi] = [Math.max(lo, bounds[0]), Math.min(hi, bounds[1])];
  return [lo, hi];
}

/**
 * An SVG line chart of one or more series, with a legend.
 * @example
 * lineChartSvg({ title: "test accuracy", xLabel: "epoch", yLabel: "accuracy (%)", yUnit: "%", yBounds: [0, 100],
 *   series: [{ name: "test", values: [81.2, 84.31], x: [1, 2] }] })
 */
export function lineChartSvg(opts: ChartOptions): string {
  const W = opts.width ?? 640, H = opts.height ?? 400;
  const m = { left: 64, right: 140, top: 40, bottom: 52 };
  const pw = W - m.left - m.right, ph = H - m.top - m.bottom;
  const unit = opts.yUnit ?? "";
  const pts = opts.series.map((s) => s.values.map((v, i) => [s.x?.[i] ?? i + 1, v] as const).filter(([x, v]) => Number.isFinite(x) && Number.isFinite(v)));
  const xs = pts.flat().map(([x]) => x), ys = pts.flat().map(([, y]) => y);
  const integerX = xs.length > 0 && xs.every(Number.isInteger);
  const [x0, x1] = dataRange(xs, integerX);
  const [y0, y1] = dataRange(ys, false, opts.yBounds);
  // the data spans the frame less INSET pixels on each side
  const sx = (x: number) => m.left + INSET + ((x - x0) / (x1 - x0)) * (pw - 2 * INSET);
  const sy = (y: number) => m.top + ph - INSET - ((y - y0) / (y1 - y0)) * (ph - 2 * INSET);
  const xPad = ((x1 - x0) * INSET) / (pw - 2 * INSET), yPad = ((y1 - y0) * INSET) / (ph - 2 * INSET);
  const xTicks = niceTicks(x0 - xPad, x1 + xPad, 5, { integer: integerX });
  const yTicks = niceTicks(y0 - yPad, y1 + yPad).filter((t) => !opts.yBounds || (t >= opts.yBounds[0] && t <= opts.yBounds[1]));
  const yDec = decimalsFor(yTicks), xDec = integerX ? 0 : decimalsFor(xTicks);
  const valueDec = opts.valueDecimals ?? yDec + 1;
  const fmtValue = (v: number) => `${v.toFixed(valueDec)}${unit}`;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  if (opts.title) out.push(`<text x="${m.left + pw / 2}" y="24" text-anchor="middle" font-size="15">${escapeXml(opts.title)}</text>`);
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text class="y-tick" x="${m.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${escapeXml(t.toFixed(yDec) + unit)}</text>`);
  }
  for (const t of xTicks) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${m.top + ph}" y2="${m.top + ph + 5}" stroke="#333"/>`);
    out.push(`<text class="x-tick" x="${x}" y="${m.top + ph + 18}" text-anchor="middle">${t.toFixed(xDec)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  if (opts.xLabel) out.push(`<text x="${m.left + pw / 2}" y="${H - 12}" text-anchor="middle">${escapeXml(opts.xLabel)}</text>`);
  if (opts.yLabel) out.push(`<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(opts.yLabel)}</text>`);
  opts.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const p = pts[i]!;
    if (p.length) {
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${p.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ")}"/>`);
      for (const [x, y] of p) {
        out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${color}"><title>${escapeXml(`${s.name} ${opts.xLabel ?? "x"} ${x}: ${fmtValue(y)}`)}</title></circle>`);
      }
    }
    const ly = m.top + 10 + i * 18;
    out.push(`<line x1="${m.left + pw + 12}" x2="${m.left + pw + 32}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    // the legend also gives the last value, where no curve or other label can cover it
    const last = (opts.labelLast ?? true) && p.length ? `: ${fmtValue(p.at(-1)![1])}` : "";
    out.push(`<text class="legend" x="${m.left + pw + 38}" y="${ly + 4}">${escapeXml(s.name + last)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}

/**
 * Stacks charts made by lineChartSvg vertically in one SVG document.
 * @example writeFileSync("curves.svg", stackSvgs([lossChart, accuracyChart]))
 */
export function stackSvgs(charts: readonly string[]): string {
  const size = (svg: string, attr: string) => Number(new RegExp(`^<svg[^>]* ${attr}="(\\d+(?:\\.\\d+)?)"`).exec(svg)?.[1] ?? 0);
  const width = Math.max(0, ...charts.map((c) => size(c, "width")));
  let y = 0;
  const parts = charts.map((c) => {
    const g = `<g transform="translate(0 ${y})">\n${c}\n</g>`;
    y += size(c, "height");
    return g;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}">\n${parts.join("\n")}\n</svg>\n`;
}
