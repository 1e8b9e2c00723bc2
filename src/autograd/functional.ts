/**
 * torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp and vhp of a function, built on
 * autograd.grad as PyTorch 1.13 builds them (functional.py), with its conventions:
 *
 * - `inputs` is a Tensor or an array of Tensors (PyTorch's tuple); `func` is called with them
 *   spread (`func(...inputs)`) and may return a Tensor or an array of Tensors.
 * - A single tensor in gives tensors out; an array in gives arrays out (jacobian and hessian
 *   nest them: `J[i][j]` is output i by input j).
 * - The inputs are replaced by fresh tensors that require grad (a detached copy, or a view
 *   with createGraph), so what `func` captures from outside is not differentiated.
 * - Without createGraph the results are detached; with it they can be differentiated again.
 * - strict raises where an output does not depend on an input instead of giving zeros.
 *
 * There is no forward-mode AD in Fluxion: jvp and hvp use the double-backward trick (as
 * PyTorch's do), and so does jacobian/hessian's strategy "forward-mode" (PyTorch's result and
 * refusals, one column per backward). `vectorize` is accepted and gives the same result as
 * without it (the rows are computed one autograd.grad call each).
 */
import { ArgumentError, AutogradError, ShapeError, fmtShape } from "../errors.js";
import { describeValue } from "../api/args.js";
import { defineOp } from "../api/registry.js";
import { stack } from "../ops/shape_ops.js";
import { zeros, zerosLike } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { grad } from "./backward.js";
import { enableGrad, isGradEnabled, withGradEnabled } from "./grad_mode.js";

/** A function of tensors, as the functional API calls it: `func(...inputs)`. */
export type TensorFunc = (...inputs: Tensor[]) => Tensor | readonly Tensor[];
export type TensorOrTensors = Tensor | readonly Tensor[];

export interface FunctionalOptions {
  /** Compute the result in a differentiable way (default false). */
  createGraph?: boolean;
  /** Raise when an output is independent of an input instead of returning zeros (default false). */
  strict?: boolean;
}
export interface JacobianOptions extends FunctionalOptions {
  /** Accepted for PyTorch compatibility; the result is the same as without it. */
  vectorize?: boolean;
  /**
   * "forward-mode" (with vectorize, without createGraph or strict, as PyTorch asks) lays the
   * result out as forward mode does, computed column by column by the double-backward trick.
   */
  strategy?: "reverse-mode" | "forward-mode";
}
export interface HessianOptions extends FunctionalOptions {
  vectorize?: boolean;
  /** "forward-mode": forward-over-reverse, computed as jacobian's "forward-mode" is. */
  outerJacobianStrategy?: "reverse-mode" | "forward-mode";
}

// ---- helpers, mirroring functional.py's ------------------------------------------------

/** [was it an array, the tensors]; anything but a Tensor or an array of Tensors raises. */
function asTuple(x: unknown, argName: string, fnName: string): [boolean, Tensor[]] {
  const isTuple = Array.isArray(x);
  const items: unknown[] = isTuple ? [...(x as unknown[])] : [x];
  items.forEach((el, i) => {
    if (el instanceof Tensor) return;
    const where = isTuple ? `the value at index ${i} has type ${describeValue(el)}` : `the given ${argName} has type ${describeValue(el)}`;
    throw new ArgumentError(`autograd.functional.${fnName}: the ${argName} given to ${fnName} must be either a Tensor or an array of Tensors but ${where}`);
  });
  return [isTuple, items as Tensor[]];
}

/**
 * Fresh tensors for the inputs (PyTorch's _grad_preprocess): always new objects, so the
 * gradients are of the arguments `func` receives and not of the same tensors captured from
 * outside; differentiable views with createGraph, detached copies otherwise.
 */
function gradPreprocess(inputs: readonly Tensor[], createGraph: boolean, needGraph: boolean): Tensor[] {
  return inputs.map((t) => (createGraph && t.requiresGrad ? t.viewAs(t) : t.detach().requiresGrad_(needGraph)));
}

function gradPostprocess(ts: readonly Tensor[], createGraph: boolean): Tensor[] {
  return createGraph ? [...ts] : ts.map((t) => t.detach());
}

