/**
 * Depthwise convolutions (groups = in_channels, out_channels = groups · m) through F.conv2d /
 * nn.Conv2d take the depthwiseConv2d primitive: values and gradients equal to the grouped
 * im2col path it replaced (float64), gradcheck and gradgradcheck (createGraph goes through the
 * composed backward), bias or none, unbatched inputs, conv1d, the fused ReLU, the error
 * messages unchanged, and a compiled training step equal to eager.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { autograd, compile, manualSeed, nn, optim, randn, randint, type Tensor } from "../../src/index.js";
import { _setDepthwisePath } from "../../src/nn/functional/conv.js";
import { assertClose, randomTensor } from "../helpers.js";

const F = nn.F;

function both<T>(fn: () => T): [T, T] {
  const prev = _setDepthwisePath(true);
  try {
    const a = fn();
    _setDepthwisePath(false);
    return [a, fn()];
  } finally {
    _setDepthwisePath(prev);
  }
}

type Opts = { stride?: number | [number, number]; padding?: number | [number, number] | "same"; dilation?: number | [number, number] };

function grads(xShape: number[], C: number, m: number, k: [number, number], opts: Opts, bias: boolean, seed: number): Tensor[] {
  const x = randomTensor(xShape, { seed, dtype: "float64", requiresGrad: true });
  const w = randomTensor([C * m, 1, ...k], { seed: seed + 1, dtype: "float64", requiresGrad: true });
  const b = bias ? randomTensor([C * m], { seed: seed + 2, dtype: "float64", requiresGrad: true }) : null;
  const y = F.conv2d(x, w, b, { ...opts, groups: C });
  y.mul(randomTensor(y.shape, { seed: seed + 3, dtype: "float64" })).sum().backward();
  return [y, x.grad!, w.grad!, ...(b ? [b.grad!] : [])];
}

test("F.conv2d depthwise equals the grouped im2col path: values and gradients (float64)", () => {
  const cases: [number[], number, number, [number, number], Opts][] = [
    [[2, 3, 9, 8], 3, 1, [3, 3], { padding: 1 }],
    [[1, 4, 11, 7], 4, 2, [5, 5], { stride: 2, padding: 2 }],
    [[3, 2, 10, 12], 2, 1, [3, 3], { dilation: 2, stride: [2, 1] }],
    [[2, 5, 6, 6], 5, 2, [1, 1], {}],
    [[1, 3, 8, 9], 3, 1, [3, 2], { padding: "same" }],
    [[2, 4, 7, 13], 4, 2, [3, 3], { stride: 2, padding: [0, 1], dilation: [1, 2] }],
  ];
  cases.forEach(([shape, C, m, k, opts], i) => {
    for (const bias of [true, false]) {
      const [fast, slow] = both(() => grads(shape, C, m, k, opts, bias, 10 * i + 1));
      fast.forEach((t, j) => {
        assert.deepEqual(t.shape, slow[j]!.shape);
        assertClose(t, slow[j]!, { atol: 1e-11, rtol: 1e-11, msg: `case ${i} bias ${bias} output ${j}` });
      });
    }
  });
});

test("the depthwise path is the one taken (one depthwiseConv2d node, ConvolutionBackward0)", () => {
  const x = randn([1, 3, 5, 5], { requiresGrad: true });
  const w = randn([6, 1, 3, 3], { requiresGrad: true });
  const y = F.conv2d(x, w, null, { groups: 3, padding: 1 });
  assert.equal(y.gradFn!.name, "ConvolutionBackward0");
  const f = compile((a: Tensor, b: Tensor) => F.conv2d(a, b, null, { groups: 3, padding: 1 }));
  f(x.detach(), w.detach());
  assert.match(f.explain(), /depthwiseConv2d\(/);
  assert.doesNotMatch(f.explain(), /unfold\(/);
});

test("gradcheck and gradgradcheck (createGraph) through the depthwise path, float64", () => {
  const x = randomTensor([2, 2, 5, 6], { seed: 3, dtype: "float64", requiresGrad: true });
  const w = randomTensor([4, 1, 3, 3], { seed: 4, dtype: "float64", requiresGrad: true });
  const b = randomTensor([4], { seed: 5, dtype: "float64", requiresGrad: true });
  const f = (x_: Tensor, w_: Tensor, b_: Tensor) => F.conv2d(x_, w_, b_, { groups: 2, stride: [2, 1], padding: 1, dilation: [1, 2] });
  assert.ok(autograd.gradcheck(f, [x, w, b]));
  assert.ok(autograd.gradgradcheck(f, [x, w, b]));
  const w1 = randomTensor([2, 1, 2, 2], { seed: 6, dtype: "float64", requiresGrad: true });
  const g = (x_: Tensor, w_: Tensor) => F.conv2d(x_, w_, null, { groups: 2, stride: 2 });
  assert.ok(autograd.gradcheck(g, [x, w1]));
  assert.ok(autograd.gradgradcheck(g, [x, w1]));
});

test("unbatched input, conv1d and nn.Conv2d with groups = channels", () => {
  manualSeed(1);
  const x = randn([3, 6, 7], { dtype: "float64" });
  const w = randn([3, 1, 3, 3], { dtype: "float64" });
  const [a, b] = both(() => F.conv2d(x, w, null, { groups: 3, padding: 1 }));
  assert.deepEqual(a.shape, [3, 6, 7]);
  assertClose(a, b, { atol: 1e-12, rtol: 1e-12 });
  const x1 = randn([2, 4, 15], { dtype: "float64" }), w1 = randn([8, 1, 5], { dtype: "float64" });
  const [c, d] = both(() => F.conv1d(x1, w1, null, { groups: 4, stride: 2, padding: 2 }));
  assertClose(c, d, { atol: 1e-12, rtol: 1e-12 });
  const conv = new nn.Conv2d(4, 8, 3, { groups: 4, padding: 1 });
  const [e, f] = both(() => conv.forward(randn([2, 4, 6, 6]).mul(0).add(1)));
  assertClose(e, f, { atol: 1e-5, rtol: 1e-5 });
});

test("Sequential's fused Conv2d + ReLU (+ MaxPool2d) keeps working for depthwise layers", () => {
  manualSeed(2);
  const net = new nn.Sequential(new nn.Conv2d(3, 3, 3, { groups: 3, padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2));
  const x = randn([2, 3, 8, 8], { requiresGrad: true });
  const [a, b] = both(() => {
    x.grad = null;
    const y = net.forward(x);
    y.sum().backward();
    return [y, x.grad!];
  });
  assertClose(a[0], b[0], { atol: 1e-5, rtol: 1e-5 });
  assertClose(a[1], b[1], { atol: 1e-5, rtol: 1e-5 });
});

test("error messages are unchanged", () => {
  const x = randn([1, 4, 5, 5]);
  assert.throws(() => F.conv2d(x, randn([4, 2, 3, 3]), null, { groups: 4 }), /Given groups=4, weight of size \[4, 2, 3, 3\], expected input\[1, 4, 5, 5\] to have 8 channels, but got 4 channels instead/);
  assert.throws(() => F.conv2d(x, randn([6, 1, 3, 3]), null, { groups: 4 }), /out_channels .* must be divisible by groups \(4\)/);
  assert.throws(() => F.conv2d(x, randn([4, 1, 7, 7]), null, { groups: 4 }), /Kernel size can't be greater than actual input size/);
  assert.throws(() => F.conv2d(x, randn([4, 1, 3, 3]), randn([5]), { groups: 4 }), /expected bias of shape \[4\]/);
});

class DwNet extends nn.Module {
  dw = new nn.Conv2d(3, 6, 3, { groups: 3, padding: 1, stride: 2 });
  pw = new nn.Conv2d(6, 4, 1);
  fc = new nn.Linear(4 * 4 * 4, 5);
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.pw.forward(this.dw.forward(x).relu()).relu().flatten(1));
  }
}

test("a compiled training step through a depthwise conv equals eager", () => {
  manualSeed(5);
  const batches = Array.from({ length: 4 }, () => [randn([4, 3, 8, 8]), randint(0, 5, [4])] as [Tensor, Tensor]);
  const run = (compiled: boolean) => {
    manualSeed(42);
    const model = new DwNet();
    const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const crit = new nn.CrossEntropyLoss();
    const plain = (x: Tensor, y: Tensor) => {
      opt.zeroGrad();
      const loss = crit.forward(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss;
    };
    const step = compiled ? compile(plain) : plain;
    const losses = batches.map(([x, y]) => step(x, y).item());
    return { losses, params: model.parameters().map((p) => Array.from(p.toTypedArray())), step };
  };
  const eager = run(false), comp = run(true);
  assert.deepEqual(comp.losses, eager.losses);
  assert.deepEqual(comp.params, eager.params);
  const s = (comp.step as ReturnType<typeof compile>).stats();
  assert.deepEqual(s.breaks, []);
  assert.match((comp.step as ReturnType<typeof compile>).explain(), /depthwiseConv2d\(/);
});
