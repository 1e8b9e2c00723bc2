/**
 * The ranking, embedding and likelihood losses (F.marginRankingLoss, hingeEmbeddingLoss,
 * softMarginLoss, cosineEmbeddingLoss, tripletMarginLoss, multiMarginLoss,
 * multilabelSoftMarginLoss, poissonNllLoss, gaussianNllLoss) and their modules against
 * PyTorch 1.13: value and input gradient, prints and errors. Each reference line was made by
 * the torch.nn.functional call of the same name and arguments on the same x, then
 * out.sum().backward().
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { autograd, nn, tensor, Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";

const F = nn.F;
const b = tensor([1.0, -2.0, 0.5, 0.25]);
const y = tensor([1, -1, -1, 1]);
const B = tensor([[1.0, 0.5, -1.0], [0.5, 0.25, 2.0]]);
const C = tensor([[-0.5, 1.0, 0.0], [2.0, -1.0, 1.0]]);

const cases: [string, number[] | number[][], (x: Tensor) => Tensor, number | number[] | number[][], number[] | number[][]][] = [
  ["marginRankingLoss", [0.5, -1.0, 2.0, 0.25], (x) => F.marginRankingLoss(x, b, y, { margin: 0.3 }), 1.0499999523162842, [-0.25, 0.25, 0.25, -0.25]],
  ["hingeEmbeddingLoss", [0.5, 1.0, 2.0, 0.25], (x) => F.hingeEmbeddingLoss(x, y, { margin: 0.8, reduction: "sum" }), 0.75, [1.0, 0.0, 0.0, 1.0]],
  ["softMarginLoss", [0.5, -1.0, 2.0, 0.25], (x) => F.softMarginLoss(x, y), 0.8725515007972717, [-0.09438516944646835, 0.06723535805940628, 0.22019927203655243, -0.10945587605237961]],
  ["cosineEmbeddingLoss", [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], (x) => F.cosineEmbeddingLoss(x, B, tensor([1, -1]), { margin: -0.5 }), 1.0127555131912231, [[-0.17318880558013916, -0.017318882048130035, 0.03463776409626007], [0.09171274304389954, 0.04035360738635063, 0.2953150272369385]]],
  ["tripletMarginLoss", [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], (x) => F.tripletMarginLoss(x, B, C, { margin: 2 }), 2.5340914726257324, [[-0.24038761854171753, 0.11217035353183746, 0.10899251699447632], [0.30973005294799805, -0.3100869655609131, -0.09213420748710632]]],
  ["tripletMarginLoss swap p=1", [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], (x) => F.tripletMarginLoss(x, B, C, { margin: 2, p: 1, swap: true, reduction: "none" }), [4.0, 2.250001907348633], [[-1.0, -1.0, 1.0], [2.0, 0.0, 0.0]]],
  ["multiMarginLoss", [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], (x) => F.multiMarginLoss(x, tensor([2, 0], { dtype: "int64" }), { p: 2, margin: 3, weight: tensor([1, 2, 3]) }), 1.8020832538604736, [[1.5, 0.0, -1.5], [-0.9166667461395264, 0.5833333730697632, 0.3333333432674408]]],
  ["multilabelSoftMarginLoss", [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], (x) => F.multilabelSoftMarginLoss(x, tensor([[1, 0, 1], [0, 0, 1]]), { weight: tensor([1, 2, 3]) }), 1.2928178310394287, [[-0.06292344629764557, 0.08964714407920837, -0.05960145965218544], [0.1362624168395996, 0.18739216029644012, -0.3112296462059021]]],
  ["poissonNllLoss", [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], (x) => F.poissonNllLoss(x, tensor([[0, 3, 1], [2, 5, 0]]), { full: true, reduction: "none" }), [[1.6487212181091309, 5.131960868835449, 5.389056205749512], [2.133495330810547, 4.804872512817383, 0.6065306663513184]], [[1.6487212181091309, -2.6321206092834473, 6.389056205749512], [2.481688976287842, -3.7159745693206787, 0.6065306663513184]]],
  ["poissonNllLoss rates", [[0.5, 1.0, 2.0], [1.5, 0.25, 0.5]], (x) => F.poissonNllLoss(x, tensor([[0, 3, 1], [2, 5, 0]]), { logInput: false }), 1.8628991842269897, [[0.1666666716337204, -0.3333333134651184, 0.0833333358168602], [-0.0555555522441864, -3.1666667461395264, 0.1666666716337204]]],
  ["gaussianNllLoss", [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], (x) => F.gaussianNllLoss(x, B, tensor([0.5, 1e-9]), { full: true, eps: 1e-3 }), 605.1019897460938, [[-0.1666666716337204, -0.5, 1.0], [166.66665649414062, 0.0, -416.6666259765625]]],
];

for (const [name, x0, f, out, grad] of cases) {
  test(`${name} matches PyTorch (value and input gradient)`, () => {
    const x = tensor(x0, { requiresGrad: true });
    const o = f(x);
    assertClose(o, out, { rtol: 1e-5, atol: 1e-6 });
    o.sum().backward();
    assertClose(x.grad!, grad, { rtol: 1e-5, atol: 1e-6 });
  });
}

test("the losses pass gradcheck in float64", () => {
  const x = tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], { dtype: "float64", requiresGrad: true });
  const B64 = B.double(), C64 = C.double(), var64 = tensor([[0.5, 1, 2.5], [1, 0.75, 2]], { dtype: "float64" });
  assert.ok(autograd.gradcheck((t) => F.cosineEmbeddingLoss(t, B64, tensor([1, -1]), { margin: -0.5 }), [x]));
  assert.ok(autograd.gradcheck((t) => F.tripletMarginLoss(t, B64, C64, { margin: 2, p: 3 }), [x]));
  assert.ok(autograd.gradcheck((t) => F.multilabelSoftMarginLoss(t, tensor([[1, 0, 1], [0, 0, 1]], { dtype: "float64" })), [x]));
  assert.ok(autograd.gradcheck((t) => F.gaussianNllLoss(t, B64, var64), [x]));
  assert.ok(autograd.gradcheck((v) => F.gaussianNllLoss(B64, C64, v), [var64.clone().requiresGrad_(true)]));
});

test("the loss modules bind PyTorch's constructor arguments and forward to the functional forms", () => {
  const x = tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]);
  const same = (m: Tensor, f: Tensor) => assertClose(m, f);
  same(new nn.MarginRankingLoss(0.2)(x.index(0), B.index(0), tensor([1, -1, 1])), F.marginRankingLoss(x.index(0), B.index(0), tensor([1, -1, 1]), { margin: 0.2 }));
  same(new nn.HingeEmbeddingLoss(2.0)(x.abs(), tensor([[1, -1, 1], [-1, -1, 1]])), F.hingeEmbeddingLoss(x.abs(), tensor([[1, -1, 1], [-1, -1, 1]]), { margin: 2 }));
  same(new nn.SoftMarginLoss({ reduction: "sum" })(x, B.sign()), F.softMarginLoss(x, B.sign(), { reduction: "sum" }));
  same(new nn.CosineEmbeddingLoss(0.3, { reduction: "sum" })(x, B, tensor([1, -1])), F.cosineEmbeddingLoss(x, B, tensor([1, -1]), { margin: 0.3, reduction: "sum" }));
  same(new nn.TripletMarginLoss({ margin: 0.5, p: 3 })(x, B, C), F.tripletMarginLoss(x, B, C, { margin: 0.5, p: 3 }));
  same(new nn.MultiMarginLoss(2, 3)(x, tensor([2, 0], { dtype: "int64" })), F.multiMarginLoss(x, tensor([2, 0], { dtype: "int64" }), { p: 2, margin: 3 }));
  same(new nn.MultiLabelSoftMarginLoss(tensor([1, 2, 3]))(x, B.gt(0).float()), F.multilabelSoftMarginLoss(x, B.gt(0).float(), { weight: tensor([1, 2, 3]) }));
  same(new nn.PoissonNLLLoss(false)(x.abs(), B.abs()), F.poissonNllLoss(x.abs(), B.abs(), { logInput: false }));
  same(new nn.GaussianNLLLoss({ full: true })(x, B, C.abs()), F.gaussianNllLoss(x, B, C.abs(), { full: true }));
  assert.equal(String(new nn.TripletMarginLoss()), "TripletMarginLoss()");
  assert.equal(Object.keys(new nn.MultiMarginLoss(1, 1, tensor([1, 2, 3])).stateDict()).join(), "weight");
  assert.equal(new nn.MarginRankingLoss(0, false).reduction, "sum"); // PyTorch's legacy sizeAverage=False
});

test("bad inputs to the losses are errors naming the op and the shapes", () => {
  const x = tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]);
  assert.throws(() => F.multiMarginLoss(x, tensor([0, 3], { dtype: "int64" })), /multiMarginLoss: target out of range: class indices must be in \[0, 2\]/);
  assert.throws(() => F.multiMarginLoss(x, tensor([0, 1])), /multiMarginLoss: expected target of class indices with dtype int64 or int32, got float32/);
  assert.throws(() => F.gaussianNllLoss(x, B, tensor([[-1, 1, 1], [1, 1, 1]])), /gaussianNllLoss: var has negative entry/);
  assert.throws(() => F.gaussianNllLoss(x, B, tensor([[1, 1], [1, 1]])), /gaussianNllLoss: var is of incorrect size: expected \[2, 3\], \[2\] or \[2, 1\], got \[2, 2\]/);
  assert.throws(() => F.cosineEmbeddingLoss(x, B, tensor([[1], [-1]])), /cosineEmbeddingLoss: 0D or 1D target tensor expected/);
  assert.throws(() => F.marginRankingLoss(x.index(0), B.index(0), tensor([1, -1])), /marginRankingLoss: target shape \[2\] must match input shape \[3\]/);
  assert.throws(() => F.tripletMarginLoss(x, B.index(0), C), /tripletMarginLoss: the anchor, positive and negative tensors are expected to have the same number of dimensions/);
});

// PyTorch 1.13: x = [[1, 0, 2], [.5, 1.5, .5]], target [0, 1]; F.multi_margin_loss(x, t,
// reduction='sum').backward() -> x.grad [[-1/3, 0, 1/3], [0, 0, 0]] (classes exactly at the
// margin, z = 0, are not counted)
test("multiMarginLoss gives no gradient to a class exactly at the margin", () => {
  const x = tensor([[1, 0, 2], [0.5, 1.5, 0.5]], { requiresGrad: true });
  const [g] = autograd.grad(F.multiMarginLoss(x, tensor([0, 1], { dtype: "int64" }), { reduction: "sum" }), [x]);
  assertClose(g!, [[-1 / 3, 0, 1 / 3], [0, 0, 0]]);
});