function validateV(fnName: string, v: readonly Tensor[], other: readonly Tensor[], isOtherTuple: boolean): void {
  if (v.length !== other.length) {
    if (isOtherTuple) throw new ArgumentError(`autograd.functional.${fnName}: v is an array of invalid length: should be ${other.length} but got ${v.length}`);
    throw new ArgumentError(`autograd.functional.${fnName}: the given v should contain a single Tensor (got an array of ${v.length})`);
  }
  v.forEach((el, i) => {
    const want = other[i]!.shape;
    if (el.shape.length !== want.length || el.shape.some((d, k) => d !== want[k])) {
      throw new ShapeError(`autograd.functional.${fnName}: ${isOtherTuple ? `entry ${i} in ` : ""}v has invalid size: should be ${fmtShape(want)} but got ${fmtShape(el.shape)}`);
    }
  });
}

type CheckKind = "outputs" | "grad_inputs" | "jacobian" | "hessian";

/** PyTorch's _check_requires_grad: in strict mode every tensor must be present and require grad. */
function checkRequiresGrad(fnName: string, ts: readonly (Tensor | null)[], kind: CheckKind, strict: boolean): void {
  if (!strict) return;
  ts.forEach((t, i) => {
    const fail = (msg: string) => {
      throw new AutogradError(`autograd.functional.${fnName}: ${msg}`);
    };
    if (t === null) fail(`the output of the user-provided function is independent of input ${i}. This is not allowed in strict mode.`);
    else if (!t.requiresGrad) {
      if (kind === "hessian") fail(`the hessian of the user-provided function with respect to input ${i} is independent of the input. This is not allowed in strict mode. You should ensure that your function is thrice differentiable and that the hessian depends on the inputs.`);
      else if (kind === "jacobian") fail(`while computing the hessian, found that the jacobian of the user-provided function with respect to input ${i} is independent of the input. This is not allowed in strict mode. You should ensure that your function is twice differentiable and that the jacobian depends on the inputs (this would be violated by a linear function for example).`);
      else if (kind === "grad_inputs") fail(`the gradient with respect to input ${i} is independent of the inputs of the user-provided function. This is not allowed in strict mode.`);
      else fail(`output ${i} of the user-provided function does not require gradients. The outputs must be computed in a differentiable manner from the input when running in strict mode.`);
    }
  });
}

/**
 * autograd.grad that skips outputs that are null or need no gradient (PyTorch's
 * _autograd_grad): all inputs get null when no output is differentiable; allowUnused.
 */
function autogradGrad(outputs: readonly (Tensor | null)[], inputs: readonly Tensor[], gradOutputs: readonly (Tensor | null)[] | null, createGraph: boolean, retainGraph?: boolean): (Tensor | null)[] {
  const outs: Tensor[] = [];
  const gos: (Tensor | null)[] = [];
  outputs.forEach((o, i) => {
    if (o !== null && o.requiresGrad) {
      outs.push(o);
      gos.push(gradOutputs?.[i] ?? null);
    }
  });
  if (outs.length === 0) return inputs.map(() => null);
  return grad(outs, inputs, { gradOutputs: gos, allowUnused: true, createGraph, retainGraph });
}

type Stage = "back" | "back_trick" | "double_back" | "double_back_trick";

/** PyTorch's _fill_in_zeros: missing gradients become zeros, or raise in strict mode. */
function fillInZeros(fnName: string, grads: readonly (Tensor | null)[], refs: readonly Tensor[], strict: boolean, createGraph: boolean, stage: Stage): Tensor[] {
  const fail = (msg: string): never => {
    throw new AutogradError(`autograd.functional.${fnName}: ${msg}`);
  };
  return grads.map((g, i) => {
    if (g === null) {
      if (strict) {
        if (stage === "back") fail(`the output of the user-provided function is independent of input ${i}. This is not allowed in strict mode.`);
        else if (stage === "back_trick") fail(`the gradient with respect to the input is independent of entry ${i} in the grad_outputs when using the double backward trick to compute forward mode gradients. This is not allowed in strict mode.`);
        else if (stage === "double_back") fail(`the jacobian of the user-provided function is independent of input ${i}. This is not allowed in strict mode.`);
        else fail(`the hessian of the user-provided function is independent of entry ${i} in the grad_jacobian. This is not allowed in strict mode as it prevents from using the double backward trick to replace forward mode AD.`);
      }
      return zerosLike(refs[i]!);
    }
    if (strict && createGraph && !g.requiresGrad) {
      const what = stage.startsWith("double") ? "hessian" : "jacobian";
      fail(`the ${what} of the user-provided function is independent of input ${i}. This is not allowed in strict mode when createGraph=true.`);
    }
    return g;
  });
}

