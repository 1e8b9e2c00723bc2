// torch.save-style checkpoints: a dict of state dicts, tensors and plain values saves to a
// safetensors file (tensors readable by PyTorch's safetensors) and loads back as it was.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import * as fx from "../../src/index.js";
import { FluxionError, io, nn, optim, tensor, Tensor } from "../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "fluxion-ckpt-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const plain = (x: unknown) => JSON.parse(JSON.stringify(x, (_k, v) => (v instanceof Tensor ? v.tolist() : typeof v === "bigint" ? `${v}n` : v)));

test("a training checkpoint round-trips: model, optimizer, scheduler, epoch and loss", () => {
  fx.manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
  const opt = new optim.SGD(model.parameters(), 0.1, 0.9);
  const sched = new optim.lrScheduler.StepLR(opt, 2, 0.5);
  for (let i = 0; i < 3; i++) {
    opt.zeroGrad();
    model(fx.randn(5, 4)).pow(2).mean().backward();
    opt.step();
    sched.step();
  }
  const ckpt = { epoch: 3, loss: 0.25, note: "run a", best: null, flags: [true, false], model: model.stateDict(), optimizer: opt.stateDict(), scheduler: sched.stateDict() };
  const path = join(dir, "ckpt.safetensors");
  fx.save(ckpt, path);
  const back = fx.load(path);
  assert.equal(back.epoch, 3);
  assert.equal(back.loss, 0.25);
  assert.equal(back.note, "run a");
  assert.equal(back.best, null);
  assert.deepEqual(back.flags, [true, false]);
  assert.deepEqual(plain(back.model), plain(ckpt.model));
  assert.deepEqual(plain(back.optimizer), plain(ckpt.optimizer));
  assert.deepEqual(plain(back.scheduler), plain(ckpt.scheduler));
  // and it restores: a fresh model and optimizer continue exactly where the saved ones were
  const model2 = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
  const opt2 = new optim.SGD(model2.parameters(), 0.5);
  model2.loadStateDict(back.model);
  opt2.loadStateDict(back.optimizer);
  const x = fx.randn(5, 4);
  for (const [m, o] of [[model, opt], [model2, opt2]] as const) {
    o.zeroGrad();
    m(x).pow(2).mean().backward();
    o.step();
  }
  assert.deepEqual(plain(model2.stateDict()), plain(model.stateDict()));
});

test("special values, Maps, bigints, shared tensors and '$' keys survive; a flat state dict stays plain safetensors", () => {
  const t = tensor([1, 2]);
  const obj = { nan: NaN, inf: -Infinity, big: 12345678901234567890n, map: new Map([["a", 1]]), same: [t, t], $tensor: "not a marker", nested: { deep: [{ x: tensor([[3]]) }] } };
  const back = io.deserialize(io.serialize(obj));
  assert.ok(Number.isNaN(back.nan));
  assert.equal(back.inf, -Infinity);
  assert.equal(back.big, 12345678901234567890n);
  assert.ok(back.map instanceof Map && back.map.get("a") === 1);
  assert.equal(back.same[0], back.same[1], "one tensor saved once, shared on load");
  assert.equal(back.$tensor, "not a marker");
  assert.deepEqual(back.nested.deep[0].x.tolist(), [[3]]);
  const flat = io.deserializeWithMetadata(io.serialize({ w: t }));
  assert.equal(flat.metadata, null, "a state dict carries no structure");
  assert.deepEqual(Object.keys(flat.tensors), ["w"]);
});

test("what cannot be saved is named, and nothing is written", () => {
  const path = join(dir, "bad.safetensors");
  const cases: [unknown, RegExp][] = [
    [{ model: new nn.Linear(2, 2) }, /save: cannot save 'model': a Linear is not plain data; save its stateDict\(\) instead/],
    [{ fn: () => 1 }, /cannot save 'fn': a function is not data/],
    [{ when: new Date(0) }, /cannot save 'when': a Date is not plain data/],
    [undefined, /nothing to save/],
  ];
  for (const [obj, re] of cases) assert.throws(() => io.save(obj as never, path), (e: Error) => e instanceof FluxionError && re.test(e.message));
  const cyc: Record<string, unknown> = {};
  cyc.self = cyc;
  assert.throws(() => io.save(cyc as never, path), /refers to itself/);
  assert.throws(() => readFileSync(path), /ENOENT/);
  assert.throws(() => io.save({ a: 1 }, path, { metadata: { "fluxion.structure": "x" } }), /reserved/);
});

test("a .pt/.pth name is saved as safetensors with a warning once; a real PyTorch pickle is refused with the fix", () => {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (m: string) => void warnings.push(m);
  try {
    io.save({ w: tensor([1]) }, join(dir, "model.pth"));
    io.save({ w: tensor([1]) }, join(dir, "model2.pt"));
  } finally {
    console.warn = warn;
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /writes safetensors, not PyTorch's pickle format.*not by torch\.load.*\.safetensors.*format: "safetensors"/);
  assert.deepEqual(io.load(join(dir, "model.pth")).w.tolist(), [1]);
  const zip = join(dir, "torch.pth");
  writeFileSync(zip, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0, 0]));
  assert.throws(() => io.load(zip), (e: Error) => e instanceof FluxionError && /is a PyTorch pickle checkpoint.*save_file\(torch\.load/.test(e.message));
});

test("PyTorch's safetensors reads the tensors of a structured checkpoint by path", { skip: spawnSync("/usr/bin/python3", ["-c", "import safetensors"]).status !== 0 && "python safetensors not installed" }, () => {
  const path = join(dir, "py.safetensors");
  io.save({ step: 1, model: { "fc.weight": tensor([[1, 2]]) } }, path);
  const r = spawnSync("/usr/bin/python3", ["-c", `from safetensors.torch import load_file; d = load_file(${JSON.stringify(path)}); print(sorted(d), d["model/fc.weight"].tolist())`], { encoding: "utf8" });
  assert.equal(r.stdout.trim(), "['model/fc.weight'] [[1.0, 2.0]]");
});
