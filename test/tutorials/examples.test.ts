/**
 * "Learning PyTorch with Examples" (pytorch.org/tutorials/beginner/pytorch_with_examples)
 * translated line by line: the third-order polynomial fit of sin(x) with tensors and manual
 * gradients, with autograd, with a custom autograd.Function, with nn.Sequential, with
 * optim.RMSprop, with a custom nn.Module, and the control-flow DynamicNet. Checked against
 * PyTorch 1.13 (test/fixtures/tutorials/examples.py -> examples.json): the losses printed
 * every 100 steps and the final coefficients.
 *
 * As in examples.py: `steps` iterations instead of 2000 (30000 for DynamicNet), PyTorch's
 * random initial values are loaded (the random streams differ), and DynamicNet's
 * random.randint(4, 6) is the schedule 4, 5, 6, 4, ... Lines that needed more than the
 * mechanical changes carry a comment saying so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { autograd, full, linspace, nn, noGrad, optim, sin, tensor, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { assertTensor, loadFixture } from "./common.js";

const F = loadFixture("examples.json");
const steps: number = F.steps;
const dtype = fx.float;
const device = "cpu"; // torch.device("cpu")

/** Compares [t, loss] pairs: same steps, losses to float32 accuracy over hundreds of steps. */
function assertLosses(got: [number, number][], want: [number, number][]): void {
  assert.deepEqual(got.map(([t]) => t), want.map(([t]) => t));
  assertClose(got.map(([, l]) => l), want.map(([, l]) => l), { rtol: 1e-4 });
}

/** torch.randn((), dtype=dtype, requires_grad=...): PyTorch's draw, loaded (the random streams differ). */
function recorded(v: number, requiresGrad = false): Tensor {
  return tensor(v, { dtype, requiresGrad }); // not mechanical: a recorded value instead of a draw
}

test("Examples: tensors and manual gradients (polynomial_tensor)", () => {
  // Create random input and output data
  const x = linspace(-Math.PI, Math.PI, 2000, { device, dtype });
  const y = sin(x);

  // Randomly initialize weights
  const a = recorded(F.tensor.init[0]); // torch.randn((), device=device, dtype=dtype)
  const b = recorded(F.tensor.init[1]);
  const c = recorded(F.tensor.init[2]);
  const d = recorded(F.tensor.init[3]);

  const learningRate = 1e-6;
  const losses: [number, number][] = [];
  for (let t = 0; t < steps; t++) {
    // Forward pass: compute predicted y
    const yPred = a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3))); // a + b * x + c * x ** 2 + d * x ** 3

    // Compute and print loss
    const loss = yPred.sub(y).pow(2).sum().item();
    if (t % 100 === 99) losses.push([t, loss]);

    // Backprop to compute gradients of a, b, c, d with respect to loss
    const gradYPred = yPred.sub(y).mul(2.0); // 2.0 * (y_pred - y)
    const gradA = gradYPred.sum();
    const gradB = gradYPred.mul(x).sum();
    const gradC = gradYPred.mul(x.pow(2)).sum();
    const gradD = gradYPred.mul(x.pow(3)).sum();

    // Update weights using gradient descent
    a.sub_(gradA.mul(learningRate)); // a -= learning_rate * grad_a
    b.sub_(gradB.mul(learningRate));
    c.sub_(gradC.mul(learningRate));
    d.sub_(gradD.mul(learningRate));
  }
  assertLosses(losses, F.tensor.losses);
  assertClose([a.item(), b.item(), c.item(), d.item()], F.tensor.result, { atol: 1e-6, rtol: 1e-4 });
  const result = `Result: y = ${a.item()} + ${b.item()} x + ${c.item()} x^2 + ${d.item()} x^3`;
  // JS prints the shortest double that round-trips, Python the same rule: equal text means equal float32 values
  assert.match(result, /^Result: y = \S+ \+ \S+ x \+ \S+ x\^2 \+ \S+ x\^3$/);
});