function unpack<T>(res: readonly T[], isTuple: boolean): T | T[] {
  return isTuple ? [...res] : res[0]!;
}

/** Calls the user's function and checks what it returned. */
function callFunc(fnName: string, func: TensorFunc, inputs: readonly Tensor[]): [boolean, Tensor[]] {
  const out = func(...inputs);
  return asTuple(out, "outputs of the user-provided function", fnName);
}

function checkFunc(fnName: string, func: unknown): asserts func is TensorFunc {
  if (typeof func !== "function") throw new ArgumentError(`autograd.functional.${fnName}: func must be a function of tensors, got ${describeValue(func)}`);
}

function checkScalarOutput(fnName: string, isTuple: boolean, outputs: readonly Tensor[]): void {
  if (isTuple) throw new AutogradError(`autograd.functional.${fnName}: the function given to ${fnName} should return a single Tensor (it returned an array of ${outputs.length})`);
  if (outputs[0]!.numel() !== 1) throw new AutogradError(`autograd.functional.${fnName}: the Tensor returned by the function given to ${fnName} should contain a single element (it has shape ${fmtShape(outputs[0]!.shape)})`);
}

/** The gradient mode the final backward runs in: recorded with createGraph, else the caller's. */
function finalGradMode(createGraph: boolean): boolean {
  return createGraph ? true : isGradEnabled();
}

// ---- vjp / jvp ---------------------------------------------------------------------------

function vjpImpl(func: TensorFunc, inputsArg: unknown, vArg: unknown, createGraph: boolean, strict: boolean): [TensorOrTensors, TensorOrTensors] {
  checkFunc("vjp", func);
  const [isInputsTuple, inputs0] = asTuple(inputsArg, "inputs", "vjp");
  const { inputs, outputs, isOutputsTuple, v } = enableGrad(() => {
    const inputs = gradPreprocess(inputs0, createGraph, true);
    const [isOutputsTuple, outputs] = callFunc("vjp", func, inputs);
    checkRequiresGrad("vjp", outputs, "outputs", strict);
    let v: Tensor[] | null = null;
    if (vArg !== null && vArg !== undefined) {
      v = gradPreprocess(asTuple(vArg, "v", "vjp")[1], createGraph, false);
      validateV("vjp", v, outputs, isOutputsTuple);
    } else if (outputs.length !== 1 || outputs[0]!.numel() !== 1) {
      throw new AutogradError("autograd.functional.vjp: the vector v can only be omitted if the user-provided function returns a single Tensor with a single element.");
    }
    return { inputs, outputs, isOutputsTuple, v };
  });
  const vjp = withGradEnabled(finalGradMode(createGraph), () => fillInZeros("vjp", autogradGrad(outputs, inputs, v, createGraph), inputs, strict, createGraph, "back"));
  return [unpack(gradPostprocess(outputs, createGraph), isOutputsTuple), unpack(gradPostprocess(vjp, createGraph), isInputsTuple)];
}

function jvpImpl(func: TensorFunc, inputsArg: unknown, vArg: unknown, createGraph: boolean, strict: boolean): [TensorOrTensors, TensorOrTensors] {
  checkFunc("jvp", func);
  const [isInputsTuple, inputs0] = asTuple(inputsArg, "inputs", "jvp");
  const { outputs, isOutputsTuple, v, gradOutputs, gradInputs } = enableGrad(() => {
    const inputs = gradPreprocess(inputs0, createGraph, true);
    let v: Tensor[] | null = null;
    if (vArg !== null && vArg !== undefined) {
      v = gradPreprocess(asTuple(vArg, "v", "jvp")[1], createGraph, false);
      validateV("jvp", v, inputs, isInputsTuple);
    } else if (inputs.length !== 1 || inputs[0]!.numel() !== 1) {
      throw new AutogradError("autograd.functional.jvp: the vector v can only be omitted if the input to the user-provided function is a single Tensor with a single element.");
    }
    const [isOutputsTuple, outputs] = callFunc("jvp", func, inputs);
    checkRequiresGrad("jvp", outputs, "outputs", strict);
    // the double-backward trick: u -> J^T u is linear in u, so differentiating it with respect
    // to u at any u (zeros here) in direction v gives J v
    const gradOutputs = outputs.map((o) => zerosLike(o).requiresGrad_(o.isFloatingPoint()));
    const gradInputs = autogradGrad(outputs, inputs, gradOutputs, true);
    checkRequiresGrad("jvp", gradInputs, "grad_inputs", strict);
    return { outputs, isOutputsTuple, v, gradOutputs, gradInputs };
  });
  const run = () => fillInZeros("jvp", autogradGrad(gradInputs, gradOutputs, v, createGraph), outputs, strict, createGraph, "back_trick");
  const jvp = createGraph ? enableGrad(run) : run();
  return [unpack(gradPostprocess(outputs, createGraph), isOutputsTuple), unpack(gradPostprocess(jvp, createGraph), isOutputsTuple)];
}

