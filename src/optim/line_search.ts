/**
 * LBFGS's strong-Wolfe line search and its cubic interpolation: PyTorch 1.13's
 * `_strong_wolfe` and `_cubic_interpolate` (torch/optim/lbfgs.py), line for line.
 *
 * PyTorch's versions mix Python floats (losses, constants) with 0-d tensors (directional
 * derivatives, and step lengths once they have been computed from them), and its results
 * depend on which is which: a float meeting a float32 tensor is rounded to float32. So the
 * quantities here are `Num`s, a JS number or a 0-d tensor, and the small helpers below do
 * arithmetic as Python does on them. The comparisons read one element on the host, as
 * PyTorch's `if` on a tensor does.
 */
import { readHostItem } from "../tensor/host_read.js";
import type { Tensor } from "../tensor/tensor.js";

/** A Python float (a number) or a 0-d tensor. */
export type Num = number | Tensor;

const isNum = (v: Num): v is number => typeof v === "number";

// Python's operators on floats and tensors: a tensor operand makes the result a tensor
export const add = (a: Num, b: Num): Num => (isNum(a) ? (isNum(b) ? a + b : b.add(a)) : a.add(b));
// float - tensor is Tensor.__rsub__: the float minus the tensor, i.e. −b + a
export const sub = (a: Num, b: Num): Num => (isNum(a) ? (isNum(b) ? a - b : b.neg().add(a)) : a.sub(b));
export const mul = (a: Num, b: Num): Num => (isNum(a) ? (isNum(b) ? a * b : b.mul(a)) : a.mul(b));
// float / tensor is Tensor.__rtruediv__: reciprocal() * float
export const div = (a: Num, b: Num): Num => (isNum(a) ? (isNum(b) ? a / b : b.reciprocal().mul(a)) : a.div(b));
export const abs = (a: Num): Num => (isNum(a) ? Math.abs(a) : a.abs());

/** A one-element tensor's value (Python's float(t)); numbers as they are. */
export function toNumber(a: Num): number {
  return isNum(a) ? a : Number(readHostItem<number>(a, "LBFGS"));
}

function truth(t: Tensor): boolean {
  return Boolean(readHostItem<boolean>(t, "LBFGS"));
}
// `float < tensor` is evaluated by the tensor (Tensor.__gt__): in its dtype, as PyTorch does
export const lt = (a: Num, b: Num): boolean => (isNum(a) ? (isNum(b) ? a < b : truth(b.gt(a))) : truth(a.lt(b)));
export const le = (a: Num, b: Num): boolean => (isNum(a) ? (isNum(b) ? a <= b : truth(b.ge(a))) : truth(a.le(b)));
export const gt = (a: Num, b: Num): boolean => lt(b, a);
export const ge = (a: Num, b: Num): boolean => le(b, a);
/** Python's max(a, b): a unless b > a (so the first of equals, whichever type it is). */
export const pyMax = (a: Num, b: Num): Num => (gt(b, a) ? b : a);
/** Python's min(a, b): a unless b < a. */
export const pyMin = (a: Num, b: Num): Num => (lt(b, a) ? b : a);

/**
 * The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped
 * to `bounds` (default: between x1 and x2); their midpoint when the cubic has no minimum.
 */
export function cubicInterpolate(x1: Num, f1: number, g1: Num, x2: Num, f2: number, g2: Num, bounds?: [Num, Num]): Num {
  const [xminBound, xmaxBound] = bounds ?? (le(x1, x2) ? [x1, x2] : [x2, x1]);
  const d1 = sub(add(g1, g2), div(3 * (f1 - f2), sub(x1, x2)));
  const d2Square = sub(mul(d1, d1), mul(g1, g2)); // d1 ** 2: PyTorch squares by multiplying
  if (ge(d2Square, 0)) {
    const d2 = isNum(d2Square) ? Math.sqrt(d2Square) : d2Square.sqrt();
    const minPos = le(x1, x2)
      ? sub(x2, mul(sub(x2, x1), div(sub(add(g2, d2), d1), add(sub(g2, g1), mul(2, d2)))))
      : sub(x1, mul(sub(x1, x2), div(sub(add(g1, d2), d1), add(sub(g1, g2), mul(2, d2)))));
    return pyMin(pyMax(minPos, xminBound), xmaxBound);
  }
  return div(add(xminBound, xmaxBound), 2.0);
}

/** Evaluates the objective at x + t·d: its loss and flat gradient (and puts x back). */
export type DirectionalObjective = (x: Tensor[], t: Num, d: Tensor) => [number, Tensor];

/**
 * A step length along `d` satisfying the strong Wolfe conditions (sufficient decrease c1,
 * curvature c2), by bracketing and then zooming with cubic interpolation. Returns the loss,
 * the flat gradient and the step length found, and how many evaluations it took.
 */