test("Examples: autograd (polynomial_autograd)", () => {
  const x = linspace(-Math.PI, Math.PI, 2000, { dtype });
  const y = sin(x);
  const a = recorded(F.autograd.init[0], true); // torch.randn((), dtype=dtype, requires_grad=True)
  const b = recorded(F.autograd.init[1], true);
  const c = recorded(F.autograd.init[2], true);
  const d = recorded(F.autograd.init[3], true);

  const learningRate = 1e-6;
  const losses: [number, number][] = [];
  for (let t = 0; t < steps; t++) {
    const yPred = a.add(b.mul(x)).add(c.mul(x.pow(2))).add(d.mul(x.pow(3)));
    const loss = yPred.sub(y).pow(2).sum();
    if (t % 100 === 99) losses.push([t, loss.item()]);
    loss.backward();
    noGrad(() => { // with torch.no_grad():
      a.sub_(a.grad!.mul(learningRate)); // a -= learning_rate * a.grad
      b.sub_(b.grad!.mul(learningRate));
      c.sub_(c.grad!.mul(learningRate));
      d.sub_(d.grad!.mul(learningRate));

      // Manually zero the gradients after updating weights
      a.grad = null;
      b.grad = null;
      c.grad = null;
      d.grad = null;
    });
  }
  assertLosses(losses, F.autograd.losses);
  assertClose([a.item(), b.item(), c.item(), d.item()], F.autograd.result, { atol: 1e-6, rtol: 1e-4 });
});

/**
 * We can implement our own custom autograd Functions by subclassing
 * torch.autograd.Function and implementing the forward and backward passes
 * which operate on Tensors.
 */
class LegendrePolynomial3 extends autograd.Function {
  static override forward(ctx: autograd.FunctionCtx, input: Tensor): Tensor { // not mechanical: `override` and the parameter types (TypeScript)
    ctx.saveForBackward(input);
    return input.pow(3).mul(5).sub(input.mul(3)).mul(0.5); // 0.5 * (5 * input ** 3 - 3 * input)
  }

  static override backward(ctx: autograd.FunctionCtx, gradOutput: Tensor): Tensor {
    const [input] = ctx.savedTensors; // input, = ctx.saved_tensors
    return gradOutput.mul(1.5).mul(input!.pow(2).mul(5).sub(1)); // grad_output * 1.5 * (5 * input ** 2 - 1)
  }
}

test("Examples: a custom autograd.Function, LegendrePolynomial3, applied detached (polynomial_custom_function)", () => {
  const x = linspace(-Math.PI, Math.PI, 2000, { device, dtype });
  const y = sin(x);
  const a = full([], 0.0, { device, dtype, requiresGrad: true }); // torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
  const b = full([], -1.0, { device, dtype, requiresGrad: true });
  const c = full([], 0.0, { device, dtype, requiresGrad: true });
  const d = full([], 0.3, { device, dtype, requiresGrad: true });

  const learningRate = 5e-6;
  const losses: [number, number][] = [];
  for (let t = 0; t < steps; t++) {
    // To apply our Function, we use Function.apply method. We alias this as 'P3'.
    const P3 = LegendrePolynomial3.apply;

    // Forward pass: compute predicted y using operations; we compute
    // P3 using our custom autograd operation.
    const yPred = a.add(b.mul(P3<Tensor>(c.add(d.mul(x))))); // not mechanical: P3<Tensor>, apply's result type is not inferred from forward's, and inside mul(...) it does not default to Tensor

    // Compute and print loss
    const loss = yPred.sub(y).pow(2).sum();
    if (t % 100 === 99) losses.push([t, loss.item()]);

    // Use autograd to compute the backward pass.
    loss.backward();

    // Update weights using gradient descent
    noGrad(() => {
      a.sub_(a.grad!.mul(learningRate));
      b.sub_(b.grad!.mul(learningRate));
      c.sub_(c.grad!.mul(learningRate));
      d.sub_(d.grad!.mul(learningRate));

      // Manually zero the gradients after updating weights
      a.grad = null;
      b.grad = null;
      c.grad = null;
      d.grad = null;
    });
  }
  assertLosses(losses, F.custom_function.losses);
  // a and c stay near 0 (sin is odd): absolute tolerance for them
  assertClose([a.item(), b.item(), c.item(), d.item()], F.custom_function.result, { atol: 1e-6, rtol: 1e-4 });
});

/** x, y = sin(x) and xx = x.unsqueeze(-1).pow(p) of polynomial_nn and polynomial_optim. */
function polynomialData() {
  const x = linspace(-Math.PI, Math.PI, 2000);
  const y = sin(x);
  const p = tensor([1, 2, 3]); // float32 here, int64 in PyTorch: the powers are the same
  const xx = x.unsqueeze(-1).pow(p);
  return { x, y, xx };
}

/** PyTorch's default initialisation of the Linear(3, 1), loaded (the random streams differ). */
function loadRecordedInit(linear: nn.Linear, init: { weight: { v: number[] }; bias: { v: number[] } }): void {
  noGrad(() => {
    linear.weight.copy_(tensor(init.weight.v, { shape: [1, 3] }));
    linear.bias!.copy_(tensor(init.bias.v));
  });
}

