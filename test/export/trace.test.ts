/**
 * jit.trace / exportGraph / loadGraph: a traced graph replays the model's computation on new
 * inputs (equal to eager Fluxion), survives save and load — in a fresh Node process that
 * never imports the model's source — and states its limits: control flow frozen at trace
 * time with a warning at each host read, fixed input shapes, no random draws or in-place
 * writes to weights (training-mode Dropout/BatchNorm).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ExportedProgram, FluxionError, ShapeError, exportGraph, io, jit, loadGraph, manualSeed, nn, noGrad, randint, randn, tensor, type Tensor } from "../../src/index.js";
import { SimpleNet, SmallCNN, TransformerLM } from "../../examples/models.js";
import { assertClose } from "../helpers.js";

const repo = resolve(import.meta.dirname, "../..");

function models(): [string, nn.Module, () => Tensor][] {
  manualSeed(11);
  return [
    ["SimpleNet", new SimpleNet(), () => randn([4, 784])],
    ["SmallCNN", new SmallCNN(), () => randn([2, 1, 28, 28])],
    ["TransformerLM", new TransformerLM({ vocab: 30, dModel: 16, nhead: 2, numLayers: 2, dimFeedforward: 32, maxLen: 8 }), () => randint(0, 30, [3, 6], { dtype: "int32" })],
  ];
}
const fwd = (m: nn.Module) => (x: Tensor) => (m as unknown as { forward(x: Tensor): Tensor }).forward(x);

test("a traced model run on new inputs equals the eager model (SimpleNet, CNN, TransformerEncoder LM)", () => {
  for (const [name, m, make] of models()) {
    m.eval();
    const prog = jit.trace(fwd(m), [make()]);
    const x = make();
    const got = prog.run(x) as Tensor;
    assertClose(got, noGrad(() => fwd(m)(x)), { rtol: 0, atol: 0, msg: name });
    assert.ok(prog.toString().includes("matmul("), `${name}: the IR prints`);
  }
});

test("save, then load and run in a fresh Node process without the model's source: same outputs", () => {
  const dir = mkdtempSync(join(tmpdir(), "fluxion-graph-"));
  try {
    const expected: Record<string, Tensor> = {};
    const inputs: Record<string, Tensor> = {};
    for (const [name, m, make] of models()) {
      m.eval();
      exportGraph(fwd(m), make()).save(join(dir, `${name}.fxgraph`));
      inputs[name] = make();
      expected[name] = noGrad(() => fwd(m)(inputs[name]!));
    }
    io.save(inputs, join(dir, "inputs.safetensors"));
    // the child imports only the package entry: no examples/models.ts
    const script = join(dir, "child.ts");
    writeFileSync(script, `
      import { io, loadGraph } from ${JSON.stringify(join(repo, "src/index.ts"))};
      const dir = ${JSON.stringify(dir)};
      const inputs = io.load(dir + "/inputs.safetensors");
      const out = {};
      for (const name of Object.keys(inputs)) out[name] = loadGraph(dir + "/" + name + ".fxgraph").run(inputs[name]);
      io.save(out, dir + "/outputs.safetensors");
    `);
    const res = spawnSync(process.execPath, ["--import", "tsx", script], { cwd: repo, encoding: "utf8" });
    assert.equal(res.status, 0, res.stderr);
    const outputs = io.load(join(dir, "outputs.safetensors")) as Record<string, Tensor>;
    for (const name of Object.keys(expected)) assertClose(outputs[name], expected[name], { rtol: 0, atol: 0, msg: name });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("serialize/deserialize in memory; several inputs and outputs; weights are frozen at trace time", () => {
  manualSeed(12);
  const lin = new nn.Linear(3, 2);
  const fn = (a: Tensor, b: Tensor) => [lin.forward(a).add(b), a.sum(1)];
  const a = randn([4, 3]), b = randn([4, 2]);
  const prog = ExportedProgram.deserialize(jit.trace(fn, [a, b]).serialize());
  const want = noGrad(() => fn(a, b));
  const got = prog.run(a, b) as Tensor[];
  assert.equal(got.length, 2);
  assertClose(got[0], want[0], { rtol: 0, atol: 0 });
  assertClose(got[1], want[1], { rtol: 0, atol: 0 });
  noGrad(() => lin.weight.mul_(0));
  assertClose((prog.run(a, b) as Tensor[])[0], want[0]!, { rtol: 0, atol: 0, msg: "the graph holds the weights' values at trace time" });
  assert.deepEqual(prog.inputSpecs.map((s) => [...s.shape]), [[4, 3], [4, 2]]);
});

test("control flow is frozen at trace time, and a host read while tracing warns", () => {
  const fn = (x: Tensor) => (x.sum().item() > 0 ? x.relu() : x.neg());
  const warnings: string[] = [];
  const orig = console.warn;
  console.warn = (m: string) => warnings.push(m);
  let prog: ExportedProgram;
  try {
    prog = jit.trace(fn, [tensor([1, 2, -1])]);
  } finally {
    console.warn = orig;
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /host read in Tensor\.item while tracing: the value read is frozen into the graph/);
  // eager takes the other branch for this input; the graph keeps the traced one (relu)
  assertClose(prog.run(tensor([-1, -2, 1])), [0, 0, 1], { rtol: 0, atol: 0 });
  assertClose(fn(tensor([-1, -2, 1])), [1, 2, -1], { rtol: 0, atol: 0 });
});

test("errors: other shapes or dtypes, Dropout or BatchNorm in training mode, a file that is not a graph", () => {
  manualSeed(13);
  const m = new SimpleNet();
  m.eval();
  const prog = jit.trace(fwd(m), [randn([2, 784])]);
  assert.throws(() => prog.run(randn([3, 784])), (e: unknown) => e instanceof ShapeError && /input 0 must be float32 \[2, 784\] as traced, got float32 \[3, 784\]/.test(e.message));
  assert.throws(() => prog.run(), /expected 1 input\(s\), got 0/);
  const drop = new nn.Sequential(new nn.Linear(4, 4), new nn.Dropout(0.5));
  assert.throws(() => jit.trace(fwd(drop), [randn([2, 4])]), (e: unknown) => e instanceof FluxionError && /draws random numbers/.test(e.message) && /model\.eval\(\)/.test(e.message));
  const bn = new nn.BatchNorm1d(4);
  assert.throws(() => jit.trace(fwd(bn), [randn([3, 4])]), (e: unknown) => e instanceof FluxionError && /BatchNorm's running statistics in training mode/.test(e.message));
  assertClose(bn.runningMean, [0, 0, 0, 0], { rtol: 0, atol: 0, msg: "a refused trace leaves the running statistics as they were" });
  bn.eval();
  assertClose(jit.trace(fwd(bn), [randn([3, 4])]).run(tensor([[1, 2, 3, 4]]).expand(3, 4).contiguous()), tensor([[1, 2, 3, 4]]).expand(3, 4).div(Math.sqrt(1 + 1e-5)));
  const dir = mkdtempSync(join(tmpdir(), "fluxion-graph-"));
  try {
    io.save({ w: randn([2]) }, join(dir, "plain.safetensors"));
    assert.throws(() => loadGraph(join(dir, "plain.safetensors")), /holds no 'fluxion\.graph' metadata/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => jit.trace(() => 3 as unknown as Tensor, []), /must return a Tensor or an array of Tensors/);
});

test("in-place ops on the inputs and on intermediates are replayed (the caller's tensors are not written)", () => {
  const fn = (x: Tensor) => {
    x.mul_(2);
    const y = x.add(1);
    y.relu_();
    return y;
  };
  const prog = jit.trace(fn, [tensor([1, -3, 2])]);
  const x = tensor([-1, 0.25, 4]);
  assertClose(prog.run(x), [0, 1.5, 9], { rtol: 0, atol: 0 });
  assertClose(x, [-1, 0.25, 4], { rtol: 0, atol: 0, msg: "the input is unchanged" });
});
