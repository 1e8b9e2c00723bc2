/**
 * The "Automatic Differentiation with torch.autograd" tutorial
 * (pytorch.org/tutorials/beginner/basics/autogradqs_tutorial) translated line by line,
 * checked against PyTorch 1.13 (test/fixtures/tutorials/autograd.py -> autograd.json).
 * Lines that needed more than the mechanical changes carry a comment saying so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { eye, matmul, nn, noGrad, ones, onesLike, tensor, zeros } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { assertTensor, loadFixture } from "./common.js";

const F = loadFixture("autograd.json");

/** The tutorial's one-layer network: x, y, w, b, z and the loss. */
function network() {
  const x = ones(5); // input tensor
  const y = zeros(3); // expected output
  const w = tensor(F.w.v, { shape: [5, 3], requiresGrad: true }); // torch.randn(5, 3, requires_grad=True): PyTorch's draw, loaded (the random streams differ)
  const b = tensor(F.b.v, { requiresGrad: true }); // torch.randn(3, requires_grad=True): same
  const z = matmul(x, w).add(b);
  const loss = nn.functional.binaryCrossEntropyWithLogits(z, y);
  return { x, y, w, b, z, loss };
}

test("Autograd: z = x @ w + b, binary cross-entropy with logits, gradients of w and b", () => {
  const { x, w, b, z: z0, loss } = network();
  assertTensor(z0, F.z, { atol: 1e-6, rtol: 1e-6 });
  assertClose(loss.item(), F.loss, { atol: 1e-7, rtol: 1e-6 });
  assert.equal(`Gradient function for z = ${z0.gradFn}`, F.z_grad_fn);

  loss.backward();
  assertTensor(w.grad!, F.w_grad, { atol: 1e-7, rtol: 1e-5 });
  assertTensor(b.grad!, F.b_grad, { atol: 1e-7, rtol: 1e-5 });
  assert.equal(`${w.grad}`, F.w_grad_str);
  assert.equal(`${b.grad}`, F.b_grad_str);

  // disabling gradient tracking
  let z = matmul(x, w).add(b);
  assert.equal(z.requiresGrad, F.requires_grad_1);
  z = noGrad(() => matmul(x, w).add(b)); // with torch.no_grad(): z = torch.matmul(x, w)+b
  assert.equal(z.requiresGrad, F.requires_grad_2);
  z = matmul(x, w).add(b);
  const zDet = z.detach();
  assert.equal(zDet.requiresGrad, F.requires_grad_3);
});

test("Autograd: the loss's grad_fn prints as PyTorch's", { skip: "gap: gradFn of a composite op names its last primitive step (<DivBackward0 object>), not the op (<BinaryCrossEntropyWithLogitsBackward0 object>)" }, () => {
  const { loss } = network();
  assert.equal(`Gradient function for loss = ${loss.gradFn}`, F.loss_grad_fn);
});

test("Autograd: Jacobian-vector products with backward(gradient, retainGraph), accumulation and zero_", () => {
  const inp = eye(4, 5, { requiresGrad: true });
  const out = inp.add(1).pow(2).t();
  out.backward(onesLike(out), { retainGraph: true });
  assert.equal(`First call\n${inp.grad}`, F.first_call);
  out.backward(onesLike(out), { retainGraph: true });
  assert.equal(`\nSecond call\n${inp.grad}`, F.second_call);
  inp.grad!.zero_(); // inp.grad.zero_(): `!` because .grad may be null in the types
  out.backward(onesLike(out), true); // PyTorch's positional order works too
  assert.equal(`\nCall after zeroing gradients\n${inp.grad}`, F.after_zeroing);
  assertTensor(inp.grad!, F.inp_grad, { atol: 0, rtol: 0 });
});