// ---- jacobian / hessian ------------------------------------------------------------------

function checkStrategy(fnName: string, name: string, strategy: string, createGraph: boolean, strict: boolean, vectorize: boolean): void {
  if (strategy !== "forward-mode") return;
  // PyTorch's refusals, in its order (hessian passes createGraph on to jacobian, which refuses it)
  if (createGraph) throw new AutogradError(`autograd.functional.${fnName}: createGraph=true and ${name}="forward-mode" are not supported together (yet). Please either set createGraph=false or ${name}="reverse-mode".`);
  if (strict) throw new AutogradError(`autograd.functional.${fnName}: strict=true and ${name}="forward-mode" are not supported together (yet). Please either set strict=false or ${name}="reverse-mode".`);
  if (!vectorize) throw new AutogradError(`autograd.functional.${fnName}: computing the Jacobian using forward-mode AD is only implemented for vectorize=true (as in PyTorch)`);
}

/**
 * The Jacobian column by column, as PyTorch's strategy "forward-mode" lays it out (each result
 * in its output's dtype, zeros where an output does not depend on an input). Fluxion has no
 * forward-mode AD, so each column J·e is a jvp by the double-backward trick: one backward with
 * recorded gradient outputs u, then one backward of that per input element.
 */
function jacobianForward(fnName: string, func: TensorFunc, inputs0: readonly Tensor[]): { jac: Tensor[][]; isOutputsTuple: boolean } {
  return enableGrad(() => {
    const inputs = gradPreprocess(inputs0, false, true);
    const [isOutputsTuple, outputs] = callFunc(fnName, func, inputs);
    const u = outputs.map((o) => zerosLike(o).requiresGrad_(o.isFloatingPoint()));
    const gradInputs = autogradGrad(outputs, inputs, u, true);
    const differentiable = u.flatMap((t, i) => (t.requiresGrad ? [i] : []));
    const cols: Tensor[][][] = outputs.map(() => inputs.map(() => []));
    inputs.forEach((x, k) => {
      const g = gradInputs[k] ?? null;
      const flat = g?.reshape(-1);
      for (let j = 0; j < x.numel(); j++) {
        // element j of g = Jᵀu is linear in u: its gradient with respect to u is column j of J
        const jv: (Tensor | null)[] = outputs.map(() => null);
        if (flat?.requiresGrad && differentiable.length) {
          const got = autogradGrad([flat.select(0, j)], differentiable.map((i) => u[i]!), null, false, true);
          differentiable.forEach((i, n) => (jv[i] = got[n]!));
        }
        outputs.forEach((o, i) => cols[i]![k]!.push((jv[i] ?? zerosLike(o)).detach()));
      }
    });
    const jac = outputs.map((o, i) => inputs.map((x, k) => {
      const shape = [...o.shape, ...x.shape];
      const c = cols[i]![k]!;
      return c.length && o.numel() ? stack(c, -1).reshape(shape) : zeros(shape, { dtype: o.dtype, device: o.device });
    }));
    return { jac, isOutputsTuple };
  });
}

