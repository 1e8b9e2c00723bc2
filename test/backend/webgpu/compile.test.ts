/**
 * compile() on webgpu tensors: the recorder keys device memory by its size, the executor moves
 * each kernel's device buffer into the call's tensor, and the passes that need host arrays
 * (constant folding) or a CPU kernel (elementwise fusion) leave webgpu nodes alone; the rest
 * (CSE, DCE, the ReLU epilogue in the GEMM, freeing temporaries) applies. A compiled training
 * step equals the eager one on the same device, and a freed temporary raises when read.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { addDispatchLayer, compile, manualSeed, nn, optim, randn, randint, FluxionError, type Tensor } from "../../../src/index.js";
import { startWebGPU, valuesOf } from "./setup.js";
import { assertClose } from "../../helpers.js";
import { formatGraph } from "../../../src/compile/ir.js";

let skip: string | false = "not started";
before(async () => {
  skip = await startWebGPU();
});

function make() {
  manualSeed(3);
  const model = new nn.Sequential(new nn.Linear(12, 16), new nn.ReLU(), new nn.Linear(16, 16), new nn.Tanh(), new nn.Linear(16, 4)).to("webgpu");
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  return { model, opt };
}

test("a compiled Adam training step on webgpu equals eager on webgpu; one graph a step, ReLU in the GEMM, temporaries freed", async (t) => {
  if (skip) return t.skip(skip);
  manualSeed(9);
  const batches = Array.from({ length: 4 }, () => [randn([8, 12]).to("webgpu"), randint(0, 4, [8]).to("webgpu")] as const);
  const stepOf = ({ model, opt }: ReturnType<typeof make>) => (x: Tensor, y: Tensor) => {
    opt.zeroGrad();
    const loss = nn.functional.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
  const eager = make(), comp = make();
  const plain = stepOf(eager), step = compile(stepOf(comp));
  for (const [x, y] of batches) {
    const le = await plain(x, y).itemAsync(), lc = await step(x, y).itemAsync();
    assert.ok(Math.abs(le - lc) <= 1e-6 * Math.max(1, Math.abs(le)), `loss ${lc} vs ${le}`);
  }
  const pe = eager.model.parameters(), pc = comp.model.parameters();
  for (let i = 0; i < pe.length; i++) {
    assert.deepEqual(await valuesOf(pc[i]!), await valuesOf(pe[i]!), `parameter ${i}`);
    assert.deepEqual(await valuesOf(pc[i]!.grad!), await valuesOf(pe[i]!.grad!), `grad ${i}`);
  }
  const s = step.stats();
  assert.equal(s.graphs, 4);
  assert.equal(s.cacheMisses, 2); // the first call also creates Adam's state: the second is another graph, then hits
  const g = step.graph!;
  assert.equal(g.nodes.filter((n) => n.op === "matmul" && n.attrs.activation === "relu").length, 1);
  // Adam's update of each parameter is one generated WGSL program; nothing is folded to a host constant
  assert.ok(g.nodes.filter((n) => n.op === "fusedProgram").length >= pc.length);
  // its JS scalars (lr, betas, bias corrections, eps) are read from the kernel's meta buffer, not made tensors by `full` kernels
  const updates = g.nodes.filter((n) => n.op === "fusedProgram" && n.attrs.outputs.some((o: { inPlace?: number }) => o.inPlace !== undefined));
  assert.equal(updates.length, pc.length);
  for (const u of updates) assert.ok(u.attrs.code.filter((i: { op: string }) => i.op === "scalar").length >= 3);
  // no program reads a `full` tensor (what is left: backward's seed of 1, read by crossEntropyBackward)
  const fulls = new Set(g.nodes.filter((n) => n.op === "full").map((n) => n.outputs[0]!));
  assert.ok(!g.nodes.some((n) => n.op === "fusedProgram" && n.inputs.some((v) => fulls.has(v))), formatGraph(g));
  assert.equal(g.nodes.filter((n) => n.op === "const").length, 0);
  assert.ok((g.free?.size ?? 0) > 0);
});

test("on webgpu a value compile() freed raises when read (asynchronously too), a kept one reads back", async (t) => {
  if (skip) return t.skip(skip);
  const seen: Tensor[] = [], kept: Tensor[] = [];
  const f = compile((x: Tensor) => {
    // installed inside the call, the layer runs outside the recorder's: it sees the call's tensors
    const remove = addDispatchLayer((call, next) => {
      const outs = next(call);
      seen.push(...outs);
      return outs;
    });
    try {
      const y = nn.functional.layerNorm(x.mul(2), [4]);
      kept.push(y); // handed to user code: kept
      return y.sum();
    } finally {
      remove();
    }
  });
  const x = randn([3, 4]);
  const loss = f(x.to("webgpu"));
  assert.ok(Math.abs(await loss.itemAsync()) < 1e-4);
  assertClose(await valuesOf(kept[0]!), Array.from(nn.functional.layerNorm(x.mul(2), [4]).toTypedArray() as Float32Array), { rtol: 1e-4, atol: 1e-5, msg: "the kept value" });
  let freed = 0;
  for (const s of seen) {
    try {
      await s.toArrayAsync();
    } catch (e) {
      assert.match((e as Error).message, /its value was not kept; return it from the function/);
      freed++;
    }
  }
  assert.ok(freed > 0, `none of ${seen.length} tensors was freed`);
  assert.throws(() => kept[0]!.toTypedArray(), (e: unknown) => e instanceof FluxionError && /toArrayAsync/.test((e as Error).message));
});
