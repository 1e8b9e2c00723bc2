/** Custom autograd.Function ops, and gradcheck/gradgradcheck themselves. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, AutogradError, Tensor, autograd, noGrad, tensor } from "../../src/index.js";
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

test("saveForBackward keeps null in place (PyTorch's None, as the docs' LinearFunction saves a missing bias) and refuses non-tensors", () => {
  let seen: (Tensor | null)[] = [];
  class MaybeBias extends Function {
    static override forward(ctx: Ctx, x: Tensor, bias: Tensor | null = null) {
      ctx.saveForBackward(x, bias, x);
      return bias === null ? x.mul(2) : x.mul(2).add(bias);
    }
    static override backward(ctx: Ctx, g: Tensor) {
      seen = ctx.savedTensors;
      // a third gradient for the bias argument forward was not given: extra trailing nulls are allowed
      return [g.mul(2), seen[1] === null ? null : g, null];
    }
  }
  const x = tensor([1, 2], { requiresGrad: true });
  MaybeBias.apply(x).sum().backward();
  assert.equal(seen.length, 3);
  assert.equal(seen[1], null);
  assert.deepEqual(seen[2]!.tolist(), [1, 2]);
  assert.deepEqual(x.grad!.tolist(), [2, 2]);
  const b = tensor([1, 1], { requiresGrad: true });
  MaybeBias.apply(x, b).sum().backward();
  assert.deepEqual(b.grad!.tolist(), [1, 1]);

  class SavesNumber extends Function {
    static override forward(ctx: Ctx, x: Tensor) {
      ctx.saveForBackward(x, 3 as unknown as Tensor);
      return x.mul(1);
    }
  }
  assert.throws(() => SavesNumber.apply(x), (e: Error) => e instanceof ArgumentError && /saveForBackward\(\): can only save tensors \(or null\), but argument 1 is int 3/.test(e.message));
});

test("backward may return a single null or Tensor, but not a gradient for a non-tensor argument nor too many non-null ones", () => {
  class ScaleBy extends Function {
    static override forward(ctx: Ctx, x: Tensor, k: number) {
      ctx.k = k;
      return x.mul(k);
    }
    static override backward(ctx: Ctx, g: Tensor) {
      return [g.mul(ctx.k as number), tensor(1)];
    }
  }
  const x = tensor([1, 2], { requiresGrad: true });
  assert.throws(() => ScaleBy.apply(x, 3).sum().backward(), (e: Error) => e instanceof AutogradError && /ScaleBy.backward returned a gradient different than null at position 1, but the corresponding forward argument was not a Tensor \(int 3\)/.test(e.message));
  class NoGradForX extends Function {
    static override forward(_ctx: Ctx, x: Tensor) {
      return x.mul(2);
    }
    static override backward(): Tensor | null {
      return null;
    }
  }
  const y = tensor([1, 2], { requiresGrad: true });
  NoGradForX.apply(y).sum().add(y.sum()).backward();
  assert.deepEqual(y.grad!.tolist(), [1, 1]);
  class TooMany extends Function {
    static override forward(_ctx: Ctx, x: Tensor) {
      return x.mul(2);
    }
    static override backward(_ctx: Ctx, g: Tensor) {
      return [g, g];
    }
  }
  assert.throws(() => TooMany.apply(y).sum().backward(), /TooMany.backward returned 2 gradients but forward took 1 arguments/);
});

test("markNonDifferentiable: the output does not require grad, and backward still gets a zero gradient for it", () => {
  let gotForMask: number[] | null = null;
  class SortLike extends Function {
    static override forward(ctx: Ctx, x: Tensor) {
      const mask = x.gt(0).to(x.dtype);
      ctx.markNonDifferentiable(mask);
      return [x.mul(3), mask];
    }
    static override backward(_ctx: Ctx, g: Tensor, gMask: Tensor) {
      gotForMask = gMask.tolist() as number[];
      return g.mul(3);
    }
  }
  const x = tensor([-1, 2], { requiresGrad: true });
  const [y, mask] = SortLike.apply<Tensor[]>(x);
  assert.equal(y!.requiresGrad, true);
  assert.equal(mask!.requiresGrad, false);
  assert.equal(mask!.gradFn, null);
  assert.throws(() => mask!.sum().backward(), /does not require grad/);
  y!.sum().backward();
  assert.deepEqual(gotForMask, [0, 0]);
  assert.deepEqual(x.grad!.tolist(), [3, 3]);
  assert.throws(() => new FunctionCtx().markNonDifferentiable(1 as unknown as Tensor), (e: Error) => e instanceof ArgumentError && /markNonDifferentiable\(\): arguments must be output tensors of forward, but argument 0 is int 1/.test(e.message));
});

test("setMaterializeGrads(false): backward sees null for outputs that received no gradient", () => {
  const seen: boolean[][] = [];
  class SinCos extends Function {
    static override forward(ctx: Ctx, x: Tensor, materialize: boolean) {
      ctx.setMaterializeGrads(materialize);
      ctx.saveForBackward(x);
      return [x.sin(), x.cos()];
    }
    static override backward(ctx: Ctx, gs: Tensor | null, gc: Tensor | null) {
      const [x] = ctx.savedTensors;
      seen.push([gs === null, gc === null]);
      const a = gs === null ? null : gs.mul(x!.cos());
      const b = gc === null ? null : gc.neg().mul(x!.sin());
      return [a === null ? b : b === null ? a : a.add(b), null];
    }
  }
  const x = tensor([0.5, 1], { requiresGrad: true, dtype: "float64" });
  SinCos.apply<Tensor[]>(x, false)[0]!.sum().backward();
  SinCos.apply<Tensor[]>(x, false)[1]!.sum().backward();
  SinCos.apply<Tensor[]>(x, true)[0]!.sum().backward();
  assert.deepEqual(seen, [[false, true], [true, false], [false, false]]);
  assertClose(x.grad!, [2 * Math.cos(0.5) - Math.sin(0.5), 2 * Math.cos(1) - Math.sin(1)]);
  assert.throws(() => new FunctionCtx().setMaterializeGrads(0 as unknown as boolean), (e: Error) => e instanceof ArgumentError && /setMaterializeGrads\(\): argument 'value' must be a boolean, but got int 0/.test(e.message));
});

test("gradcheck takes a single Tensor, passes non-tensor arguments through, and checks only differentiable outputs", () => {
  const x = randomTensor([3], { seed: 15, requiresGrad: true });
  assert.equal(gradcheck((t) => t.sin(), x), true);
  assert.equal(gradcheck(ScaledSumDiff.apply, [x, randomTensor([3], { seed: 16, requiresGrad: true }), 2.5]), true);
  assert.equal(gradgradcheck(ScaledSumDiff.apply, [x, randomTensor([3], { seed: 17, requiresGrad: true }), 2.5]), true);
  // a non-differentiable output that changes with the input is not compared (PyTorch's _differentiable_outputs)
  class RoundToo extends Function {
    static override forward(ctx: Ctx, t: Tensor) {
      const r = t.mul(100).round();
      ctx.markNonDifferentiable(r);
      return [t.mul(2), r];
    }
    static override backward(_ctx: Ctx, g: Tensor) {
      return g.mul(2);
    }
  }
  assert.equal(gradcheck(RoundToo.apply, [x], { eps: 1e-3 }), true);
  assert.throws(() => gradcheck((t) => t, "x" as unknown as Tensor), (e: Error) => e instanceof GradcheckError && /inputs must be a Tensor or an array of arguments, but got string "x"/.test(e.message));
  assert.throws(() => gradcheck(() => 1 as unknown as Tensor, x), (e: Error) => e instanceof GradcheckError && /fn must return a Tensor or an array of Tensors, but output 0 is int 1/.test(e.message));
});
