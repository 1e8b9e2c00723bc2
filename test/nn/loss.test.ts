import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { nn, tensor, Tensor, DTypeError, FluxionError, autograd, randn } from "../../src/index.js";
import { assertClose } from "../helpers.js";

const F = nn.F;
type Case = { name: string; inputs: { values: any; kind: "f" | "i" }[]; opts: Record<string, any>; output: any; grad: any };
const cases: Case[] = JSON.parse(readFileSync(new URL("../fixtures/nn_loss_reference.json", import.meta.url), "utf8"));

function run(c: Case, x: Tensor, t: Tensor): Tensor {
  const o = { ...c.opts };
  if (o.weight) o.weight = tensor(o.weight, { dtype: "float64" });
  if (o.posWeight) o.posWeight = tensor(o.posWeight, { dtype: "float64" });
  const kind = c.name.replace(/_(mean|sum|none)$/, "");
  if (kind.startsWith("cross_entropy")) return F.crossEntropy(x, t, o);
  if (kind.startsWith("nll")) return F.nllLoss(x, t, o);
  if (kind === "mse") return F.mseLoss(x, t, o);
  if (kind === "l1") return F.l1Loss(x, t, o);
  if (kind === "smooth_l1") return F.smoothL1Loss(x, t, o);
  if (kind === "huber") return F.huberLoss(x, t, o);
  if (kind.startsWith("bce_logits")) return F.binaryCrossEntropyWithLogits(x, t, o);
  if (kind.startsWith("bce")) return F.binaryCrossEntropy(x, t, o);
  if (kind.startsWith("kl")) {
    // logOfTarget is the fixture's note that the target was passed as its log, not an option
    const { logOfTarget, ...klOpts } = o;
    return F.klDiv(x, logOfTarget ? t.log() : t, klOpts);
  }
  throw new Error(`no runner for ${c.name}`);
}

for (const c of cases) {
  test(`${c.name} matches PyTorch (value and input gradient)`, () => {
    const [xi, ti] = c.inputs;
    const x = tensor(xi!.values, { dtype: "float64", requiresGrad: true });
    const t = tensor(ti!.values, { dtype: ti!.kind === "i" ? "int32" : "float64" });
    const out = run(c, x, t);
    assertClose(out, c.output, { atol: 1e-10, rtol: 1e-9 });
    (out.ndim > 0 ? out.sum() : out).backward();
    assertClose(x.grad!, c.grad, { atol: 1e-10, rtol: 1e-9 });
  });
}

test("losses pass gradcheck, including second derivatives of cross entropy", () => {
  const x = randn([4, 5], { dtype: "float64", requiresGrad: true });
  const labels = tensor([1, 0, 4, 2], { dtype: "int32" });
  assert.ok(autograd.gradcheck((z) => F.crossEntropy(z, labels, { labelSmoothing: 0.1 }), [x]));
  assert.ok(autograd.gradgradcheck((z) => F.crossEntropy(z, labels), [x]));
  const y = randn([4, 5], { dtype: "float64" });
  assert.ok(autograd.gradcheck((z) => F.binaryCrossEntropyWithLogits(z, y.gt(0).double()), [x]));
  assert.ok(autograd.gradcheck((z) => F.smoothL1Loss(z, y), [x]));
});

test("binaryCrossEntropyWithLogits: PyTorch's gradients at logits of exactly 0 and in the tails (with and without posWeight)", () => {
  // x = torch.tensor([-100., -30., -5., 0., 5., 30., 100.], requires_grad=True); t = torch.tensor([1., 0., 1., 0.5, 0., 1., 0.])
  // F.binary_cross_entropy_with_logits(x, t, pos_weight=torch.tensor(3.), reduction="sum").backward(): 421.41315, x.grad
  const t = tensor([1, 0, 1, 0.5, 0, 1, 0]);
  const x = tensor([-100, -30, -5, 0, 5, 30, 100], { requiresGrad: true });
  const loss = F.binaryCrossEntropyWithLogits(x, t, { posWeight: tensor(3), reduction: "sum" });
  assertClose(loss, 421.41314697265625, { rtol: 1e-6 });
  loss.backward();
  assertClose(x.grad!, [-3, 9.357623589846195e-14, -2.979921340942383, -0.5, 0.9933071732521057, 0, 1], { rtol: 1e-6, atol: 0 });
  // without posWeight: sigmoid(x) - t (0 -> 1/2 - t, the softplus kink gave -t - 1/2 + ... before)
  const z = tensor([0, 0, -30], { requiresGrad: true });
  F.binaryCrossEntropyWithLogits(z, tensor([1, 0, 0]), { reduction: "sum" }).backward();
  assertClose(z.grad!, [-0.5, 0.5, 9.357623589846195e-14], { rtol: 1e-6, atol: 0 });
  // multilabelSoftMarginLoss (logsigmoid) at 0: -(1/2) / C
  const m = tensor([[0, 0]], { requiresGrad: true });
  F.multilabelSoftMarginLoss(m, tensor([[1, 0]])).backward();
  assertClose(m.grad!, [-0.25, 0.25], { atol: 1e-7 });
});