export function strongWolfe(
  obj: DirectionalObjective, x: Tensor[], tIn: Num, d: Tensor, f: number, gIn: Tensor, gtd: Tensor,
  c1 = 1e-4, c2 = 0.9, toleranceChange = 1e-9, maxLs = 25,
): [number, Tensor, Num, number] {
  let t = tIn;
  const dNorm = d.abs().max();
  const g = gIn.clone();
  // evaluate objective and gradient using the initial step
  let [fNew, gNew] = obj(x, t, d);
  let lsFuncEvals = 1;
  let gtdNew: Num = gNew.dot(d);

  // bracket an interval containing a point satisfying the Wolfe criteria
  let tPrev: Num = 0, fPrev = f, gPrev = g, gtdPrev: Num = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: Num[] = [], bracketF: number[] = [], bracketG: Tensor[] = [], bracketGtd: Num[] = [];
  while (lsIter < maxLs) {
    // check conditions
    if (gt(fNew, add(f, mul(mul(c1, t), gtd))) || (lsIter > 1 && fNew >= fPrev)) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew.clone()], [gtdPrev, gtdNew]];
      break;
    }
    if (le(abs(gtdNew), mul(-c2, gtd))) {
      [bracket, bracketF, bracketG] = [[t], [fNew], [gNew]];
      done = true;
      break;
    }
    if (ge(gtdNew, 0)) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew.clone()], [gtdPrev, gtdNew]];
      break;
    }
    // interpolate
    const minStep = add(t, mul(0.01, sub(t, tPrev)));
    const maxStep = mul(t, 10);
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    // next step
    tPrev = tmp;
    fPrev = fNew;
    gPrev = gNew.clone();
    gtdPrev = gtdNew;
    [fNew, gNew] = obj(x, t, d);
    lsFuncEvals += 1;
    gtdNew = gNew.dot(d);
    lsIter += 1;
  }
  // reached max number of iterations?
  if (lsIter === maxLs) [bracket, bracketF, bracketG] = [[0, t], [f, fNew], [g, gNew]];

  // zoom phase: we now have a point satisfying the criteria, or a bracket around it;
  // refine the bracket until we find the exact point satisfying the criteria
  let insufProgress = false;
  // find high and low points in bracket
  let [lowPos, highPos] = bracketF[0]! <= bracketF[bracketF.length - 1]! ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    // line-search bracket is so small
    if (lt(mul(abs(sub(bracket[1]!, bracket[0]!)), dNorm), toleranceChange)) break;
    // compute new trial value
    t = cubicInterpolate(bracket[0]!, bracketF[0]!, bracketGtd[0]!, bracket[1]!, bracketF[1]!, bracketGtd[1]!);
    // test that we are making sufficient progress: if t is too close to the boundary, mark
    // it as making insufficient progress, and if we made insufficient progress last time or
    // t is at one of the boundaries, move t to 0.1·|bracket| away from the nearest boundary
    const bMax = pyMax(bracket[0]!, bracket[1]!), bMin = pyMin(bracket[0]!, bracket[1]!);
    const eps = mul(0.1, sub(bMax, bMin));
    if (lt(pyMin(sub(bMax, t), sub(t, bMin)), eps)) {
      // interpolation close to boundary
      if (insufProgress || ge(t, bMax) || le(t, bMin)) {
        // evaluate at 0.1 away from boundary
        t = lt(abs(sub(t, bMax)), abs(sub(t, bMin))) ? sub(bMax, eps) : add(bMin, eps);
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }
    // evaluate new point
    [fNew, gNew] = obj(x, t, d);
    lsFuncEvals += 1;
    gtdNew = gNew.dot(d);
    lsIter += 1;
    if (gt(fNew, add(f, mul(mul(c1, t), gtd))) || fNew >= bracketF[lowPos]!) {
      // Armijo condition not satisfied or not lower than lowest point
      bracket[highPos] = t;
      bracketF[highPos] = fNew;
      bracketG[highPos] = gNew.clone();
      bracketGtd[highPos] = gtdNew;
      [lowPos, highPos] = bracketF[0]! <= bracketF[1]! ? [0, 1] : [1, 0];
    } else {
      if (le(abs(gtdNew), mul(-c2, gtd))) {
        // Wolfe conditions satisfied
        done = true;
      } else if (ge(mul(gtdNew, sub(bracket[highPos]!, bracket[lowPos]!)), 0)) {
        // old high becomes new low
        bracket[highPos] = bracket[lowPos]!;
        bracketF[highPos] = bracketF[lowPos]!;
        bracketG[highPos] = bracketG[lowPos]!;
        bracketGtd[highPos] = bracketGtd[lowPos]!;
      }
      // new point becomes new low
      bracket[lowPos] = t;
      bracketF[lowPos] = fNew;
      bracketG[lowPos] = gNew.clone();
      bracketGtd[lowPos] = gtdNew;
    }
  }
  // return stuff
  return [bracketF[lowPos]!, bracketG[lowPos]!, bracket[lowPos]!, lsFuncEvals];
}
