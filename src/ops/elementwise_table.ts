/**
 * Elementwise math, written once. Each entry is a scalar expression in `x` (and `y`),
 * with params `p0`, `p1`; the CPU backend generates its loops from these strings and later
 * backends (native, WGSL, the compiler's fused kernels) render the same table.
 *
 * kind says how dtypes flow: "float" ops compute in floating point (integer inputs are
 * promoted to float32 by the op layer), "same" ops keep the input dtype, "predicate" ops
 * return bool.
 */
export type ElementwiseKind = "float" | "same" | "predicate";

export const UNARY_OPS = {
  neg: { js: "-x", kind: "same" },
  abs: { js: "Math.abs(x)", kind: "same" },
  sign: { js: "(x > 0 ? 1 : x < 0 ? -1 : x)", kind: "same" },
  floor: { js: "Math.floor(x)", kind: "same" },
  ceil: { js: "Math.ceil(x)", kind: "same" },
  // round half to even, as torch.round does
  round: { js: "(Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x))", kind: "same" },
  trunc: { js: "Math.trunc(x)", kind: "same" },
  exp: { js: "Math.exp(x)", kind: "float" },
  log: { js: "Math.log(x)", kind: "float" },
  log1p: { js: "Math.log1p(x)", kind: "float" },
  expm1: { js: "Math.expm1(x)", kind: "float" },
  sqrt: { js: "Math.sqrt(x)", kind: "float" },
  rsqrt: { js: "1 / Math.sqrt(x)", kind: "float" },
  reciprocal: { js: "1 / x", kind: "float" },
  sin: { js: "Math.sin(x)", kind: "float" },
  cos: { js: "Math.cos(x)", kind: "float" },
  tan: { js: "Math.tan(x)", kind: "float" },
  tanh: { js: "Math.tanh(x)", kind: "float" },
  sigmoid: { js: "(x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))", kind: "float" },
  erf: { js: "H.erf(x)", kind: "float" },
  relu: { js: "(x < 0 ? 0 : x)", kind: "same" },
  // p0 = negative slope
  leakyRelu: { js: "(x < 0 ? p0 * x : x)", kind: "float" },
  geluErf: { js: "0.5 * x * (1 + H.erf(x * Math.SQRT1_2))", kind: "float" },
  geluTanh: { js: "0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))", kind: "float" },
  silu: { js: "(x >= 0 ? x / (1 + Math.exp(-x)) : x * Math.exp(x) / (1 + Math.exp(x)))", kind: "float" },
  // p0 = beta, p1 = threshold: linear above threshold for stability, as torch does
  softplus: { js: "(x * p0 > p1 ? x : Math.log1p(Math.exp(x * p0)) / p0)", kind: "float" },
  // p0 = min, p1 = max (±Infinity when absent); NaN propagates
  clamp: { js: "(x !== x ? x : x < p0 ? p0 : x > p1 ? p1 : x)", kind: "same" },
  // x ** p0 for a scalar exponent
  powScalar: { js: "Math.pow(x, p0)", kind: "float" },
  logicalNot: { js: "(x === 0)", kind: "predicate" },
  isnan: { js: "(x !== x)", kind: "predicate" },
  isfinite: { js: "Number.isFinite(x)", kind: "predicate" },
  isinf: { js: "(x === Infinity || x === -Infinity)", kind: "predicate" },
} as const satisfies Record<string, { js: string; kind: ElementwiseKind }>;

export const BINARY_OPS = {
  add: { js: "x + y", kind: "same" },
  sub: { js: "x - y", kind: "same" },
  mul: { js: "x * y", kind: "same" },
  div: { js: "x / y", kind: "float" },
  pow: { js: "Math.pow(x, y)", kind: "same" },
  // NaN-propagating, as torch.maximum/minimum
  maximum: { js: "(x > y || x !== x ? x : y)", kind: "same" },
  minimum: { js: "(x < y || x !== x ? x : y)", kind: "same" },
  atan2: { js: "Math.atan2(x, y)", kind: "float" },
  // Python-style modulo: the result has the divisor's sign
  remainder: { js: "(y === 0 ? (Number.isInteger(x) && Number.isInteger(y) ? 0 : NaN) : x - Math.floor(x / y) * y)", kind: "same" },
  eq: { js: "(x === y)", kind: "predicate" },
  ne: { js: "(x !== y)", kind: "predicate" },
  lt: { js: "(x < y)", kind: "predicate" },
  le: { js: "(x <= y)", kind: "predicate" },
  gt: { js: "(x > y)", kind: "predicate" },
  ge: { js: "(x >= y)", kind: "predicate" },
  logicalAnd: { js: "(x !== 0 && y !== 0)", kind: "predicate" },
  logicalOr: { js: "(x !== 0 || y !== 0)", kind: "predicate" },
  logicalXor: { js: "((x !== 0) !== (y !== 0))", kind: "predicate" },
} as const satisfies Record<string, { js: string; kind: ElementwiseKind }>;

export type UnaryOpName = keyof typeof UNARY_OPS;
export type BinaryOpName = keyof typeof BINARY_OPS;

/**
 * erf to float64 accuracy: a positive series for |x| < 3 (no cancellation) and the
 * continued fraction for erfc beyond. Exact enough for float64 gradcheck.
 */
export function erf(x: number): number {
  if (x !== x) return x;
  const ax = Math.abs(x);
  let r: number;
  if (ax < 3) {
    // erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1))
    let term = ax, sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
  } else if (ax < 27) {
    // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated backwards
    let f = ax;
    for (let n = 60; n >= 1; n--) f = ax + n / 2 / f;
    r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  } else r = 1;
  return x < 0 ? -r : r;
}

/** Helpers the generated loops may call as H.name. */
export const ELEMENTWISE_HELPERS = { erf };