test("Examples: nn.Sequential with Linear and Flatten(0, 1), MSELoss(reduction='sum') (polynomial_nn)", () => {
  const { y, xx } = polynomialData();
  assertTensor(xx.index(":3"), F.nn.xx, { atol: 1e-6, rtol: 1e-6 });

  const model = new nn.Sequential(
    new nn.Linear(3, 1),
    new nn.Flatten(0, 1),
  );
  loadRecordedInit(model[0] as nn.Linear, F.nn.init); // not mechanical: the recorded initial weights
  assert.equal(`${model}`, F.nn.model_str);
  const lossFn = new nn.MSELoss({ reduction: "sum" });

  const learningRate = 1e-6;
  const losses: [number, number][] = [];
  for (let t = 0; t < steps; t++) {
    const yPred = model(xx);
    const loss = lossFn(yPred, y);
    if (t % 100 === 99) losses.push([t, loss.item()]);
    model.zeroGrad();
    loss.backward();
    noGrad(() => {
      for (const param of model.parameters()) param.sub_(param.grad!.mul(learningRate)); // param -= learning_rate * param.grad
    });
  }

  const linearLayer = model[0] as nn.Linear; // model[0]: not mechanical, Sequential indexing is typed Module, so a cast to reach .weight
  assertLosses(losses, F.nn.losses);
  const result = [linearLayer.bias!.item(), linearLayer.weight.index(":", 0).item(), linearLayer.weight.index(":", 1).item(), linearLayer.weight.index(":", 2).item()]; // linear_layer.weight[:, 0].item()
  assertClose(result, F.nn.result, { atol: 1e-6, rtol: 1e-4 });
});

test("Examples: optim.RMSprop (polynomial_optim)", () => {
  const { y, xx } = polynomialData();
  const model = new nn.Sequential(
    new nn.Linear(3, 1),
    new nn.Flatten(0, 1),
  );
  loadRecordedInit(model[0] as nn.Linear, F.optim.init); // not mechanical: the recorded initial weights
  const lossFn = new nn.MSELoss({ reduction: "sum" });

  const learningRate = 1e-3;
  const optimizer = new optim.RMSprop(model.parameters(), { lr: learningRate });
  const losses: [number, number][] = [];
  for (let t = 0; t < steps; t++) {
    const yPred = model(xx);
    const loss = lossFn(yPred, y);
    if (t % 100 === 99) losses.push([t, loss.item()]);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  }

  const linearLayer = model[0] as nn.Linear; // cast: see above
  assertLosses(losses, F.optim.losses);
  const result = [linearLayer.bias!.item(), linearLayer.weight.index(":", 0).item(), linearLayer.weight.index(":", 1).item(), linearLayer.weight.index(":", 2).item()];
  assertClose(result, F.optim.result, { atol: 1e-6, rtol: 1e-4 });
});

class Polynomial3 extends nn.Module {
  a: nn.Parameter; // not mechanical: TypeScript wants the fields declared
  b: nn.Parameter;
  c: nn.Parameter;
  d: nn.Parameter;

  /**
   * In the constructor we instantiate four parameters and assign them as
   * member parameters.
   */
  constructor(init: number[]) { // not mechanical: takes PyTorch's recorded draws
    super();
    this.a = new nn.Parameter(recorded(init[0]!)); // torch.nn.Parameter(torch.randn(()))
    this.b = new nn.Parameter(recorded(init[1]!));
    this.c = new nn.Parameter(recorded(init[2]!));
    this.d = new nn.Parameter(recorded(init[3]!));
  }

  forward(x: Tensor): Tensor {
    return this.a.add(this.b.mul(x)).add(this.c.mul(x.pow(2))).add(this.d.mul(x.pow(3)));
  }

  string(): string {
    return `y = ${this.a.item()} + ${this.b.item()} x + ${this.c.item()} x^2 + ${this.d.item()} x^3`;
  }
}

test("Examples: a custom nn.Module with four Parameters (polynomial_module)", () => {
  const { x, y } = polynomialData();
  const model = new Polynomial3(F.module.init);
  assert.deepEqual([...model.namedParameters()].map(([n]) => n), F.module.param_names);
  const criterion = new nn.MSELoss({ reduction: "sum" });
  const optimizer = new optim.SGD(model.parameters(), { lr: 1e-6 });
  const losses: [number, number][] = [];
  for (let t = 0; t < steps; t++) {
    const yPred = model(x);
    const loss = criterion(yPred, y);
    if (t % 100 === 99) losses.push([t, loss.item()]);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
  }
  assertLosses(losses, F.module.losses);
  assertClose(model.parameters().map((p) => p.item()), F.module.result, { atol: 1e-6, rtol: 1e-4 });
  assert.match(`Result: ${model.string()}`, /^Result: y = \S+ \+ \S+ x \+ \S+ x\^2 \+ \S+ x\^3$/);
});

