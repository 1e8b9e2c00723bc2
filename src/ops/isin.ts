/**
 * torch.isin: for each element, whether it equals any of the test elements (compared in
 * their promoted dtype, so int 2 is in [2.0]). Like PyTorch, a small test set is compared
 * with every element at once (an [..., n] broadcast), a large one is sorted and each
 * element looked up by binary search (searchsorted); PyTorch's size rule picks between the
 * two. NaN is never in anything (PyTorch 1.13's sorting path, unlike its broadcast one, can
 * say NaN is in a set holding NaN; here both paths compare with ==). assumeUnique is a
 * hint PyTorch uses to skip deduplication: the result here does not depend on it.
 */
import { noGrad } from "../autograd/grad_mode.js";
import { ArgumentError, DTypeError, fmtShape } from "../errors.js";
import { defineOp } from "../api/registry.js";
import { zeros } from "../tensor/creation.js";
import { isFloating } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { whereImpl as where } from "./elementwise.js";
import { asTensor, deviceOf, resultTypeOf, type TensorLike } from "./helpers.js";
import { SEARCHSORTED_FNS } from "./searchsorted.js";

/** The dtypes PyTorch's isin refuses outright (its kernels sort, and have no bool or bfloat16 comparison path). */
function checkDType(x: TensorLike): void {
  if (x instanceof Tensor && (x.dtype === "bool" || x.dtype === "bfloat16")) {
    throw new DTypeError(`isin: unsupported input type encountered for isin(): ${x.dtype} (shape ${fmtShape(x.shape)})`);
  }
}

/**
 * A boolean tensor of elements' shape: true where the element is in testElements (false
 * with invert). Either argument may be a scalar, not both.
 * @example isin(tensor([1, 2, 3, 4]), tensor([2, 4, 6])) // [false, true, false, true]
 */
export function isin(elements: TensorLike, testElements: TensorLike, invert = false): Tensor {
  if (!(elements instanceof Tensor) && !(testElements instanceof Tensor)) {
    throw new ArgumentError("isin: at least one of elements and testElements must be a Tensor, got two scalars");
  }
  checkDType(elements);
  checkDType(testElements);
  const dtype = resultTypeOf(elements, testElements);
  const device = deviceOf(elements, testElements);
  const e = asTensor(elements, dtype, device), t = asTensor(testElements, dtype, device).reshape([-1]);
  return noGrad(() => {
    const n = t.numel(), flat = e.reshape([-1]);
    let found: Tensor;
    if (n === 0) found = zeros(flat.shape, { dtype: "bool", device });
    else if (n < 10 * Math.pow(flat.numel(), 0.145)) {
      // PyTorch's rule for the broadcast comparison: cheaper than sorting for a few test elements
      found = flat.unsqueeze(1).eq(t.unsqueeze(0)).any(1);
    } else {
      const sorted = t.sort().values;
      // the search needs an ordered sequence: NaN (sorted last) is searched as +inf, and the
      // check reads the original, so +inf only finds a real +inf
      const keys = isFloating(dtype) ? where(sorted.isnan(), Infinity, sorted) : sorted;
      const at = SEARCHSORTED_FNS.searchsorted(keys, flat).clampMax(n - 1);
      found = sorted.take(at).eq(flat);
    }
    return (invert ? found.logicalNot() : found).reshape(e.shape);
  });
}

type Kw = { assumeUnique: boolean; invert: boolean };

/** The public, argument-checked form (torch.isin). */
export const ISIN_FNS = {
  isin: defineOp(
    "isin(Tensor|Scalar elements, Tensor|Scalar testElements, *, bool assumeUnique=false, bool invert=false) -> Tensor",
    (elements: TensorLike, testElements: TensorLike, { invert }: Kw) => isin(elements, testElements, invert),
  ),
};
