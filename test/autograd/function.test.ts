/** Custom autograd.Function ops, and gradcheck/gradgradcheck themselves. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AutogradError, Tensor, autograd, noGrad, tensor } from "../../src/index.js";
import { assertClose, nonContiguous, randomTensor } from "../helpers.js";

const { Function, FunctionCtx, gradcheck, gradgradcheck, GradcheckError } = autograd;
type Ctx = InstanceType<typeof FunctionCtx>;

class Cube extends Function {
  static override forward(ctx: Ctx, x: Tensor) {
    ctx.saveForBackward(x);
    return x.pow(3);
  }
  static override backward(ctx: Ctx, g: Tensor) {
    const [x] = ctx.savedTensors;
    return [g.mul(x!.pow(2)).mul(3)];
  }
}

/** Deliberately wrong: d/dx x^3 is not 2x^2. */
class WrongCube extends Function {
  static override forward(ctx: Ctx, x: Tensor) {
    ctx.saveForBackward(x);
    return x.pow(3);
  }
  static override backward(ctx: Ctx, g: Tensor) {
    const [x] = ctx.savedTensors;
    return [g.mul(x!.pow(2)).mul(2)];
  }
}

/** Right first derivative, but written with a non-differentiable detour: its second derivative is wrong. */
class FlatSquare extends Function {
  static override forward(ctx: Ctx, x: Tensor) {
    ctx.saveForBackward(x);
    return x.mul(x);
  }
  static override backward(ctx: Ctx, g: Tensor) {
    const [x] = ctx.savedTensors;
    return [g.mul(x!.detach()).mul(2)];
  }
}

/** Two tensor inputs, a non-tensor argument, two outputs. */
class ScaledSumDiff extends Function {
  static override forward(ctx: Ctx, a: Tensor, b: Tensor, scale: number) {
    ctx.scale = scale;
    ctx.saveForBackward(a, b);
    return [a.add(b).mul(scale), a.mul(b)];
  }
  static override backward(ctx: Ctx, gSum: Tensor, gProd: Tensor) {
    const [a, b] = ctx.savedTensors;
    const s = ctx.scale as number;
    return [
      ctx.needsInputGrad[0] ? gSum.mul(s).add(gProd.mul(b!)) : null,
      ctx.needsInputGrad[1] ? gSum.mul(s).add(gProd.mul(a!)) : null,
      null,
    ];
  }
}

test("a custom Function computes its forward and its backward", () => {
  const x = tensor([1, 2, -3], { requiresGrad: true });
  const y = Cube.apply(x);
  assert.deepEqual(y.tolist(), [1, 8, -27]);
  assert.equal(y.gradFn!.name, "CubeBackward");
  y.sum().backward();
  assert.deepEqual(x.grad!.tolist(), [3, 12, 27]);
});

test("forward runs without recording; no graph when no input requires grad", () => {
  let recordedInside = true;
  class Probe extends Function {
    static override forward(_ctx: Ctx, x: Tensor) {
      const r = x.mul(2);
      recordedInside = r.requiresGrad;
      return r;
    }
    static override backward(_ctx: Ctx, g: Tensor) {
      return [g.mul(2)];
    }
  }
  const out = Probe.apply(tensor([1], { requiresGrad: true }));
  assert.equal(recordedInside, false);
  assert.equal(out.requiresGrad, true);
  const plain = Probe.apply(tensor([1]));
  assert.equal(plain.requiresGrad, false);
  assert.equal(noGrad(() => Probe.apply(tensor([1], { requiresGrad: true }))).requiresGrad, false);
});

test("multiple inputs and outputs, non-tensor arguments and needsInputGrad", () => {
  const a = tensor([1, 2], { requiresGrad: true });
  const b = tensor([3, 4]);
  let needs: boolean[] = [];
  class Spy extends ScaledSumDiff {
    static override backward(ctx: Ctx, gSum: Tensor, gProd: Tensor) {
      needs = [...ctx.needsInputGrad];
      return super.backward(ctx, gSum, gProd);
    }
  }
  const [s, p] = Spy.apply<Tensor[]>(a, b, 10);
  assert.deepEqual(s!.tolist(), [40, 60]);
  assert.deepEqual(p!.tolist(), [3, 8]);
  s!.sum().add(p!.sum()).backward();
  assert.deepEqual(needs, [true, false, false]);
  assert.deepEqual(a.grad!.tolist(), [13, 14]);
  assert.equal(b.grad, null);
});

test("an unused output of a custom Function receives a zero gradient", () => {
  const a = tensor([1, 2], { requiresGrad: true, dtype: "float64" });
  const b = tensor([3, 4], { requiresGrad: true, dtype: "float64" });
  const [, p] = ScaledSumDiff.apply<Tensor[]>(a, b, 10);
  p!.sum().backward();
  assert.deepEqual(a.grad!.tolist(), [3, 4]);
  assert.deepEqual(b.grad!.tolist(), [1, 2]);
});

