/**
 * PyTorch's alternative names of elementwise ops (NumPy's spellings): arccos is acos, negative
 * is neg, fix is trunc, absolute is abs, trueDivide is div without a rounding mode, multiply,
 * subtract and divide are mul, sub and div, greater/greaterEqual/less/lessEqual/notEqual are
 * gt/ge/lt/le/ne, each with the in-place form PyTorch has. They are declared ops of their own (checked arguments, docs,
 * errors naming the alias) that run the op they alias. positive returns self, as PyTorch's.
 */
import { DTypeError } from "../errors.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import type { Fn } from "../api/types.js";
import type { Tensor } from "../tensor/tensor.js";
import type { TensorLike } from "./helpers.js";
import { add, div, mul, sub } from "./elementwise.js";

/** alias -> the Tensor method it runs (unary ops). */
const UNARY_ALIASES = {
  arccos: "acos", arcsin: "asin", arctan: "atan", arccosh: "acosh", arcsinh: "asinh", arctanh: "atanh",
  negative: "neg", absolute: "abs", fix: "trunc",
} as const;
type UnaryAlias = keyof typeof UNARY_ALIASES;

/** alias -> the Tensor method it runs (binary ops without options). */
const BINARY_ALIASES = {
  greater: "gt", greaterEqual: "ge", less: "lt", lessEqual: "le", notEqual: "ne",
} as const;
type BinaryAlias = keyof typeof BINARY_ALIASES;
type BinaryDecl<K extends string> = `${K}(Tensor self, Tensor|Scalar other, *, Tensor? out=null) -> Tensor`;

const BINARY_SIGS = {
  multiply: "multiply(Tensor self, Tensor|Scalar other, *, Tensor? out=null) -> Tensor",
  multiply_: "multiply_(Tensor self, Tensor|Scalar other) -> self",
  subtract: "subtract(Tensor self, Tensor|Scalar other, *, Scalar alpha=1, Tensor? out=null) -> Tensor",
  subtract_: "subtract_(Tensor self, Tensor|Scalar other, *, Scalar alpha=1) -> self",
  divide: "divide(Tensor self, Tensor|Scalar other, *, \"trunc\"|\"floor\"? roundingMode=null, Tensor? out=null) -> Tensor",
  divide_: "divide_(Tensor self, Tensor|Scalar other, *, \"trunc\"|\"floor\"? roundingMode=null) -> self",
  arctan2: "arctan2(Tensor self, Tensor|Scalar other, *, Tensor? out=null) -> Tensor",
  arctan2_: "arctan2_(Tensor self, Tensor|Scalar other) -> self",
  trueDivide: "trueDivide(Tensor self, Tensor|Scalar other, *, Tensor? out=null) -> Tensor",
  trueDivide_: "trueDivide_(Tensor self, Tensor|Scalar other) -> self",
  positive: "positive(Tensor self) -> Tensor",
  ravel: "ravel(Tensor self) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<{ [K in UnaryAlias]: UnaryDecl<K> }>,
    MethodsOf<{ [K in UnaryAlias as `${K}_`]: `${K}_(Tensor self) -> self` }>, MethodsOf<typeof BINARY_SIGS>,
    MethodsOf<{ [K in BinaryAlias]: BinaryDecl<K> }>, MethodsOf<{ [K in BinaryAlias as `${K}_`]: `${K}_(Tensor self, Tensor|Scalar other) -> self` }> {}
}

type UnaryDecl<K extends string> = `${K}(Tensor self, *, Tensor? out=null) -> Tensor`;
const m = { variants: "method" } as const;
/** x's method `name` (the aliased op), called with no arguments. */
const call = (x: Tensor, name: string): Tensor => (x as unknown as Record<string, () => Tensor>)[name]!.call(x);

const unaryFns = Object.fromEntries(
  (Object.entries(UNARY_ALIASES) as [UnaryAlias, string][]).map(([alias, target]) => {
    defineOp(`${alias}_(Tensor self) -> self`, (x: Tensor) => call(x, `${target}_`), m);
    return [alias, defineOp(`${alias}(Tensor self, *, Tensor? out=null) -> Tensor`, (x: Tensor) => call(x, target))];
  }),
) as { [K in UnaryAlias]: Fn<UnaryDecl<K>> };

/** x's method `name` (the aliased op), called with one operand. */
const call1 = (x: Tensor, name: string, o: TensorLike): Tensor => (x as unknown as Record<string, (o: TensorLike) => Tensor>)[name]!.call(x, o);