/** The Jacobian as nested arrays [output][input], before unpacking. */
function jacobianRows(fnName: string, func: TensorFunc, inputs0: readonly Tensor[], createGraph: boolean, strict: boolean, vectorize: boolean): { jac: Tensor[][]; isOutputsTuple: boolean } {
  return enableGrad(() => {
    const inputs = gradPreprocess(inputs0, createGraph, true);
    const [isOutputsTuple, outputs] = callFunc(fnName, func, inputs);
    checkRequiresGrad(fnName, outputs, "outputs", strict);
    if (vectorize && strict) throw new AutogradError(`autograd.functional.${fnName}: strict=true and vectorize=true are not supported together. Please either set strict=false or vectorize=false.`);
    const jac = outputs.map((out, i) => {
      const rows: Tensor[][] = inputs.map(() => []);
      const flat = out.reshape(-1);
      for (let j = 0; j < out.numel(); j++) {
        const vj = autogradGrad([flat.select(0, j)], inputs, null, createGraph, true);
        vj.forEach((g, k) => {
          if (g !== null) {
            if (strict && createGraph && !g.requiresGrad) throw new AutogradError(`autograd.functional.${fnName}: the jacobian of the user-provided function is independent of input ${k}. This is not allowed in strict mode when createGraph=true.`);
            rows[k]!.push(g);
          } else {
            if (strict) throw new AutogradError(`autograd.functional.${fnName}: output ${i} of the user-provided function is independent of input ${k}. This is not allowed in strict mode.`);
            rows[k]!.push(zerosLike(inputs[k]!));
          }
        });
      }
      // an output with no elements has an empty Jacobian (PyTorch's torch.stack raises here)
      return rows.map((r, k) => (r.length ? stack(r, 0).view([...out.shape, ...inputs[k]!.shape]) : zeros([...out.shape, ...inputs[k]!.shape], { dtype: inputs[k]!.dtype, device: inputs[k]!.device })));
    });
    return { jac: jac.map((row) => gradPostprocess(row, createGraph)), isOutputsTuple };
  });
}

function jacobianImpl(func: TensorFunc, inputsArg: unknown, createGraph: boolean, strict: boolean, vectorize: boolean, strategy: string): TensorOrTensors | Tensor[][] {
  checkFunc("jacobian", func);
  checkStrategy("jacobian", "strategy", strategy, createGraph, strict, vectorize);
  const [isInputsTuple, inputs] = asTuple(inputsArg, "inputs", "jacobian");
  const { jac, isOutputsTuple } = strategy === "forward-mode"
    ? jacobianForward("jacobian", func, inputs)
    : jacobianRows("jacobian", func, inputs, createGraph, strict, vectorize);
  const perOutput = jac.map((row) => unpack(row, isInputsTuple));
  return isOutputsTuple ? (perOutput as Tensor[] | Tensor[][]) : perOutput[0]!;
}

function hessianImpl(func: TensorFunc, inputsArg: unknown, createGraph: boolean, strict: boolean, vectorize: boolean, strategy: string): Tensor | Tensor[][] {
  checkFunc("hessian", func);
  const [isInputsTuple, inputs] = asTuple(inputsArg, "inputs", "hessian");
  checkStrategy("hessian", "outerJacobianStrategy", strategy, createGraph, strict, vectorize);
  const singleOutput = (...inp: Tensor[]): Tensor => {
    const [isTuple, outs] = callFunc("hessian", func, inp);
    checkRequiresGrad("hessian", outs, "outputs", strict);
    checkScalarOutput("hessian", isTuple, outs);
    return outs[0]!.squeeze();
  };
  // the gradient (a Jacobian of the scalar), recorded, per input
  const jacFunc = (...inp: Tensor[]): Tensor[] => {
    const g = jacobianRows("hessian", singleOutput, inp, true, false, false).jac[0]!;
    checkRequiresGrad("hessian", g, "jacobian", strict);
    return g;
  };
  // forward-over-reverse: the outer Jacobian's columns by the double-backward trick
  const { jac } = strategy === "forward-mode" ? jacobianForward("hessian", jacFunc, inputs) : jacobianRows("hessian", jacFunc, inputs, createGraph, strict, vectorize);
  return isInputsTuple ? jac : jac[0]![0]!;
}

// ---- hvp / vhp ---------------------------------------------------------------------------