test("saved tensors of a custom Function are version-checked", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const h = x.mul(1);
  const y = Cube.apply(h);
  h.add_(1);
  assert.throws(() => y.sum().backward(), (e: Error) => e instanceof AutogradError && /CubeBackward: one of the variables needed for gradient computation has been modified by an inplace operation: \[float32 \[2\]\] is at version 1; expected version 0 instead/.test(e.message));
  assert.throws(() => new FunctionCtx().savedTensors, /only available inside backward/);
});

test("a backward returning the wrong number or shape of gradients is an error", () => {
  class TooFew extends Function {
    static override forward(_ctx: Ctx, a: Tensor, b: Tensor) {
      return a.add(b);
    }
    static override backward(_ctx: Ctx, g: Tensor) {
      return [g];
    }
  }
  const a = tensor([1, 2], { requiresGrad: true }), b = tensor([1, 2], { requiresGrad: true });
  assert.throws(() => TooFew.apply(a, b).sum().backward(), /TooFew.backward returned 1 gradients but forward took 2 arguments/);
  class BadShape extends Function {
    static override forward(_ctx: Ctx, a: Tensor) {
      return a.mul(2);
    }
    static override backward(_ctx: Ctx, g: Tensor) {
      return [g.sum()];
    }
  }
  assert.throws(() => BadShape.apply(a).sum().backward(), /gradient BadShapeBackward returned for its input 0 has shape \[\] but the tensor it is the gradient of has shape \[2\]/);
});

test("a custom Function supports double backward when its backward is differentiable", () => {
  const x = tensor([1.5, -2], { requiresGrad: true, dtype: "float64" });
  const [g] = autograd.grad(Cube.apply(x).sum(), x, { createGraph: true });
  const [h] = autograd.grad(g!.sum(), x);
  assertClose(h!, [9, -12]);
  assert.equal(gradgradcheck((t) => Cube.apply(t), [x]), true);
});

test("gradcheck passes for correct gradients, including non-contiguous inputs", () => {
  const x = randomTensor([3, 2], { seed: 7, requiresGrad: true });
  assert.equal(gradcheck((t) => Cube.apply(t), [x]), true);
  assert.equal(gradcheck((t) => t.sin().mul(t).sum(0), [x]), true);
  const nc = nonContiguous(randomTensor([3, 2], { seed: 8 })).requiresGrad_();
  assert.equal(nc.isContiguous(), false);
  assert.equal(gradcheck((t) => t.exp().matmul(t.t()), [nc]), true);
  const a = randomTensor([2], { seed: 9, requiresGrad: true });
  const b = randomTensor([2], { seed: 10, requiresGrad: true });
  assert.equal(gradcheck((p, q) => ScaledSumDiff.apply<Tensor[]>(p, q, 3), [a, b]), true);
});

test("gradcheck FAILS on a wrong custom backward, naming the mismatch", () => {
  const x = randomTensor([3], { seed: 11, lo: 0.5, hi: 2, requiresGrad: true });
  assert.throws(
    () => gradcheck((t) => WrongCube.apply(t), [x]),
    (e: Error) => e instanceof GradcheckError && /Jacobian mismatch for output 0 \(shape \[3\]\) with respect to input 0 \(shape \[3\]\), element \[0, 0\]: numerical .*, analytical/.test(e.message),
  );
  assert.equal(gradcheck((t) => WrongCube.apply(t), [x], { raiseException: false }), false);
});

test("gradgradcheck FAILS when only the second derivative is wrong", () => {
  const x = randomTensor([3], { seed: 12, requiresGrad: true });
  assert.equal(gradcheck((t) => FlatSquare.apply(t), [x]), true, "first derivative is right");
  assert.throws(() => gradgradcheck((t) => FlatSquare.apply(t), [x]), GradcheckError);
  assert.equal(gradgradcheck((t) => FlatSquare.apply(t), [x], { raiseException: false }), false);
});

test("gradcheck insists on float64 inputs and at least one input requiring grad", () => {
  assert.throws(() => gradcheck((t) => t.mul(2), [tensor([1, 2], { requiresGrad: true })]), /input 0 has dtype float32; use float64/);
  assert.throws(() => gradcheck((t) => t.mul(2), [tensor([1, 2], { dtype: "float64" })]), /no input requires grad/);
  const expanded = tensor([1], { dtype: "float64" }).expand(3).requiresGrad_();
  assert.throws(() => gradcheck((t) => t.mul(2), [expanded]), /has overlapping memory/);
});

test("gradcheck ignores inputs that do not require grad and integer outputs", () => {
  const x = randomTensor([4], { seed: 13, requiresGrad: true });
  const c = randomTensor([4], { seed: 14 });
  assert.equal(gradcheck((t, k) => [t.mul(k), t.gt(0)], [x, c]), true);
});
