/**
 * nn.Sequential runs a plain Conv2d followed by a plain ReLU as one convolution with the
 * ReLU in its epilogue. It must be invisible: the same values and gradients, bit for bit,
 * as running the two modules one by one; not applied to subclasses or modules with hooks.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { autograd, nn, noGrad, type Tensor } from "../../src/index.js";
import { _conv2dRelu, _conv2dReluMaxPool } from "../../src/nn/functional/conv.js";
import { addDispatchLayer } from "../../src/backend/dispatcher.js";
import { assertClose, randomTensor } from "../helpers.js";

type ConvOpts = nn.ConvOptions<number | readonly [number, number]>;

/** The modules of `seq` called one by one (no fusion). */
function oneByOne(seq: nn.Sequential, x: Tensor): Tensor {
  let h = x;
  for (const m of seq) h = m.call(h);
  return h;
}

/** Output and parameter gradients (and the input's) of sum(f(x) * weights). */
function run(seq: nn.Sequential, x: Tensor, f: (s: nn.Sequential, x: Tensor) => Tensor): { out: Tensor; grads: Tensor[] } {
  for (const p of seq.parameters()) p.grad = null;
  x.grad = null;
  const out = f(seq, x);
  out.mul(randomTensor(out.shape, { seed: 99, dtype: out.dtype })).sum().backward();
  return { out: out.detach(), grads: [...seq.parameters(), x].map((p) => p.grad!.clone()) };
}

const CASES: [string, number[], number, number, number, ConvOpts][] = [
  ["3x3, bias", [4, 2, 9, 8], 2, 5, 3, {}],
  ["padding 1, stride 2, no bias", [3, 3, 10, 7], 3, 4, 3, { padding: 1, stride: 2, bias: false }],
  ["dilation 2, padding 'same'", [2, 2, 9, 9], 2, 3, 3, { padding: "same", dilation: 2 }],
  ["groups 2 (relu after the grouped product)", [2, 4, 6, 6], 4, 6, 3, { groups: 2 }],
  ["reflect padding", [2, 1, 7, 7], 1, 3, 3, { padding: 1, paddingMode: "reflect" }],
  ["unbatched input", [2, 6, 5], 2, 3, 2, {}],
  ["the small CNN's 32 -> 64 layer", [64, 32, 13, 13], 32, 64, 3, {}],
];

for (const dtype of ["float32", "float64"] as const) {
  test(`Sequential(Conv2d, ReLU, ...) fused equals the modules one by one, values and gradients (${dtype})`, () => {
    let seed = 1;
    for (const [name, xShape, C, O, k, opts] of CASES) {
      const seq = new nn.Sequential(new nn.Conv2d(C, O, k, { ...opts, dtype }), new nn.ReLU(), new nn.Flatten(0));
      const x = randomTensor(xShape, { seed: seed++, dtype, requiresGrad: true });
      const fused = run(seq, x, (s, v) => s.call(v));
      const plain = run(seq, x, oneByOne);
      assert.deepEqual(fused.out.shape, plain.out.shape, name);
      assertClose(fused.out, plain.out, { atol: 0, rtol: 0, msg: `${name}: output` });
      fused.grads.forEach((g, i) => assertClose(g, plain.grads[i]!, { atol: 0, rtol: 0, msg: `${name}: gradient ${i}` }));
      assert.ok(fused.out.toTypedArray().some((v) => v === 0) && fused.out.toTypedArray().some((v) => v > 0), `${name}: the ReLU clips some values`);
    }
  });
}

test("the fused Conv2d + ReLU records one ConvolutionReluBackward0 node, checked against in-place changes", () => {
  const seq = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU());
  const y = seq.call(randomTensor([1, 1, 5, 5], { seed: 3, dtype: "float32" }));
  assert.equal(y.gradFn?.name, "ConvolutionReluBackward0");
  const before = y.detach().clone();
  const z = y.sum();
  y.add_(1);
  assert.throws(() => z.backward(), /ConvolutionReluBackward0: one of the variables needed for gradient computation has been modified by an inplace operation/);
  // grad mode off: no node, same values
  const v = noGrad(() => seq.call(randomTensor([1, 1, 5, 5], { seed: 3, dtype: "float32" })));
  assert.equal(v.gradFn, null);
  assertClose(v, before, { atol: 0, rtol: 0 });
});