/** The common start of vhp and hvp: inputs, the scalar output and its recorded gradient. */
function secondOrderSetup(fnName: "vhp" | "hvp", func: TensorFunc, inputsArg: unknown, vArg: unknown, createGraph: boolean, strict: boolean) {
  checkFunc(fnName, func);
  const [isInputsTuple, inputs0] = asTuple(inputsArg, "inputs", fnName);
  const inputs = gradPreprocess(inputs0, createGraph, true);
  let v: Tensor[] | null = null;
  if (vArg !== null && vArg !== undefined) {
    v = gradPreprocess(asTuple(vArg, "v", fnName)[1], createGraph, false);
    validateV(fnName, v, inputs, isInputsTuple);
  } else if (inputs.length !== 1 || inputs[0]!.numel() !== 1) {
    throw new AutogradError(`autograd.functional.${fnName}: the vector v can only be omitted if the input to the user-provided function is a single Tensor with a single element.`);
  }
  const [isOutputsTuple, outputs] = callFunc(fnName, func, inputs);
  checkRequiresGrad(fnName, outputs, "outputs", strict);
  checkScalarOutput(fnName, isOutputsTuple, outputs);
  const jac = autogradGrad(outputs, inputs, null, true);
  checkRequiresGrad(fnName, jac, "jacobian", strict);
  return { isInputsTuple, inputs, v, outputs, jac };
}

function vhpImpl(func: TensorFunc, inputsArg: unknown, vArg: unknown, createGraph: boolean, strict: boolean): [Tensor, TensorOrTensors] {
  const { isInputsTuple, inputs, v, outputs, jac } = enableGrad(() => secondOrderSetup("vhp", func, inputsArg, vArg, createGraph, strict));
  const vhp = withGradEnabled(finalGradMode(createGraph), () => fillInZeros("vhp", autogradGrad(jac, inputs, v, createGraph), inputs, strict, createGraph, "double_back"));
  return [gradPostprocess(outputs, createGraph)[0]!, unpack(gradPostprocess(vhp, createGraph), isInputsTuple)];
}

function hvpImpl(func: TensorFunc, inputsArg: unknown, vArg: unknown, createGraph: boolean, strict: boolean): [Tensor, TensorOrTensors] {
  const { isInputsTuple, inputs, v, outputs, gradJac, doubleBack } = enableGrad(() => {
    const s = secondOrderSetup("hvp", func, inputsArg, vArg, createGraph, strict);
    // double-backward trick again: u -> H^T u is linear in u; its derivative in direction v is H v
    const gradJac = s.inputs.map((t) => zerosLike(t).requiresGrad_(true));
    const doubleBack = autogradGrad(s.jac, s.inputs, gradJac, true);
    checkRequiresGrad("hvp", s.jac, "hessian", strict);
    return { ...s, gradJac, doubleBack };
  });
  const hvp = withGradEnabled(finalGradMode(createGraph), () => fillInZeros("hvp", autogradGrad(doubleBack, gradJac, v, createGraph), inputs, strict, createGraph, "double_back_trick"));
  return [gradPostprocess(outputs, createGraph)[0]!, unpack(gradPostprocess(hvp, createGraph), isInputsTuple)];
}

// ---- the public functions, declared in PyTorch's positional order -------------------------

const G = "autograd.functional";

/**
 * The Jacobian of `func` at `inputs` (torch.autograd.functional.jacobian): for one input and
 * one output a Tensor of shape [...output.shape, ...input.shape]; with an array of inputs or
 * outputs an array, with both `J[i][j]` for output i and input j.
 *
 * @example
 * const J = autograd.functional.jacobian((x) => x.exp().sum(1), randn([2, 2]));  // shape [2, 2, 2]
 */
export const jacobian = defineOp(
  'jacobian(Callable func, Any inputs, bool createGraph=false, bool strict=false, bool vectorize=false, "reverse-mode"|"forward-mode" strategy="reverse-mode") -> Any',
  jacobianImpl,
  { group: G },
) as unknown as {
  (func: TensorFunc, inputs: Tensor, opts?: JacobianOptions): Tensor | Tensor[];
  (func: TensorFunc, inputs: readonly Tensor[], opts?: JacobianOptions): Tensor[] | Tensor[][];
  (func: TensorFunc, inputs: TensorOrTensors, opts?: JacobianOptions): Tensor | Tensor[] | Tensor[][];
  (func: TensorFunc, inputs: TensorOrTensors, createGraph?: boolean, strict?: boolean, vectorize?: boolean, strategy?: "reverse-mode" | "forward-mode"): Tensor | Tensor[] | Tensor[][];
};

/**
 * The Hessian of a scalar `func` at `inputs` (torch.autograd.functional.hessian): for one
 * input a Tensor of shape [...input.shape, ...input.shape]; for an array of inputs `H[i][j]`.
 *
 * @example
 * const H = autograd.functional.hessian((x) => x.pow(3).sum(), tensor([1, 2]));  // [[6, 0], [0, 12]]
 */