/** random.randint(4, 6) replaced by 4, 5, 6, 4, 5, 6, ... (as in examples.py). */
const random = {
  calls: 0,
  randint(lo: number, hi: number): number {
    return lo + (this.calls++ % (hi - lo + 1));
  },
};

class DynamicNet extends nn.Module {
  a: nn.Parameter; // not mechanical: TypeScript wants the fields declared
  b: nn.Parameter;
  c: nn.Parameter;
  d: nn.Parameter;
  e: nn.Parameter;

  /**
   * In the constructor we instantiate five parameters and assign them as members.
   */
  constructor(init: number[]) { // not mechanical: takes PyTorch's recorded draws
    super();
    this.a = new nn.Parameter(recorded(init[0]!));
    this.b = new nn.Parameter(recorded(init[1]!));
    this.c = new nn.Parameter(recorded(init[2]!));
    this.d = new nn.Parameter(recorded(init[3]!));
    this.e = new nn.Parameter(recorded(init[4]!));
  }

  /**
   * For the forward pass of the model, we randomly choose either 4, 5
   * and reuse the e parameter to compute the contribution of these orders.
   *
   * Since each forward pass builds a dynamic computation graph, we can use normal
   * Python control-flow operators like loops or conditional statements when
   * defining the forward pass of the model.
   *
   * Here we also see that it is perfectly safe to reuse the same parameter many
   * times when defining a computational graph.
   */
  forward(x: Tensor): Tensor {
    let y = this.a.add(this.b.mul(x)).add(this.c.mul(x.pow(2))).add(this.d.mul(x.pow(3)));
    const stop = random.randint(4, 6); // not mechanical: range(4, random.randint(4, 6)) draws its bound once; a JS for condition would draw it on every pass
    for (let exp = 4; exp < stop; exp++) { // for exp in range(4, stop)
      y = y.add(this.e.mul(x.pow(exp)));
    }
    return y;
  }

  string(): string {
    return `y = ${this.a.item()} + ${this.b.item()} x + ${this.c.item()} x^2 + ${this.d.item()} x^3 + ${this.e.item()} x^4 ? + ${this.e.item()} x^5 ?`;
  }
}

/** The tutorial's DynamicNet training loop; `zeroGrad` is how the loop clears gradients. */
function trainDynamicNet(zeroGrad: (optimizer: optim.SGD) => void) {
  random.calls = 0;
  const { x, y } = polynomialData();
  const model = new DynamicNet(F.dynamic.init);
  const criterion = new nn.MSELoss({ reduction: "sum" });
  const optimizer = new optim.SGD(model.parameters(), { lr: 1e-8, momentum: 0.9 });
  const losses: [number, number][] = [];
  for (let t = 0; t < steps; t++) {
    const yPred = model(x);
    const loss = criterion(yPred, y);
    if (t % 100 === 99) losses.push([t, loss.item()]);
    zeroGrad(optimizer); // optimizer.zero_grad()
    loss.backward();
    optimizer.step();
  }
  return { model, losses };
}

test("Examples: DynamicNet, control flow in forward, SGD with momentum (dynamic_net)", () => {
  // optimizer.zeroGrad() sets gradients to null, PyTorch 2's default (set_to_none=True): on
  // the steps that skip x^4 and x^5, e has no gradient and SGD leaves it (and its momentum) alone
  const { model, losses } = trainDynamicNet((optimizer) => optimizer.zeroGrad());
  assertLosses(losses, F.dynamic_set_to_none.losses);
  assertClose(model.parameters().map((p) => p.item()), F.dynamic_set_to_none.result, { atol: 1e-6, rtol: 1e-4 });
  assert.match(`Result: ${model.string()}`, /^Result: y = \S+ \+ \S+ x \+ \S+ x\^2 \+ \S+ x\^3 \+ \S+ x\^4 \? \+ \S+ x\^5 \?$/);
});

test("Examples: DynamicNet with PyTorch 1.13's zero_grad() (gradients zeroed, not removed)", () => {
  // not mechanical: PyTorch 1.13's zero_grad() defaults to set_to_none=False (zeros, so momentum
  // keeps moving an unused e); Fluxion's zeroGrad() follows PyTorch 2 (null), so 1.13's numbers need zeroGrad(false)
  const { model, losses } = trainDynamicNet((optimizer) => optimizer.zeroGrad(false));
  assertLosses(losses, F.dynamic.losses);
  assertClose(model.parameters().map((p) => p.item()), F.dynamic.result, { atol: 1e-6, rtol: 1e-4 });
});