test("the fused Conv2d + ReLU has correct first and second derivatives (gradcheck, gradgradcheck, float64)", () => {
  const x = randomTensor([2, 2, 4, 4], { seed: 11, dtype: "float64", requiresGrad: true });
  const w = randomTensor([3, 2, 2, 2], { seed: 12, dtype: "float64", requiresGrad: true });
  const b = randomTensor([3], { seed: 13, dtype: "float64", requiresGrad: true });
  const f = (xs: Tensor, ws: Tensor, bs: Tensor) => _conv2dRelu(xs, ws, bs, { padding: 1 });
  assert.ok(f(x, w, b).toTypedArray().some((v) => v === 0), "some outputs are clipped");
  assert.ok(autograd.gradcheck(f, [x, w, b]));
  assert.ok(autograd.gradgradcheck(f, [x, w, b]));
});

test("Sequential does not fuse a Conv2d or ReLU with hooks, or subclasses of either", () => {
  const x = randomTensor([2, 1, 6, 6], { seed: 5, dtype: "float32" });
  // a hook on the convolution sees its output before the ReLU, negatives included
  const conv = new nn.Conv2d(1, 3, 3);
  let seen: Tensor | null = null;
  conv.registerForwardHook((_m, _in, out) => {
    seen = out as Tensor;
  });
  const y = new nn.Sequential(conv, new nn.ReLU()).call(x);
  assert.ok(seen !== null && (seen as Tensor).toTypedArray().some((v) => v < 0), "the hook saw the pre-ReLU output");
  assert.equal(y.gradFn?.name, "ReluBackward0");
  // a hook on the ReLU too
  const relu = new nn.ReLU();
  let calls = 0;
  relu.registerForwardPreHook(() => {
    calls++;
  });
  new nn.Sequential(new nn.Conv2d(1, 3, 3), relu).call(x);
  assert.equal(calls, 1);
  // a ReLU subclass keeps its own forward
  class DoubledReLU extends nn.ReLU {
    override forward(t: Tensor): Tensor {
      return t.mul(2).relu();
    }
  }
  const c2 = new nn.Conv2d(1, 3, 3);
  const doubled = new nn.Sequential(c2, new DoubledReLU()).call(x);
  assertClose(doubled, c2.call(x).relu().mul(2), { atol: 1e-6, rtol: 1e-6 });
  // a Conv2d subclass too
  class ShiftedConv extends nn.Conv2d {
    override forward(t: Tensor): Tensor {
      return super.forward(t).sub(10);
    }
  }
  const c3 = new ShiftedConv(1, 3, 3);
  const shifted = new nn.Sequential(c3, new nn.ReLU()).call(x);
  assert.ok(shifted.toTypedArray().every((v: number) => v === 0), "conv output - 10 is negative everywhere, so relu gives 0");
});