const binaryFns = Object.fromEntries(
  (Object.entries(BINARY_ALIASES) as [BinaryAlias, string][]).map(([alias, target]) => {
    defineOp(`${alias}_(Tensor self, Tensor|Scalar other) -> self`, (x: Tensor, o: TensorLike) => call1(x, `${target}_`, o), m);
    return [alias, defineOp(`${alias}(Tensor self, Tensor|Scalar other, *, Tensor? out=null) -> Tensor`, (x: Tensor, o: TensorLike) => call1(x, target, o))];
  }),
) as { [K in BinaryAlias]: Fn<BinaryDecl<K>> };

type Alpha = { alpha: number | boolean };
type Rounding = { roundingMode: "trunc" | "floor" | null };
defineOp(BINARY_SIGS.subtract_, (x: Tensor, o: TensorLike, { alpha }: Alpha) => x.sub_(o, { alpha }), m);
defineOp(BINARY_SIGS.divide_, (x: Tensor, o: TensorLike, { roundingMode }: Rounding) => x.div_(o, { roundingMode }), m);

/** torch.positive: self itself (not a copy); bool tensors are refused, as PyTorch's unary +. */
function positive(x: Tensor): Tensor {
  if (x.dtype === "bool") throw new DTypeError("positive: the `+` operator, on a bool tensor is not supported (as in PyTorch)");
  return x;
}

defineOp(BINARY_SIGS.arctan2_, (x: Tensor, o: TensorLike) => x.atan2_(o), m);
defineOp(BINARY_SIGS.trueDivide_, (x: Tensor, o: TensorLike) => x.div_(o), m);

defineOp(BINARY_SIGS.multiply_, (x: Tensor, o: TensorLike) => x.mul_(o), m);

/**
 * The aliases' function forms take a number first, as the ops they alias do (torch.multiply(2, t),
 * torch.divide(1, t): NUMBER_FIRST in elementwise.ts).
 */
const NUMBER_FIRST_ALIASES = {
  multiply: ["multiply.Tensor(Tensor self, Tensor|Scalar other, *, Tensor? out=null) -> Tensor",
    "multiply.Scalar(Scalar self, Tensor|Scalar other, *, Tensor? out=null) -> Tensor"],
  subtract: ["subtract.Tensor(Tensor self, Tensor|Scalar other, *, Scalar alpha=1, Tensor? out=null) -> Tensor",
    "subtract.Scalar(Scalar self, Tensor|Scalar other, *, Scalar alpha=1, Tensor? out=null) -> Tensor"],
  divide: ["divide.Tensor(Tensor self, Tensor|Scalar other, *, \"trunc\"|\"floor\"? roundingMode=null, Tensor? out=null) -> Tensor",
    "divide.Scalar(Scalar self, Tensor|Scalar other, *, \"trunc\"|\"floor\"? roundingMode=null, Tensor? out=null) -> Tensor"],
  trueDivide: ["trueDivide.Tensor(Tensor self, Tensor|Scalar other, *, Tensor? out=null) -> Tensor", "trueDivide.Scalar(Scalar self, Tensor|Scalar other, *, Tensor? out=null) -> Tensor"],
} as const;
const mulImpl = (x: TensorLike, o: TensorLike) => mul(x as Tensor, o);
const subImpl = (x: TensorLike, o: TensorLike, { alpha }: Alpha) => sub(x as Tensor, o, { alpha });
const divImpl = (x: TensorLike, o: TensorLike, { roundingMode }: Rounding) => div(x as Tensor, o, { roundingMode });
const trueDivImpl = (x: TensorLike, o: TensorLike) => div(x as Tensor, o);
const both = { variants: "both" } as const;
const multiply = defineOp(NUMBER_FIRST_ALIASES.multiply, [mulImpl, mulImpl], both);
const subtract = defineOp(NUMBER_FIRST_ALIASES.subtract, [subImpl, subImpl], both);
const divide = defineOp(NUMBER_FIRST_ALIASES.divide, [divImpl, divImpl], both);
const trueDivide = defineOp(NUMBER_FIRST_ALIASES.trueDivide, [trueDivImpl, trueDivImpl], both);

export const ALIAS_FNS = {
  ...unaryFns,
  ...binaryFns,
  multiply, subtract, divide, trueDivide,
  arctan2: defineOp(BINARY_SIGS.arctan2, (x: Tensor, o: TensorLike) => x.atan2(o)),
  positive: defineOp(BINARY_SIGS.positive, positive),
  // torch.ravel: flattened, a view when the layout allows (reshape's rule)
  ravel: defineOp(BINARY_SIGS.ravel, (x: Tensor) => x.reshape([-1])),
};
