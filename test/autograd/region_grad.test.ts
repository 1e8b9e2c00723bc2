/**
 * Gradients of views that pick part of a shared base (select, narrow, slice, chunk, unbind,
 * basic indexing) accumulate into one buffer the engine owns, in place (src/autograd/
 * region_grad.ts, engine.ts): counted with a dispatch layer, and checked for values against
 * the dense (createGraph) path, hooks, retainGrad, autograd.grad, leaves with a .grad,
 * double backward and tensors the caller still holds.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { addDispatchLayer, autograd, randn, manualSeed, tensor, slice, type Tensor, type DispatchCall } from "../../src/index.js";
import { assertClose, flat } from "../helpers.js";

/** Runs fn and counts the dispatches whose output has `numel` elements or more (views excluded), by primitive. */
function countLarge(numel: number, fn: () => void): { total: number; byOp: Record<string, number> } {
  const byOp: Record<string, number> = {};
  let total = 0;
  const remove = addDispatchLayer((call: DispatchCall, next) => {
    const outs = next(call);
    if (call.op !== "view" && outs.some((o) => o.numel() >= numel) && !(call.op === "binary" && (call.attrs as { inPlace?: boolean }).inPlace) && call.op !== "assign") {
      byOp[call.op] = (byOp[call.op] ?? 0) + 1;
      total++;
    }
    return outs;
  });
  try {
    fn();
  } finally {
    remove();
  }
  return { total, byOp };
}

/** The select-per-step loop of a recurrent net: h = tanh(x[t] * w + h). */
function loop(x: Tensor, w: Tensor): Tensor {
  let h = x.select(0, 0).mul(0);
  for (let t = 0; t < x.shape[0]!; t++) h = x.select(0, t).mul(w).add(h).tanh();
  return h.sum();
}

test("a select-per-step loop allocates one input-sized gradient buffer in backward, not one per step", () => {
  manualSeed(0);
  const T = 40, N = 8, F = 16;
  const x0 = randn([T, N, F], { requiresGrad: true });
  const w = randn([N, F], { requiresGrad: true });
  const x = x0.mul(1); // a non-leaf base, as the input projection of an RNN
  const loss = loop(x, w);
  const { total, byOp } = countLarge(T * N * F, () => loss.backward());
  // one zero-filled buffer for x's gradient, then MulBackward's product with 1 for x0
  assert.ok(total <= 3, `backward made ${total} input-sized tensors: ${JSON.stringify(byOp)}`);
  assert.ok((byOp.full ?? 0) <= 1, `zero fills: ${byOp.full}`);
  // the values: the same as the dense path (createGraph records viewBackward's zeros + assign)
  const x1 = x0.detach().clone().requiresGrad_(true), w1 = w.detach().clone().requiresGrad_(true);
  const [gx, gw] = autograd.grad(loop(x1.mul(1), w1), [x1, w1], { createGraph: true });
  assertClose(x0.grad, gx!.detach(), { atol: 1e-6 });
  assertClose(w.grad, gw!.detach(), { atol: 1e-6 });
});

test("the dense path this replaces made a zero tensor per step (the count above can fail)", () => {
  manualSeed(0);
  const T = 12, x0 = randn([T, 3, 4], { requiresGrad: true }), w = randn([3, 4], { requiresGrad: true });
  // createGraph keeps the differentiable per-view buffers: T input-sized zero fills
  const loss = loop(x0.mul(1), w);
  const { byOp } = countLarge(T * 12, () => autograd.grad(loss, [x0, w], { createGraph: true }));
  assert.ok((byOp.full ?? 0) >= T, `expected >= ${T} zero fills on the recorded path, got ${byOp.full}`);
});

test("regions of regions compose: narrow, chunk, slices with steps and selects of them", () => {
  manualSeed(1);
  const base = randn([6, 5, 8], { dtype: "float64", requiresGrad: true });
  const f = (b: Tensor) => {
    const y = b.mul(2);
    const [a, c] = y.narrow(2, 1, 6).chunk(2, 2) as [Tensor, Tensor];
    let s = a.select(0, 1).sum().add(c.select(1, 4).mul(3).sum());
    s = s.add(y.index(slice(null, null, 2), 3).pow(2).sum()); // y[::2, 3]
    s = s.add(y.index(slice(1, 5), 2).narrow(1, 2, 3).exp().sum()); // y[1:5, 2][:, 2:5]
    for (const r of y.unbind(1)) s = s.add(r.select(1, 7).sin().sum());
    return s;
  };
  const loss = f(base);
  loss.backward();
  const b2 = base.detach().clone().requiresGrad_(true);
  const [g] = autograd.grad(f(b2), [b2], { createGraph: true });
  assertClose(base.grad, g!.detach(), { atol: 1e-12 });
  assert.ok(autograd.gradcheck(f, [base.detach().clone().requiresGrad_(true)]));
});