export const hessian = defineOp(
  'hessian(Callable func, Any inputs, bool createGraph=false, bool strict=false, bool vectorize=false, "reverse-mode"|"forward-mode" outerJacobianStrategy="reverse-mode") -> Any',
  hessianImpl,
  { group: G },
) as unknown as {
  (func: TensorFunc, inputs: Tensor, opts?: HessianOptions): Tensor;
  (func: TensorFunc, inputs: readonly Tensor[], opts?: HessianOptions): Tensor[][];
  (func: TensorFunc, inputs: TensorOrTensors, opts?: HessianOptions): Tensor | Tensor[][];
  (func: TensorFunc, inputs: TensorOrTensors, createGraph?: boolean, strict?: boolean, vectorize?: boolean, outerJacobianStrategy?: "reverse-mode" | "forward-mode"): Tensor | Tensor[][];
};

type ProductFn<Out> = {
  (func: TensorFunc, inputs: Tensor, v?: TensorOrTensors | null, opts?: FunctionalOptions): [Out, Tensor];
  (func: TensorFunc, inputs: readonly Tensor[], v?: TensorOrTensors | null, opts?: FunctionalOptions): [Out, Tensor[]];
  (func: TensorFunc, inputs: TensorOrTensors, opts?: FunctionalOptions): [Out, TensorOrTensors];
  (func: TensorFunc, inputs: TensorOrTensors, v?: TensorOrTensors | null, opts?: FunctionalOptions): [Out, TensorOrTensors];
  (func: TensorFunc, inputs: TensorOrTensors, v?: TensorOrTensors | null, createGraph?: boolean, strict?: boolean): [Out, TensorOrTensors];
};
/** jvp's second result has the outputs' structure, not the inputs'. */
type JvpFn = {
  (func: TensorFunc, inputs: TensorOrTensors, v?: TensorOrTensors | null, opts?: FunctionalOptions): [TensorOrTensors, TensorOrTensors];
  (func: TensorFunc, inputs: TensorOrTensors, opts?: FunctionalOptions): [TensorOrTensors, TensorOrTensors];
  (func: TensorFunc, inputs: TensorOrTensors, v?: TensorOrTensors | null, createGraph?: boolean, strict?: boolean): [TensorOrTensors, TensorOrTensors];
};

/**
 * `[func(inputs), vᵀ·J]` (torch.autograd.functional.vjp); `v` has the outputs' shapes and may
 * be left out when the output has one element. The product has the inputs' structure.
 *
 * @example
 * const [y, g] = autograd.functional.vjp((x) => x.exp().sum(1), x, ones([4]));
 */
export const vjp = defineOp("vjp(Callable func, Any inputs, Any? v=null, bool createGraph=false, bool strict=false) -> Any", vjpImpl, { group: G }) as unknown as ProductFn<TensorOrTensors>;

/**
 * `[func(inputs), J·v]` (torch.autograd.functional.jvp), by the double-backward trick as in
 * PyTorch; `v` has the inputs' shapes. The product has the outputs' structure.
 *
 * @example
 * const [y, jv] = autograd.functional.jvp((x) => x.exp().sum(1), x, ones([4, 4]));
 */
export const jvp = defineOp("jvp(Callable func, Any inputs, Any? v=null, bool createGraph=false, bool strict=false) -> Any", jvpImpl, { group: G }) as unknown as JvpFn;

/**
 * `[func(inputs), vᵀ·H]` for a scalar `func` (torch.autograd.functional.vhp).
 *
 * @example
 * const [y, p] = autograd.functional.vhp((x) => x.pow(3).sum(), x, ones([2, 2]));
 */
export const vhp = defineOp("vhp(Callable func, Any inputs, Any? v=null, bool createGraph=false, bool strict=false) -> Any", vhpImpl, { group: G }) as unknown as ProductFn<Tensor>;

/**
 * `[func(inputs), H·v]` for a scalar `func` (torch.autograd.functional.hvp), by the
 * double-backward trick as in PyTorch (slower than vhp; equal to it for a symmetric Hessian).
 *
 * @example
 * const [y, p] = autograd.functional.hvp((x) => x.pow(3).sum(), x, ones([2, 2]));
 */
export const hvp = defineOp("hvp(Callable func, Any inputs, Any? v=null, bool createGraph=false, bool strict=false) -> Any", hvpImpl, { group: G }) as unknown as ProductFn<Tensor>;
