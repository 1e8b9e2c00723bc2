/**
 * gradcheck / gradgradcheck with PyTorch 1.13's signatures: the options it honours
 * (nondetTol's reentrancy check, checkGradDtypes, checkBackwardAd, gradgradcheck's positional
 * gradOutputs and genNonContigGradOutputs), the ones accepted with the same verdict (fastMode,
 * checkUndefinedGrad), the ones that need vmap or forward-mode AD (raise when true), and an
 * unknown option (raises instead of being ignored).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, AutogradError, autograd, ones, randn, type Tensor } from "../../src/index.js";

const { Function, gradcheck, gradgradcheck, GradcheckError } = autograd;
type Ctx = autograd.FunctionCtx;
const x = randn([3], { dtype: "float64" }).requiresGrad_();
const cube = (t: Tensor) => t.pow(3);

test("gradcheck and gradgradcheck take PyTorch's options; an unknown one raises, naming it", () => {
  assert.equal(gradcheck(cube, [x], { eps: 1e-6, atol: 1e-5, rtol: 1e-3, nondetTol: 0, fastMode: true, checkUndefinedGrad: true, checkGradDtypes: true }), true);
  assert.equal(gradgradcheck(cube, [x], { fastMode: true, checkUndefinedGrad: false, checkBatchedGrad: false }), true);
  assert.throws(() => gradcheck(cube, [x], { fast_mode: true } as never), (e: Error) => e instanceof ArgumentError && /gradcheck\(\) got an unexpected option 'fast_mode'/.test(e.message));
  assert.throws(() => gradgradcheck(cube, [x], { bogus: 1 } as never), (e: Error) => e instanceof ArgumentError && /unexpected option 'bogus'/.test(e.message));
});

test("the checks that need vmap, forward-mode AD or sparse tensors raise when asked for, rather than pass unchecked", () => {
  for (const [name, call] of [
    ["checkBatchedGrad", () => gradcheck(cube, [x], { checkBatchedGrad: true })],
    ["checkForwardAd", () => gradcheck(cube, [x], { checkForwardAd: true })],
    ["checkBatchedForwardGrad", () => gradcheck(cube, [x], { checkBatchedForwardGrad: true })],
    ["checkSparseNnz", () => gradcheck(cube, [x], { checkSparseNnz: true })],
    ["checkFwdOverRev", () => gradgradcheck(cube, [x], { checkFwdOverRev: true })],
    ["checkBatchedGrad", () => gradgradcheck(cube, [x], { checkBatchedGrad: true })],
  ] as const) {
    assert.throws(call, (e: Error) => e instanceof AutogradError && new RegExp(`${name}=true is not supported`).test(e.message), name);
  }
});

test("gradgradcheck's positional gradOutputs are used (a wrong shape raises); genNonContigGradOutputs passes", () => {
  const go = ones([3], { dtype: "float64" }).requiresGrad_();
  assert.equal(gradgradcheck(cube, [x], [go]), true);
  assert.equal(gradgradcheck(cube, [x], go), true);
  assert.equal(gradgradcheck(cube, [x], [ones([3], { dtype: "float64" })]), true); // not requiring grad: only the inputs are checked
  assert.throws(() => gradgradcheck(cube, [x], [ones([5], { dtype: "float64" })]), /shape/);
  assert.throws(() => gradgradcheck(cube, [x], [go, go]), (e: Error) => e instanceof GradcheckError && /got 2 gradOutputs for 1 differentiable output/.test(e.message));
  const m = randn([2, 3], { dtype: "float64" }).requiresGrad_();
  assert.equal(gradgradcheck((t) => t.tanh().mul(t), [m], { genNonContigGradOutputs: true }), true);
  // a wrong second derivative is caught through the given gradOutputs too
  class BadSquare extends Function {
    static override forward(ctx: Ctx, t: Tensor): Tensor {
      ctx.saveForBackward(t);
      return t.pow(2);
    }
    static override backward(ctx: Ctx, g: Tensor): Tensor {
      const [t] = ctx.savedTensors;
      return g.mul(t!.detach()).mul(2); // detached: no second derivative
    }
  }
  assert.equal(gradcheck((t: Tensor) => BadSquare.apply(t), [x]), true);
  assert.equal(gradgradcheck((t: Tensor) => BadSquare.apply(t), [x], [go], { raiseException: false }), false);
});

test("nondetTol: a backward that differs between runs fails the reentrancy check unless within tolerance", () => {
  let calls = 0;
  class Jittery extends Function {
    static override forward(ctx: Ctx, t: Tensor): Tensor {
      return t.mul(2);
    }
    static override backward(_ctx: Ctx, g: Tensor): Tensor {
      calls++;
      return g.mul(2 + (calls % 2) * 1e-7); // alternates between two values 1e-7 apart
    }
  }
  const f = (t: Tensor) => Jittery.apply(t);
  assert.throws(() => gradcheck(f, [x]), (e: Error) => e instanceof GradcheckError && /Backward is not reentrant.*tolerance for nondeterminism was 0/.test(e.message));
  assert.equal(gradcheck(f, [x], { nondetTol: 1e-6 }), true);
});

test("checkGradDtypes passes where the engine casts a gradient to its input's dtype (as PyTorch's); checkBackwardAd false checks nothing", () => {
  class WrongDtype extends Function {
    static override forward(_ctx: Ctx, t: Tensor): Tensor {
      return t.mul(3);
    }
    static override backward(_ctx: Ctx, g: Tensor): Tensor {
      return g.mul(3).float();
    }
  }
  const f = (t: Tensor) => WrongDtype.apply(t);
  assert.equal(gradcheck(f, [x], { atol: 1e-4 }), true);
  assert.equal(autograd.grad(f(x).sum(), x)[0]!.dtype, "float64");
  assert.equal(gradcheck(f, [x], { atol: 1e-4, checkGradDtypes: true }), true);
  assert.equal(gradcheck((t: Tensor) => t.detach().mul(2).requiresGrad_(), [x], { checkBackwardAd: false }), true);
});