test("hooks, retainGrad and autograd.grad see dense gradients of the whole base", () => {
  const x = tensor([[1, 2], [3, 4], [5, 6]], { requiresGrad: true });
  const y = x.mul(1);
  y.retainGrad();
  const seen: number[][] = [];
  y.registerHook((g) => void seen.push(flat(g)));
  const r0 = y.select(0, 0), r2 = y.select(0, 2);
  r2.retainGrad();
  r0.mul(10).add(r2.mul(100)).sum().backward();
  assert.deepEqual(seen, [[10, 10, 0, 0, 100, 100]]);
  assert.deepEqual(y.grad!.tolist(), [[10, 10], [0, 0], [100, 100]]);
  assert.deepEqual(r2.grad!.tolist(), [100, 100]);
  assert.deepEqual(x.grad!.tolist(), [[10, 10], [0, 0], [100, 100]]);
  const z = x.mul(1);
  const [gz] = autograd.grad(z.select(1, 1).sum(), [z]);
  assert.deepEqual(gz!.tolist(), [[0, 1], [0, 1], [0, 1]]);
  // a single region straight into a leaf that has no .grad yet: materialized once
  const leaf = tensor([1, 2, 3, 4], { requiresGrad: true });
  leaf.narrow(0, 1, 2).sum().backward();
  assert.deepEqual(leaf.grad!.tolist(), [0, 1, 1, 0]);
});

test("a leaf's existing .grad takes region gradients in place, and a second backward adds to it", () => {
  const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  x.select(0, 1).sum().backward();
  const first = x.grad!;
  const v = first.version;
  x.select(0, 0).mul(3).sum().backward();
  assert.equal(x.grad, first, "the same .grad tensor");
  assert.ok(first.version > v, "its version counter moved (it was written)");
  assert.deepEqual(x.grad!.tolist(), [[3, 3], [1, 1]]);
  x.select(1, 1).sum().add(x.select(0, 1).sum()).backward();
  assert.deepEqual(x.grad!.tolist(), [[3, 4], [2, 3]]);
});

test("in-place accumulation never writes a gradient someone else holds", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = x.mul(1);
  // add's backward hands the caller's gradient itself to both uses of y: the engine must copy
  const out = y.add(y).add(y);
  const g = tensor([1, 10, 100]);
  out.backward(g);
  assert.deepEqual(g.tolist(), [1, 10, 100], "the caller's gradient is unchanged");
  assert.deepEqual(x.grad!.tolist(), [3, 30, 300]);
  // a hook that keeps the gradient it saw: later accumulation does not change it
  const a = tensor([1, 2], { requiresGrad: true });
  const b = a.mul(1);
  const kept: Tensor[] = [];
  const c = b.mul(1);
  c.registerHook((gg) => void kept.push(gg));
  const d = c.mul(2).add(c).add(b.select(0, 0)); // b[0] broadcasts over d's 2 elements
  d.sum().backward();
  assert.deepEqual(kept[0]!.tolist(), [3, 3]);
  assert.deepEqual(a.grad!.tolist(), [5, 3]);
});

test("double backward through select and narrow still works (gradgradcheck)", () => {
  manualSeed(3);
  const x = randn([4, 3], { dtype: "float64", requiresGrad: true });
  const f = (a: Tensor) => a.select(0, 1).pow(3).sum().add(a.narrow(1, 0, 2).sin().sum()).add(a.select(0, 1).mul(a.select(0, 2)).sum());
  assert.ok(autograd.gradgradcheck(f, [x]));
  const [g] = autograd.grad(f(x), [x], { createGraph: true });
  g!.sum().backward();
  assert.ok(x.grad !== null);
});

test("float32 gradients of float64 views are cast where they land", () => {
  const x = tensor([1, 2, 3], { dtype: "float64", requiresGrad: true });
  const y = x.mul(1);
  y.select(0, 0).to("float32").mul(2).add(y.select(0, 2).to("float32")).backward();
  assert.equal(x.grad!.dtype, "float64");
  assert.deepEqual(x.grad!.tolist(), [2, 0, 1]);
});