test("Sequential(Conv2d, ReLU, MaxPool2d) under noGrad pools in the convolution: the same values as one by one", () => {
  const pools: [string, nn.MaxPool2d, boolean][] = [
    ["2x2", new nn.MaxPool2d(2), true],
    ["3x3 stride 2", new nn.MaxPool2d(3, { stride: 2 }), true],
    ["[2, 3] stride [1, 2]", new nn.MaxPool2d([2, 3], { stride: [1, 2] }), true],
    ["padding 1 (not fused)", new nn.MaxPool2d(2, { padding: 1 }), false],
    ["ceil mode (not fused)", new nn.MaxPool2d(2, { ceilMode: true }), false],
  ];
  // which convolutions ran with the pooling epilogue
  let pooledCalls = 0;
  const remove = addDispatchLayer((call, next) => {
    if (call.op === "conv2d" && (call.attrs as { pool?: unknown }).pool) pooledCalls++;
    return next(call);
  });
  let seed = 40;
  for (const dtype of ["float32", "float64"] as const)
    for (const [name, pool, fusable] of pools)
      for (const [xShape, opts] of [[[5, 3, 11, 10], { padding: 1 }], [[3, 9, 8], {}], [[2, 2, 8, 8], { groups: 2 }]] as [number[], ConvOpts][]) {
        const C = xShape.length === 4 ? xShape[1]! : xShape[0]!;
        const seq = new nn.Sequential(new nn.Conv2d(C, 4, 3, { ...opts, dtype }), new nn.ReLU(), pool, new nn.Flatten(0));
        const x = randomTensor(xShape, { seed: seed++, dtype });
        pooledCalls = 0;
        const fused = noGrad(() => seq.call(x));
        assert.equal(pooledCalls, fusable && !opts?.groups ? 1 : 0, `${name} [${xShape}]: pooled in the convolution`);
        const plain = noGrad(() => oneByOne(seq, x));
        assert.deepEqual(fused.shape, plain.shape, name);
        assertClose(fused, plain, { atol: 0, rtol: 0, msg: `${name} [${xShape}] ${dtype}` });
      }
  remove();
});

test("Sequential(Conv2d, ReLU, MaxPool2d) trains as one by one (pooled in the kernel, gradients through the winners); a window larger than the output still throws", () => {
  let seed = 60;
  for (const dtype of ["float32", "float64"] as const)
    for (const [name, pool, opts] of [
      ["2x2", new nn.MaxPool2d(2), {}],
      ["3x3 stride 2 (overlapping windows)", new nn.MaxPool2d(3, { stride: 2 }), { padding: 1 }],
      ["[2, 3] stride [1, 2], no bias", new nn.MaxPool2d([2, 3], { stride: [1, 2] }), { bias: false }],
    ] as [string, nn.MaxPool2d, ConvOpts][]) {
      const seq = new nn.Sequential(new nn.Conv2d(2, 3, 3, { ...opts, dtype }), new nn.ReLU(), pool);
      const x = randomTensor([3, 2, 9, 10], { seed: seed++, dtype, requiresGrad: true });
      if (name.startsWith("3x3")) (x.storage.data as Float64Array | Float32Array)[7] = NaN; // NaN wins and its gradient flows
      const fused = run(seq, x, (s, v) => s.call(v));
      const plain = run(seq, x, oneByOne);
      assert.equal(seq.call(x).gradFn?.name, "ConvolutionReluMaxPoolBackward0");
      assertClose(fused.out, plain.out, { atol: 0, rtol: 0, msg: `${name} ${dtype}: output` });
      fused.grads.forEach((g, i) => assertClose(g, plain.grads[i]!, { atol: 0, rtol: 0, msg: `${name} ${dtype}: gradient ${i}` }));
    }
  const xs = randomTensor([2, 2, 6, 7], { seed: 70, dtype: "float64", requiresGrad: true });
  const ws = randomTensor([3, 2, 2, 2], { seed: 71, dtype: "float64", requiresGrad: true });
  const bs = randomTensor([3], { seed: 72, dtype: "float64", requiresGrad: true });
  const f = (a: Tensor, w: Tensor, b: Tensor) => _conv2dReluMaxPool(a, w, b, { padding: 1 }, { kernel: [2, 2], stride: [2, 2] });
  assert.ok(autograd.gradcheck(f, [xs, ws, bs]));
  assert.ok(autograd.gradgradcheck(f, [xs, ws, bs]));
  const tiny = new nn.Sequential(new nn.Conv2d(1, 1, 3), new nn.ReLU(), new nn.MaxPool2d(4));
  const small = randomTensor([1, 1, 5, 5], { seed: 9, dtype: "float32" });
  const msg = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    return "no error";
  };
  assert.equal(msg(() => noGrad(() => tiny.call(small))), msg(() => noGrad(() => oneByOne(tiny, small))));
  assert.notEqual(msg(() => noGrad(() => tiny.call(small))), "no error");
});