test("binaryCrossEntropyWithLogits: float64 gradcheck / gradgradcheck in input, target and a broadcast posWeight; weight; posWeight shape errors", () => {
  const x = tensor([[0.3, -1.2, 2.5], [0.0, 4.1, -0.7]], { dtype: "float64", requiresGrad: true });
  const t = tensor([[1, 0, 0.25], [0.5, 1, 0]], { dtype: "float64", requiresGrad: true });
  const pw = tensor([2, 0.5, 3], { dtype: "float64", requiresGrad: true });
  const w = tensor([[1, 2, 0.5], [1.5, 1, 1]], { dtype: "float64", requiresGrad: true });
  const f = (a: Tensor, b: Tensor, c: Tensor, d: Tensor) => F.binaryCrossEntropyWithLogits(a, b, { posWeight: c, weight: d });
  assert.ok(autograd.gradcheck(f, [x, t, pw, w]));
  assert.ok(autograd.gradgradcheck(f, [x, t, pw, w]));
  assert.ok(autograd.gradcheck((a: Tensor, b: Tensor) => F.binaryCrossEntropyWithLogits(a, b, { reduction: "none" }), [x, t]));
  assert.ok(autograd.gradgradcheck((a: Tensor, b: Tensor) => F.binaryCrossEntropyWithLogits(a, b), [x, t]));
  assert.throws(() => F.binaryCrossEntropyWithLogits(x, t, { posWeight: tensor([1, 2], { dtype: "float64" }) }),
    (e: Error) => e.name === "ShapeError" && /^binaryCrossEntropyWithLogits: posWeight of shape \[2\] cannot be broadcast to the input's shape \[2, 3\] \(give one weight per class, along the last dim: \[3\]\)$/.test(e.message));
  assert.doesNotThrow(() => F.binaryCrossEntropyWithLogits(x, t, { posWeight: tensor([[2], [1]], { dtype: "float64" }) }));
});

test("binaryCrossEntropy's gradient is finite at probabilities of exactly 0 and 1, as PyTorch's", () => {
  // x = torch.tensor([0., 1., 1., 0., 1e-30, 0.5], requires_grad=True); t = torch.tensor([1., 0., 0.3, 0.3, 1., 1.])
  // F.binary_cross_entropy(x, t).backward(); x.grad
  const x = tensor([0, 1, 1, 0, 1e-30, 0.5], { requiresGrad: true });
  const loss = F.binaryCrossEntropy(x, tensor([1, 0, 0.3, 0.3, 1, 1]));
  assertClose(loss, 61.628448486328125, { rtol: 1e-6 });
  loss.backward();
  assertClose(x.grad!, [-166666665984.0, 166666665984.0, 116666662912.0, -50000003072.0, -166666665984.0, -0.3333333432674408], { rtol: 1e-6 });
  // a saturated sigmoid (sigmoid(20) is 1 in float32) passes a zero gradient, not NaN:
  // z = torch.tensor([20., -20.], requires_grad=True); F.binary_cross_entropy(z.sigmoid(), torch.tensor([0., 1.])).backward(); z.grad
  const z = tensor([20, -20], { requiresGrad: true });
  F.binaryCrossEntropy(z.sigmoid(), tensor([0, 1])).backward();
  assertClose(z.grad!, [0, -0.5]);
  // inside (0, 1) the gradients with respect to input and target are the derivatives of the loss
  const p = tensor([0.2, 0.7, 0.9], { dtype: "float64", requiresGrad: true });
  const y = tensor([0.1, 1, 0.4], { dtype: "float64", requiresGrad: true });
  const w = tensor([1, 2, 0.5], { dtype: "float64" });
  assert.ok(autograd.gradcheck((a, b) => F.binaryCrossEntropy(a, b, { weight: w }), [p, y]));
  assert.ok(autograd.gradgradcheck((a) => F.binaryCrossEntropy(a, y.detach()), [p]));
});

test("float32 cross entropy does not overflow on huge logits", () => {
  const x = tensor([[1e30, 0, -1e30], [1e38, -1e38, 0]]);
  const loss = F.crossEntropy(x, tensor([0, 1], { dtype: "int32" }), { reduction: "none" });
  assertClose(loss, [0, 2e38], { rtol: 1e-6 });
});

test("labels out of range name the bad value and the number of classes", () => {
  const x = randn([3, 10]);
  assert.throws(() => F.crossEntropy(x, tensor([0, 10, 2], { dtype: "int32" })), (e: unknown) => e instanceof FluxionError && /target 10 is out of bounds for 10 classes/.test((e as Error).message));
  assert.throws(() => F.crossEntropy(x, tensor([0, -1, 2], { dtype: "int32" })), /target -1 is out of bounds/);
  assert.throws(() => F.crossEntropy(x, tensor([0, 1], { dtype: "int32" })), /expected target of shape \[3\] for input of shape \[3, 10\]/);
  assert.throws(() => F.nllLoss(x, tensor([0, 1, 2])), /dtype int64 or int32, got float32/);
  // tensor([0, 1, 2]) of JS numbers is float32: class indices in the wrong dtype, not probabilities of the wrong shape
  assert.throws(() => F.crossEntropy(x, tensor([0, 1, 2])), (e: unknown) => e instanceof DTypeError && /crossEntropy: a target of shape \[3\] for input \[3, 10\] is class indices, which must be int64 or int32, got float32 \(convert with \.long\(\)/.test((e as Error).message));
  assert.throws(() => F.crossEntropy(randn([2, 10, 4]), randn([2, 4])), /a target of shape \[2, 4\] for input \[2, 10, 4\] is class indices/);
  assert.throws(() => F.crossEntropy(x, randn([3, 9])), /target shape \[3, 9\] must match input shape \[3, 10\]/);
  assert.throws(() => F.mseLoss(x, randn([3, 1])), /target shape \[3, 1\] must match input shape \[3, 10\]/);
  assert.throws(() => F.binaryCrossEntropy(tensor([0.5, 1.5]), tensor([0, 1])), /between 0 and 1/);
});

test("loss modules forward to the functional forms", () => {
  const x = tensor([[2, 1, 0.1]]);
  const t = tensor([0], { dtype: "int32" });
  const ce = new nn.CrossEntropyLoss();
  assertClose(ce.forward(x, t), F.crossEntropy(x, t));
  // log(e^2 + e^1 + e^0.1) - 2
  assertClose(ce.forward(x, t), [Math.log(Math.exp(2) + Math.exp(1) + Math.exp(0.1)) - 2], { rtol: 1e-6 });
  const sum = new nn.MSELoss({ reduction: "sum" });
  assertClose(sum.forward(tensor([1, 2]), tensor([0, 0])), [5]);
});

test("the fused crossEntropy fast path equals the general path (value and gradient)", () => {
  const x1 = randn([7, 5], { dtype: "float64", requiresGrad: true });
  const x2 = x1.detach().clone().requiresGrad_(true);
  const labels = tensor([0, 4, 2, 2, 1, 3, 0], { dtype: "int32" });
  const fast = F.crossEntropy(x1, labels, { reduction: "sum" });
  // a weight of ones takes the general path
  const general = F.crossEntropy(x2, labels, { reduction: "sum", weight: tensor([1, 1, 1, 1, 1], { dtype: "float64" }) });
  assert.equal(fast.gradFn!.name, "CrossEntropyLossBackward0");
  assertClose(fast, general, { atol: 1e-12 });
  fast.backward();
  general.backward();
  assertClose(x1.grad!, x2.grad!, { atol: 1e-12 });
});

test("every loss module forwards its options to the functional form", () => {
  const x = randn([3, 4], { dtype: "float64" }), t = randn([3, 4], { dtype: "float64" });
  const p = x.sigmoid(), y = t.gt(0).double();
  const logp = x.logSoftmax(1), q = t.softmax(1);
  const labels = tensor([1, 0, 3], { dtype: "int32" });
  const pairs: [nn.Module, () => Tensor][] = [
    [new nn.NLLLoss({ reduction: "sum" }), () => F.nllLoss(logp, labels, { reduction: "sum" })],
    [new nn.L1Loss(), () => F.l1Loss(x, t)],
    [new nn.SmoothL1Loss({ beta: 0.5 }), () => F.smoothL1Loss(x, t, { beta: 0.5 })],
    [new nn.HuberLoss({ delta: 0.5 }), () => F.huberLoss(x, t, { delta: 0.5 })],
    [new nn.BCELoss(), () => F.binaryCrossEntropy(p, y)],
    [new nn.BCEWithLogitsLoss({ posWeight: tensor([1, 2, 3, 4], { dtype: "float64" }) }), () => F.binaryCrossEntropyWithLogits(x, y, { posWeight: tensor([1, 2, 3, 4], { dtype: "float64" }) })],
    [new nn.KLDivLoss({ reduction: "batchmean" }), () => F.klDiv(logp, q, { reduction: "batchmean" })],
  ];
  const inputs: [Tensor, Tensor][] = [[logp, labels], [x, t], [x, t], [x, t], [p, y], [x, y], [logp, q]];
  pairs.forEach(([m, f], i) => assertClose(m(...inputs[i]!), f(), { atol: 1e-12 }));
  // huber = smooth L1 scaled by delta
  assertClose(F.huberLoss(x, t, { delta: 0.5 }), F.smoothL1Loss(x, t, { beta: 0.5 }).mul(0.5), { atol: 1e-12 });
});

test("huberLoss refuses delta <= 0 and smoothL1Loss beta < 0, as PyTorch (beta = 0 is L1)", () => {
  const x = tensor([0, 0]), t = tensor([1, 3]);
  for (const delta of [0, -1, NaN]) {
    assert.throws(() => F.huberLoss(x, t, { delta }), (e: any) => e instanceof FluxionError && e.name === "ArgumentError" && /huberLoss: delta must be positive/.test(e.message));
    assert.throws(() => new nn.HuberLoss({ delta })(x, t), /huberLoss: delta must be positive .*got/);
  }
  for (const beta of [-1, NaN]) {
    assert.throws(() => F.smoothL1Loss(x, t, { beta }), /smoothL1Loss: beta must be non-negative/);
    assert.throws(() => new nn.SmoothL1Loss({ beta })(x, t), /smoothL1Loss: beta must be non-negative/);
  }
  assert.equal(F.smoothL1Loss(x, t, { beta: 0 }).item(), 2);
  assert.ok(Math.abs(F.huberLoss(x, t, { delta: 1e-3 }).item() - (1e-3 * (1 - 5e-4) + 1e-3 * (3 - 5e-4)) / 2) < 1e-9);
});

test("smoothL1Loss with beta 0 takes PyTorch's -1 gradient side where input equals target, for the input and the target", () => {
  // x = torch.tensor([0.5, -0.5, 0.0, 2.0], requires_grad=True); t = torch.zeros(4, requires_grad=True)
  // F.smooth_l1_loss(x, t, beta=0.0, reduction='sum') -> 3; x.grad [1, -1, -1, 1]; t.grad [-1, 1, -1, -1]
  const x = tensor([0.5, -0.5, 0.0, 2.0], { requiresGrad: true }), t = tensor([0, 0, 0, 0], { requiresGrad: true });
  const l = F.smoothL1Loss(x, t, { beta: 0, reduction: "sum" });
  assert.equal(l.item(), 3);
  l.backward();
  assert.deepEqual(x.grad!.tolist(), [1, -1, -1, 1]);
  assert.deepEqual(t.grad!.tolist(), [-1, 1, -1, -1]);
  assert.ok(Object.is(F.smoothL1Loss(tensor([1]), tensor([1]), { beta: 0, reduction: "none" }).item(), 0));
  assert.ok(autograd.gradcheck((a, b) => F.smoothL1Loss(a, b, { beta: 0 }), [tensor([0.3, -1.2], { dtype: "float64", requiresGrad: true }), tensor([1.0, 0.4], { dtype: "float64", requiresGrad: true })]));
});

test("binaryCrossEntropy(WithLogits) refuse integer and bool targets, as PyTorch (\"Found dtype Long but expected Float\")", () => {
  const p = tensor([0.5, 0.2]);
  for (const target of [tensor([1, 0], { dtype: "int64" }), tensor([1, 0], { dtype: "int32" }), tensor([true, false])]) {
    const re = new RegExp(`expected a floating point target \\(probabilities, like the input's float32\\), got ${target.dtype} \\(shape \\[2\\]\\); convert it with \\.float\\(\\)`);
    assert.throws(() => F.binaryCrossEntropy(p, target), (e: any) => e.name === "DTypeError" && /^binaryCrossEntropy: /.test(e.message) && re.test(e.message));
    assert.throws(() => new nn.BCELoss()(p, target), re);
    assert.throws(() => F.binaryCrossEntropyWithLogits(p, target), (e: any) => e.name === "DTypeError" && /^binaryCrossEntropyWithLogits: /.test(e.message) && re.test(e.message));
    assert.throws(() => new nn.BCEWithLogitsLoss()(p, target), re);
  }
  // a float target of the other width still works (with logits: promoted, as PyTorch)
  assert.ok(Math.abs(F.binaryCrossEntropyWithLogits(p, tensor([1, 0], { dtype: "float64" })).item() - 0.6361) < 1e-4);
});

test("klDiv is PyTorch 1.13's xlogy(target, target) - target * input: 0 log 0 = 0, a negative target or 0 against -inf input gives NaN; gradients as torch", () => {
  // torch: F.kl_div(tensor([-1., -inf, -0.5, -2.]), tensor([-0.5, 0., 0.5, 0.]), reduction='none') -> [nan, nan, -0.0966, 0.]
  const v = F.klDiv(tensor([-1, -Infinity, -0.5, -2]), tensor([-0.5, 0, 0.5, 0]), { reduction: "none" }).tolist() as number[];
  assert.ok(Number.isNaN(v[0]) && Number.isNaN(v[1]), `NaN where torch gives NaN: ${v}`);
  assertClose(tensor(v.slice(2)), [-0.09657359, 0], { atol: 1e-7 });
  // torch: x.grad [-0., -0.3, -0.7], t.grad [nan, 1.7960, 1.1433] (reduction='sum')
  const x = tensor([-1, -2, -0.5], { requiresGrad: true }), t = tensor([0, 0.3, 0.7], { requiresGrad: true });
  const l = F.klDiv(x, t, { reduction: "sum" });
  assert.equal(l.gradFn!.name, "SumBackward0");
  l.backward();
  assertClose(x.grad!, [0, -0.3, -0.7], { atol: 1e-7 });
  const tg = t.grad!.tolist() as number[];
  assert.ok(Number.isNaN(tg[0]));
  assertClose(tensor(tg.slice(1)), [1.7960272, 1.1433251], { atol: 1e-6 });
});

// PyTorch 1.13, x = [0, .25, 2] (float64), target zeros: the gradient of smooth_l1_loss(x, t,
// beta=.5, reduction='sum') is [0, .5, 1] and the gradient of its sum [2, 2, 0]; huber_loss with
// delta=.5: [0, .25, .5] and [1, 1, 0]
test("smoothL1Loss and huberLoss have their quadratic part's second derivative at a zero difference too", () => {
  const t = tensor([0, 0, 0], { dtype: "float64" });
  for (const [f, g1, g2] of [
    [(x: Tensor) => F.smoothL1Loss(x, t, { beta: 0.5, reduction: "sum" }), [0, 0.5, 1], [2, 2, 0]],
    [(x: Tensor) => F.huberLoss(x, t, { delta: 0.5, reduction: "sum" }), [0, 0.25, 0.5], [1, 1, 0]],
  ] as const) {
    const x = tensor([0, 0.25, 2], { dtype: "float64", requiresGrad: true });
    const [g] = autograd.grad(f(x), [x], { createGraph: true });
    assertClose(g!, [...g1]);
    const [h] = autograd.grad(g!.sum(), [x]);
    assertClose(h!, [...g2]);
  }
});
