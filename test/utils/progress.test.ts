import { test } from "node:test";
import assert from "node:assert/strict";
import { utils } from "../../src/index.js";

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, sink: { write: (s: string) => out.push(s), isTTY } };
}

test("non-TTY progress prints a plain line every 10% with rate, ETA and postfix", () => {
  const { out, sink: s } = sink(false);
  const bar = new utils.ProgressBar({ total: 20, desc: "epoch 1/2", sink: s });
  for (let i = 0; i < 20; i++) bar.update(1, { loss: 0.5 - i / 100 });
  bar.close();
  assert.equal(out.length, 11, "a first line right away, then one per 10% step, none repeated on close");
  assert.match(out[0]!, /^epoch 1\/2   5% 1\/20 \[\d\d:\d\d<(\d\d:\d\d|\?), ([\d.]+|\?) it\/s, loss=0\.5000\]\n$/);
  assert.match(out[1]!, /^epoch 1\/2  10% 2\/20 .*loss=0\.4900\]\n$/);
  assert.match(out.at(-1)!, /^epoch 1\/2 100% 20\/20 .*loss=0\.3100\]\n$/);
});

test("TTY progress redraws in place with a bar and ends the line on close", () => {
  const { out, sink: s } = sink(true);
  const bar = new utils.ProgressBar({ total: 4, sink: s, width: 8 });
  bar.update(4);
  bar.close();
  assert.ok(out.every((l) => l === "\n" || l.startsWith("\r")));
  assert.match(out.at(-2)!, /^\r100%\|████████\| 4\/4 /);
  assert.equal(out.at(-1), "\n");
});

test("progress() wraps an iterable and formatDuration spells times like tqdm", () => {
  const { out, sink: s } = sink(false);
  const items = [...utils.progress([1, 2, 3], { sink: s, logEvery: 50 })];
  assert.deepEqual(items, [1, 2, 3]);
  assert.match(out.at(-1)!, /100% 3\/3/);
  assert.equal(utils.formatDuration(65), "01:05");
  assert.equal(utils.formatDuration(3725), "1:02:05");
  assert.equal(utils.formatDuration(Infinity), "?");
});

test("lineChartSvg draws one polyline per series with a legend and nice ticks", () => {
  const svg = utils.lineChartSvg({ title: "loss <train>", series: [{ name: "train", values: [1, 0.5, 0.25] }, { name: "test", values: [1.1, 0.7, 0.4] }] });
  assert.ok(svg.startsWith("<svg") && svg.endsWith("</svg>"));
  assert.equal(svg.match(/<polyline/g)!.length, 2);
  assert.ok(svg.includes("loss &lt;train&gt;"));
  assert.ok(svg.includes(">train: 0.25</text>") && svg.includes(">test: 0.40</text>"), svg);
  assert.deepEqual(utils.niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(utils.niceTicks(1, 5, 4), [1, 2, 3, 4, 5]);
});

test("without a sink the bar writes to stderr (stdout stays for results), and a finished bar shows no ETA", () => {
  const written = { out: [] as string[], err: [] as string[] };
  const saved = { out: process.stdout.write, err: process.stderr.write, tty: process.stderr.isTTY };
  process.stdout.write = ((s: string) => written.out.push(s) > 0) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => written.err.push(s) > 0) as typeof process.stderr.write;
  (process.stderr as { isTTY?: boolean }).isTTY = false;
  try {
    const bar = new utils.ProgressBar({ total: 2, desc: "d" });
    bar.update(1);
    bar.update(1);
    bar.close();
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    (process.stderr as { isTTY?: boolean }).isTTY = saved.tty;
  }
  assert.deepEqual(written.out, []);
  assert.equal(written.err.length, 2);
  assert.match(written.err.at(-1)!, /^d 100% 2\/2 \[00:00<00:00, ([\d.]+|\?) it\/s\]\n$/);
});
