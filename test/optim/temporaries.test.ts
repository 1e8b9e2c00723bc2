/**
 * Optimizer steps (op by op, src/optim/fused_update.ts off) give their own temporaries (Adam's denominator, -g with maximize, g + λθ,
 * SGD's Nesterov sum, the other optimizers' denominators and updates) back to the caching allocator at once (optimizer.ts freeTemporary),
 * and never a parameter, a gradient or a state tensor. Values are checked against PyTorch
 * in the other optimizer tests; here: what is freed and what is not.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { addDispatchLayer, manualSeed, optim, randn, type Tensor } from "../../src/index.js";
import { nativeAllocatorStats } from "../../src/backend/cpu/native.js";
import { assertClose } from "../helpers.js";
import { setFusedOptimizerUpdates } from "../../src/optim/fused_update.js";

const skip = nativeAllocatorStats() !== null ? false : "the caching allocator is not loaded (nothing is freed early without it)";
const detached = (t: Tensor) => t.storage.data.length === 0 && t.numel() > 0;

function stepAndWatch(opt: optim.Optimizer): Tensor[] {
  const made: Tensor[] = [];
  const remove = addDispatchLayer((call, next) => {
    const outs = next(call);
    if (call.op !== "view") for (const o of outs) if (!call.inputs.includes(o)) made.push(o);
    return outs;
  });
  try {
    opt.step();
  } finally {
    remove();
  }
  return made;
}

for (const [name, make, perParam] of [
  ["Adam (amsgrad, maximize, L2)", (p: Tensor[]) => new optim.Adam(p, { lr: 1e-2, amsgrad: true, maximize: true, weightDecay: 0.1 }), 3],
  ["AdamW", (p: Tensor[]) => new optim.AdamW(p, { lr: 1e-2 }), 1],
  ["SGD (Nesterov, L2, maximize)", (p: Tensor[]) => new optim.SGD(p, { lr: 1e-2, momentum: 0.9, nesterov: true, weightDecay: 0.1, maximize: true }), 3],
  ["SGD (momentum: no temporaries; the momentum buffer is the step)", (p: Tensor[]) => new optim.SGD(p, { lr: 1e-2, momentum: 0.9 }), 0],
  ["Adadelta (maximize, L2)", (p: Tensor[]) => new optim.Adadelta(p, { maximize: true, weightDecay: 0.1 }), 3],
  ["Adamax (maximize, L2)", (p: Tensor[]) => new optim.Adamax(p, { maximize: true, weightDecay: 0.1 }), 3],
  ["NAdam (L2)", (p: Tensor[]) => new optim.NAdam(p, { weightDecay: 0.1 }), 2],
  ["RAdam (L2)", (p: Tensor[]) => new optim.RAdam(p, { weightDecay: 0.1 }), 3],
  ["ASGD (averaging, maximize, L2)", (p: Tensor[]) => new optim.ASGD(p, { t0: -5, maximize: true, weightDecay: 0.1 }), 2],
  ["Rprop (maximize)", (p: Tensor[]) => new optim.Rprop(p, { maximize: true }), 4],
  ["SparseAdam (maximize)", (p: Tensor[]) => new optim.SparseAdam(p, { maximize: true }), 6],
] as const) {
  // the op-by-op update (Adam/AdamW run as one fused program by default: no temporaries)
  test(`${name}: frees its temporaries, keeps parameters, gradients and state`, { skip }, (t) => {
    const fused = setFusedOptimizerUpdates(false);
    t.after(() => setFusedOptimizerUpdates(fused));
    manualSeed(1);
    const params = [randn([96, 96], { requiresGrad: true }), randn([64, 80], { requiresGrad: true })];
    const grads = params.map((p) => randn(p.shape));
    const opt = make(params);
    let last: Tensor[] = [];
    for (let i = 0; i < 2; i++) {
      params.forEach((p, k) => (p.grad = grads[k]!.clone()));
      last = stepAndWatch(opt);
    }
    const state = params.flatMap((p) => Object.values(opt.state.get(p) ?? {}).filter((v): v is Tensor => typeof v === "object" && v !== null && "storage" in v));
    assert.ok(state.length >= params.length);
    for (const t of [...params, ...params.map((p) => p.grad!), ...state]) assert.ok(!detached(t), "a parameter, gradient or state tensor was freed");
    const freed = last.filter(detached);
    assert.ok(freed.length >= perParam * params.length, `only ${freed.length} temporaries of ${last.length} were freed`);
    for (const p of params) assert.ok(Number.isFinite(p.sum().item()));
  });
}

test("Adam with the freeing gives the same parameters as the formula written out", () => {
  manualSeed(2);
  const p = randn([50, 40], { requiresGrad: true });
  const p0 = p.detach().clone(), g = randn([50, 40]);
  const opt = new optim.Adam([p], { lr: 0.1 });
  p.grad = g.clone();
  opt.step();
  // first step: m = 0.1 g, v = 0.001 g², update = lr · (m / 0.1) / (sqrt(v / 0.001) + eps)
  const want = p0.sub(g.div(g.abs().add(1e-8)).mul(0.1));
  assertClose(p, want, { atol: 1e-5 });
});
