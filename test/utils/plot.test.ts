/**
 * The SVG training curves: integer epoch ticks, accuracy in percent with the console's
 * decimals, a sane range for a single epoch, tick labels without float noise, every point
 * marker whole inside the frame, and stacked documents.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { utils } from "../../src/index.js";

const ticks = (svg: string, axis: "x" | "y") => [...svg.matchAll(new RegExp(`class="${axis}-tick"[^>]*>([^<]*)<`, "g"))].map((m) => m[1]!);
const tickYs = (svg: string) => [...svg.matchAll(/class="y-tick" x="[^"]*" y="([^"]*)"/g)].map((m) => Number(m[1]) - 4);
const circles = (svg: string) => [...svg.matchAll(/<circle cx="([^"]*)" cy="([^"]*)" r="(\d+)"/g)].map((m) => ({ cx: Number(m[1]), cy: Number(m[2]), r: Number(m[3]) }));
function frame(svg: string) {
  const m = /<rect x="([^"]*)" y="([^"]*)" width="([^"]*)" height="([^"]*)" fill="none"/.exec(svg)!;
  const [x, y, w, h] = m.slice(1).map(Number) as [number, number, number, number];
  return { left: x, top: y, right: x + w, bottom: y + h };
}
function assertMarkersInside(svg: string): void {
  const f = frame(svg);
  for (const c of circles(svg)) {
    assert.ok(c.cx - c.r >= f.left && c.cx + c.r <= f.right && c.cy - c.r >= f.top && c.cy + c.r <= f.bottom, `marker at (${c.cx}, ${c.cy}) is cut by the frame ${JSON.stringify(f)}`);
  }
}

const accuracyChart = (values: number[]) =>
  utils.lineChartSvg({ title: "accuracy", xLabel: "epoch", yLabel: "test accuracy (%)", yUnit: "%", yBounds: [0, 100], valueDecimals: 2, series: [{ name: "test", values, x: values.map((_, i) => i + 1) }] });

test("one epoch: a single epoch tick '1', percent ticks around the value, the value as the console prints it", () => {
  const svg = accuracyChart([84.3125]);
  assert.deepEqual(ticks(svg, "x"), ["1"]);
  const y = ticks(svg, "y");
  assert.ok(y.length >= 3, `y ticks ${y}`);
  for (const t of y) assert.match(t, /^\d+(\.\d)?%$/);
  const values = y.map((t) => Number(t.slice(0, -1)));
  assert.ok(values[0]! >= 75 && values.at(-1)! <= 95 && values[0]! < 84.3125 && values.at(-1)! > 84.3125, `range ${y} around 84.31%`);
  assert.match(svg, /<text class="legend"[^>]*>test: 84\.31%<\/text>/);
  assert.match(svg, /<title>test epoch 1: 84\.31%<\/title>/);
  assertMarkersInside(svg);
  // the single point sits mid-frame horizontally, on its tick
  const f = frame(svg), [c] = circles(svg);
  assert.ok(Math.abs(c!.cx - (f.left + f.right) / 2) < 1);
  assert.match(svg, new RegExp(`class="x-tick" x="${c!.cx.toFixed(1)}"`));
});

test("several epochs: whole-number epoch ticks only; 30 epochs: a coarser whole step", () => {
  const five = accuracyChart([70.1, 78.5, 81.2, 83.0, 84.31]);
  assert.deepEqual(ticks(five, "x"), ["1", "2", "3", "4", "5"]);
  assertMarkersInside(five);
  const two = accuracyChart([80, 82]);
  assert.deepEqual(ticks(two, "x"), ["1", "2"]);
  const thirty = accuracyChart(Array.from({ length: 30 }, (_, i) => 60 + i));
  const xt = ticks(thirty, "x").map(Number);
  assert.ok(xt.every(Number.isInteger) && xt.length >= 3 && xt.length <= 8, `ticks ${xt}`);
  assert.equal(new Set(xt.slice(1).map((t, i) => t - xt[i]!)).size, 1, "evenly spaced");
  assertMarkersInside(thirty);
});

test("accuracy at 100% stays within 0-100% and its marker is whole", () => {
  const svg = accuracyChart([99.5, 100, 100]);
  const y = ticks(svg, "y").map((t) => Number(t.slice(0, -1)));
  assert.ok(y.every((v) => v >= 0 && v <= 100), `ticks ${y}`);
  assert.equal(y.at(-1), 100);
  assertMarkersInside(svg);
  const flat = accuracyChart([100]);
  assert.ok(ticks(flat, "y").every((t) => Number(t.slice(0, -1)) <= 100));
  assertMarkersInside(flat);
});

test("loss ticks: labels with the decimals their step needs, no float noise, evenly placed", () => {
  const svg = utils.lineChartSvg({ xLabel: "epoch", valueDecimals: 4, series: [{ name: "train", values: [0.5213, 0.4012, 0.3571] }, { name: "test", values: [0.4611, 0.4102, 0.3923] }] });
  const y = ticks(svg, "y");
  assert.ok(y.length >= 3);
  const decimals = new Set(y.map((t) => (t.split(".")[1] ?? "").length));
  assert.equal(decimals.size, 1, `one number of decimals: ${y}`);
  for (const t of y) assert.match(t, /^\d\.\d{1,2}$/);
  const ys = tickYs(svg);
  const gaps = ys.slice(1).map((v, i) => v - ys[i]!);
  assert.ok(gaps.every((g) => Math.abs(g - gaps[0]!) < 0.2), `even spacing ${gaps}`);
  assert.match(svg, /<text class="legend"[^>]*>train: 0\.3571<\/text>/);
  assert.match(svg, /<text class="legend"[^>]*>test: 0\.3923<\/text>/);
  assertMarkersInside(svg);
  // a single loss value: a range of ±5% around it, not a negative loss
  const one = utils.lineChartSvg({ series: [{ name: "train", values: [0.5] }] });
  const yo = ticks(one, "y").map(Number);
  assert.ok(yo[0]! > 0.45 && yo.at(-1)! < 0.55, `ticks ${yo}`);
});

test("fractional x values keep fractional ticks; niceTicks with and without integer", () => {
  const svg = utils.lineChartSvg({ series: [{ name: "s", values: [1, 2, 3], x: [0, 0.5, 1] }] });
  assert.ok(ticks(svg, "x").includes("0.5"));
  assert.deepEqual(utils.niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(utils.niceTicks(1, 5, 4), [1, 2, 3, 4, 5]);
  assert.deepEqual(utils.niceTicks(0.5, 1.5, 5, { integer: true }), [1]);
  assert.deepEqual(utils.niceTicks(0.7, 10.3, 5, { integer: true }), [2, 4, 6, 8, 10]);
  assert.deepEqual(utils.niceTicks(0.1, 0.3), [0.1, 0.15, 0.2, 0.25, 0.3]);
  assert.deepEqual(utils.niceTicks(2, 1), []);
});

test("stackSvgs puts charts one under the other in one document", () => {
  const a = utils.lineChartSvg({ series: [{ name: "a", values: [1, 2] }] });
  const b = utils.lineChartSvg({ height: 300, series: [{ name: "b", values: [1, 2] }] });
  const doc = utils.stackSvgs([a, b]);
  assert.match(doc, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="640" height="700" viewBox="0 0 640 700">\n<g transform="translate\(0 0\)">/);
  assert.ok(doc.includes(`<g transform="translate(0 400)">\n${b}\n</g>`));
});
