/**
 * More torch.* creation and sampling functions, composed from the core factories and tensor
 * ops: asTensor / asarray (share a tensor or typed array when nothing needs converting),
 * logspace, normal (all four of torch.normal's overloads), poisson, binomial, randintLike, diagflat,
 * emptyStrided (and Tensor.newEmptyStrided), the out-of-place fill, frombuffer (a tensor over
 * an ArrayBuffer's bytes, sharing them) and the deprecated inclusive-end range.
 */
import { defineOp } from "../api/registry.js";
import { record1 } from "../autograd/record.js";
import { noGrad } from "../autograd/grad_mode.js";
import { ArgumentError, DTypeError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { checkDevice } from "../backend/backend.js";
import { getDefaultDtype, isFloating, type DType, type StorageArray } from "../tensor/dtype.js";
import { broadcastShapes } from "../tensor/shape.js";
import { arange, full, linspace, rand, randint, randn, tensor, zeros, zerosLike, type TensorData } from "../tensor/creation.js";
import { Storage } from "../tensor/storage.js";
import type { Generator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { fromTypedArray } from "../tensor/typed_array_bridge.js";
import { assertAll } from "./advanced_indexing.js";
import { diag } from "./diagonal.js";
import { pow, where } from "./elementwise.js";

const CREATE = "ScalarType? dtype=null, Device? device=null, bool requiresGrad=false";
type Kw = { dtype?: DType | null; device?: string | null; requiresGrad?: boolean; generator?: Generator | null };

function sharedTypedArray(data: unknown): boolean {
  return data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array || data instanceof BigInt64Array ||
    data instanceof Int8Array || (data instanceof Uint8Array && !(data instanceof Uint8ClampedArray));
}

/**
 * torch.as_tensor: `data` as a tensor, sharing memory where it can: a tensor of the asked
 * dtype and device is returned itself (another dtype or device converts it, keeping the
 * autograd graph, as PyTorch), a typed array of a Fluxion dtype is wrapped without a copy (as
 * from_numpy); nested arrays and scalars are copied, as tensor() does.
 * @example const a = new Float32Array([1, 2]); asTensor(a).add_(1); a // [2, 3]
 */
function asTensorImpl(data: TensorData, dtype: DType | null, device: string | null): Tensor {
  const op = "asTensor";
  if (data instanceof Tensor) {
    const dev = device === null ? data.device : checkDevice(device, op);
    return data.to({ dtype: dtype ?? data.dtype, device: dev } as never);
  }
  if (sharedTypedArray(data) && (device === null || checkDevice(device, op) === "cpu")) {
    const shared = fromTypedArray(data);
    return dtype === null || dtype === shared.dtype ? shared : shared.to(dtype);
  }
  return tensor(data, { dtype: dtype ?? undefined, device: device ?? undefined });
}

/**
 * torch.asarray: asTensor with `copy` (true: always a new tensor; false: never copy, an error
 * if a conversion is needed; null: copy only when needed) and `requiresGrad`.
 */
function asarrayImpl(obj: TensorData, o: { dtype?: DType | null; device?: string | null; copy?: boolean | null; requiresGrad?: boolean }): Tensor {
  const op = "asarray";
  const dtype = o.dtype ?? null, device = o.device ?? null, copy = o.copy ?? null;
  const shareable = obj instanceof Tensor || sharedTypedArray(obj);
  let r: Tensor;
  if (copy === false) {
    const srcDtype = obj instanceof Tensor ? obj.dtype : shareable ? fromTypedArray(obj).dtype : null;
    const srcDevice = obj instanceof Tensor ? obj.device : "cpu";
    if (!shareable || (dtype !== null && dtype !== srcDtype) || (device !== null && checkDevice(device, op) !== srcDevice)) {
      throw new FluxionError(`${op}: can't alias ${shareable ? `a ${srcDtype} ${srcDevice} ${obj instanceof Tensor ? "tensor" : "typed array"} as ${dtype ?? srcDtype} on ${device ?? srcDevice}` : "nested arrays or scalars"} without a copy (copy=false)`);
    }
  }
  if (copy === true) {
    r = obj instanceof Tensor ? obj.detach().to({ dtype: dtype ?? obj.dtype, device: device ?? obj.device, copy: true }) : tensor(obj, { dtype: dtype ?? undefined, device: device ?? undefined });
  } else {
    r = asTensorImpl(obj, dtype, device);
    if (obj instanceof Tensor && o.requiresGrad) r = r.detach(); // asarray's result is a leaf when asked to require grad
  }
  if (o.requiresGrad) {
    if (!isFloating(r.dtype)) throw new DTypeError(`${op}: only tensors of floating point dtype can require gradients, got ${r.dtype}`);
    r.requiresGrad_(true);
  }
  return r;
}

/**
 * torch.logspace: `steps` values base^x for x evenly spaced from start to end (inclusive),
 * computed in float64 and rounded once into the dtype (integer dtypes truncate, as PyTorch).
 * @example logspace(0, 3, 4) // [1, 10, 100, 1000]
 */
function logspaceImpl(start: number, end: number, steps: number, base: number, o: Kw): Tensor {
  const op = "logspace";
  if (!Number.isInteger(steps) || steps < 0) throw new FluxionError(`${op}: number of steps must be a non-negative integer, got ${steps}`);
  const dtype = o.dtype ?? getDefaultDtype();
  if (dtype === "bool") throw new DTypeError(`${op}: dtype bool is not supported (PyTorch: "logspace_cpu" not implemented for 'Bool')`);
  const device = o.device ?? undefined;
  const exps = linspace(start, end, steps, { dtype: "float64", device });
  const r = pow(base, exps).to(dtype);
  if (o.requiresGrad) {
    if (!isFloating(dtype)) throw new DTypeError(`${op}: only tensors of floating point dtype can require gradients, got ${dtype}`);
    r.requiresGrad_(true);
  }
  return r;
}

/** The zero gradient PyTorch's normal gives its mean and std (derivatives.yaml: zeros_like). */
function zeroGrads(out: Tensor, inputs: (Tensor | null)[]): Tensor {
  return record1("NormalBackward", inputs, out, [], () => inputs.map((t) => (t === null ? null : zerosLike(t))));
}

function checkStdTensor(std: Tensor): void {
  if (!isFloating(std.dtype)) throw new DTypeError(`normal: expected a floating point std tensor, got ${std.dtype}`);
  assertAll(std.ge(0).logicalOr(std.isnan()), "normal: normal expects all elements of std >= 0.0");
}

function checkStdNumber(std: number): void {
  if (!(std >= 0)) throw new ArgumentError(`normal: normal expects std >= 0.0, but found std ${std}`);
}

/**
 * torch.normal: samples of N(mean, std) with tensor or number mean and std (broadcast
 * together), or numbers and a size. The result requires grad when mean or std does, and
 * their gradients are zeros, as PyTorch's.
 * @example normal(zeros(3), 1); normal(0, ones(2, 2)); normal(2, 3, [4], { generator: g })
 */
function normalTensorTensor(mean: Tensor, std: Tensor, o: Kw): Tensor {
  if (!isFloating(mean.dtype)) throw new DTypeError(`normal: expected a floating point mean tensor, got ${mean.dtype}`);
  checkStdTensor(std);
  const shape = broadcastShapes("normal", mean.shape, std.shape);
  const out = noGrad(() => randn(shape, { dtype: mean.dtype, device: mean.device, generator: o.generator ?? null }).mul(std).add(mean));
  return zeroGrads(out, [mean, std]);
}
function normalTensorFloat(mean: Tensor, std: number, o: Kw): Tensor {
  if (!isFloating(mean.dtype)) throw new DTypeError(`normal: expected a floating point mean tensor, got ${mean.dtype}`);
  checkStdNumber(std);
  const out = noGrad(() => randn(mean.shape, { dtype: mean.dtype, device: mean.device, generator: o.generator ?? null }).mul(std).add(mean));
  return zeroGrads(out, [mean]);
}
function normalFloatTensor(mean: number, std: Tensor, o: Kw): Tensor {
  checkStdTensor(std);
  const out = noGrad(() => randn(std.shape, { dtype: std.dtype, device: std.device, generator: o.generator ?? null }).mul(std).add(mean));
  return zeroGrads(out, [std]);
}
function normalFloatFloat(mean: number, std: number, size: number[], o: Kw): Tensor {
  checkStdNumber(std);
  const dtype = o.dtype ?? getDefaultDtype();
  if (!isFloating(dtype)) throw new DTypeError(`normal: expected a floating point dtype, got ${dtype} (PyTorch: "normal_kernel_cpu" not implemented)`);
  const r = randn(size, { dtype, device: o.device ?? null, generator: o.generator ?? null }).mul(std).add(mean);
  if (o.requiresGrad) r.requiresGrad_(true);
  return r;
}

const KNUTH_DRAWS = 64; // rates below 10: P(X >= 64) < 1e-30
const PTRS_ROUNDS = 16; // each round accepts with probability > 0.86: all fail with probability < 1e-13

/**
 * torch.poisson: a Poisson sample for each rate (same shape and dtype), drawn as PyTorch's
 * sampler does — Knuth's product of uniforms for rates below 10, Hörmann's transformed
 * rejection (PTRS) above — but vectorized: a fixed number of uniforms per element and the
 * first accepted round chosen with where, so no value is read on the host. The gradient to
 * the rates is zero, as PyTorch's.
 * @example poisson(full([3], 4.5), { generator: new Generator(0) })
 */
function poissonImpl(rates: Tensor, generator: Generator | null): Tensor {
  const op = "poisson";
  if (!isFloating(rates.dtype)) throw new DTypeError(`${op}: expected a floating point tensor of rates, got ${rates.dtype} ("poisson_cpu" not implemented for it in PyTorch)`);
  const out = noGrad(() => {
    const lam = rates.detach().to("float64");
    assertAll(lam.ge(0), "poisson: invalid Poisson rate, expected rate to be non-negative");
    const gen = generator;
    const draw = (n: number) => rand([n, ...lam.shape], { dtype: "float64", device: lam.device, generator: gen });
    // Knuth: the number of running products of uniforms that stay above exp(-lambda)
    const small = draw(KNUTH_DRAWS).cumprod(0).gt(lam.neg().exp()).sum(0).to("float64");
    // PTRS for lambda >= 10 (lambda clamped so the small rates compute finite, unused values)
    const l = lam.clampMin(10);
    const slam = l.sqrt(), loglam = l.log();
    const b = slam.mul(2.53).add(0.931);
    const a = b.mul(0.02483).add(-0.059);
    const logInvAlpha = b.sub(3.4).reciprocal().mul(1.1328).add(1.1239).log();
    const vr = b.sub(2).reciprocal().mul(-3.6224).add(0.9277);
    const uv = draw(2 * PTRS_ROUNDS);
    let large = l.round(); // only if every round rejects (probability < 1e-13)
    for (let r = PTRS_ROUNDS - 1; r >= 0; r--) {
      const U = uv.select(0, 2 * r).sub(0.5), V = uv.select(0, 2 * r + 1);
      const us = U.abs().neg().add(0.5);
      const k = a.mul(2).div(us).add(b).mul(U).add(l).add(0.43).floor();
      const quick = us.ge(0.07).logicalAnd(V.le(vr));
      const reject = k.lt(0).logicalOr(us.lt(0.013).logicalAnd(V.gt(us)));
      const lhs = V.log().add(logInvAlpha).sub(a.div(us.mul(us)).add(b).log());
      const rhs = l.neg().add(k.mul(loglam)).sub(k.clampMin(0).add(1).lgamma());
      const accept = quick.logicalOr(reject.logicalNot().logicalAnd(lhs.le(rhs)));
      large = where(accept, k, large);
    }
    return where(lam.lt(10), small, large).to(rates.dtype);
  });
  return zeroGrads(out, [rates]);
}

const INVERSION_DRAWS = 48; // count * p < 10: P(X >= 47) < 1e-16
const BTRS_ROUNDS = 16; // each round accepts with probability > 0.75: all fail with probability < 1e-9
/** log(k!) - (Stirling's approximation of it), exact for k <= 9, as PyTorch's stirling_approx_tail. */
const STIRLING_TAIL = [0.08106146679532726, 0.04134069595540929, 0.02767792568499834, 0.02079067210376509, 0.01664469118982119,
  0.01387612882307075, 0.01189670994589177, 0.01041126526197209, 0.009255462182712733, 0.008330563433362871];
function stirlingTail(k: Tensor): Tensor {
  const table = tensor(STIRLING_TAIL, { dtype: "float64", device: k.device });
  const small = table.indexSelect(0, k.clamp(0, 9).to("int64").reshape([-1])).reshape(k.shape);
  const kp1 = k.add(1), kp1sq = kp1.mul(kp1);
  const large = kp1sq.reciprocal().mul(-1 / 1260).add(1 / 360).div(kp1sq).neg().add(1 / 12).div(kp1);
  return where(k.le(9), small, large);
}

/**
 * torch.binomial(count, prob): a Binomial(count, prob) sample per element (broadcast), drawn as
 * PyTorch's sampler does, on min(prob, 1 - prob) (the count minus it for prob > 0.5): by
 * inversion (summed geometric waiting times) when count * p < 10, else by Hormann's BTRS
 * rejection; vectorized, with a fixed number of draws per element, so no value is read on the
 * host. count <= 0 or prob <= 0 give 0, prob >= 1 gives count. Float count and prob of one
 * dtype, as PyTorch; the gradients to both are zero.
 * @example binomial(full([3], 10), tensor([0.1, 0.5, 0.9]), { generator: new Generator(0) })
 */
function binomialImpl(count: Tensor, prob: Tensor, generator: Generator | null): Tensor {
  const op = "binomial";
  if (!isFloating(count.dtype)) throw new DTypeError(`${op}: expected a floating point count tensor, got ${count.dtype} ("binomial_cpu" not implemented for it in PyTorch)`);
  if (prob.dtype !== count.dtype) throw new DTypeError(`${op}: Found dtype ${prob.dtype} but expected ${count.dtype} (count and prob must have the same dtype)`);
  const shape = broadcastShapes(op, count.shape, prob.shape);
  const out = noGrad(() => {
    const n = count.detach().to("float64").expand(shape);
    const p0 = prob.detach().to("float64").expand(shape);
    const flip = p0.gt(0.5);
    const p = where(flip, p0.neg().add(1), p0).clamp(1e-300, 0.5); // the sampled probability (<= 0.5)
    const draw = (k: number) => rand([k, ...shape], { dtype: "float64", device: count.device, generator });
    // inversion: how many geometric waiting times fit in count
    const logq = p.neg().log1p();
    const geom = draw(INVERSION_DRAWS).log().div(logq).ceil();
    const small = geom.cumsum(0).le(n).sum(0).to("float64");
    // BTRS, on count * p >= 10 (clamped so the small cases compute finite, unused values)
    const useLarge = n.mul(p).ge(10);
    const nl = where(useLarge, n, 20), pl = where(useLarge, p, 0.5);
    const stddev = nl.mul(pl).mul(pl.neg().add(1)).sqrt();
    const b = stddev.mul(2.53).add(1.15);
    const a = b.mul(0.0248).add(pl.mul(0.01)).add(-0.0873);
    const c = nl.mul(pl).add(0.5);
    const vr = b.reciprocal().mul(-4.2).add(0.92);
    const r = pl.div(pl.neg().add(1));
    const alpha = b.reciprocal().mul(5.1).add(2.83).mul(stddev);
    const m = nl.add(1).mul(pl).floor();
    const mTerm = m.add(0.5).mul(m.add(1).div(r.mul(nl.sub(m).add(1))).log()).add(stirlingTail(m)).add(stirlingTail(nl.sub(m)));
    const uv = draw(2 * BTRS_ROUNDS);
    let large = c.floor(); // only if every round rejects
    for (let i = BTRS_ROUNDS - 1; i >= 0; i--) {
      const U = uv.select(0, 2 * i).sub(0.5), V = uv.select(0, 2 * i + 1);
      const us = U.abs().neg().add(0.5);
      const k = a.mul(2).div(us).add(b).mul(U).add(c).floor();
      const valid = k.ge(0).logicalAnd(k.le(nl));
      const quick = us.ge(0.07).logicalAnd(V.le(vr));
      const lhs = V.mul(alpha).div(a.div(us.mul(us)).add(b)).log();
      const kc = k.clamp(0, nl); // finite logs for the rejected k
      const bound = mTerm.add(nl.add(1).mul(nl.sub(m).add(1).div(nl.sub(kc).add(1)).log()))
        .add(kc.add(0.5).mul(r.mul(nl.sub(kc).add(1)).div(kc.add(1)).log())).sub(stirlingTail(kc)).sub(stirlingTail(nl.sub(kc)));
      const accept = valid.logicalAnd(quick.logicalOr(lhs.le(bound)));
      large = where(accept, k, large);
    }
    const x = where(useLarge, large, small);
    let result = where(flip, n.sub(x), x);
    result = where(n.le(0).logicalOr(p0.le(0)), 0, result);
    result = where(p0.ge(1), n, result);
    return result.to(count.dtype);
  });
  return zeroGrads(out, [count, prob]);
}

/** torch.randint_like: randint with `input`'s shape, dtype and device (overridable). */
function randintLikeImpl(input: Tensor, low: number, high: number, o: Kw): Tensor {
  return randint(low, high, input.shape, {
    dtype: o.dtype ?? input.dtype, device: o.device ?? input.device, requiresGrad: o.requiresGrad ?? false, generator: o.generator ?? null,
  });
}

/**
 * torch.diagflat: the flattened input on the `offset`-th diagonal of a square matrix.
 * @example diagflat(tensor([[1, 2], [3, 4]])) // 4x4 with 1, 2, 3, 4 on the diagonal
 */
function diagflatImpl(input: Tensor, offset: number): Tensor {
  return diag(input.reshape(-1), offset);
}

/**
 * torch.empty_strided: a tensor of `size` laid out with `stride` over a fresh storage just
 * large enough (zeros, where PyTorch leaves the memory uninitialized).
 * @example emptyStrided([2, 3], [1, 2]).stride() // [1, 2]
 */
function emptyStridedImpl(op: string, size: number[], stride: number[], o: Kw): Tensor {
  if (size.length !== stride.length) throw new ShapeError(`${op}: mismatch in length of strides and shape (size ${fmtShape(size)}, stride ${fmtShape(stride)})`);
  if (size.some((s) => s < 0)) throw new ShapeError(`${op}: Trying to create tensor with negative dimension: ${fmtShape(size)}`);
  if (stride.some((s) => s < 0)) throw new ShapeError(`${op}: strides must be non-negative, got ${fmtShape(stride)}`);
  const n = size.some((s) => s === 0) ? 0 : 1 + size.reduce((acc, s, i) => acc + (s - 1) * stride[i]!, 0);
  const base = zeros([n], { dtype: o.dtype ?? getDefaultDtype(), device: o.device ?? undefined });
  const out = base.asStrided(size, stride, 0);
  return o.requiresGrad ? out.requiresGrad_(true) : out;
}

/**
 * torch.fill(input, value): a copy of input with every element set to value (input's dtype;
 * a tensor value must be 0-d). The gradient to input is zero, to a tensor value the sum.
 * @example fill(tensor([1, 2], { dtype: "int64" }), 2.5).tolist() // [2n, 2n]
 */
function fillImpl(x: Tensor, value: Tensor | number | boolean): Tensor {
  if (value instanceof Tensor && value.ndim !== 0) throw new ShapeError(`fill: only supports 0-dimension value tensor but got tensor with ${value.ndim} dimensions`);
  // where() routes a zero gradient to x and the summed gradient to a tensor value
  return where(full(x.shape, true, { dtype: "bool", device: x.device }), value, x).to(x.dtype);
}

/** The bytes of an ArrayBuffer, SharedArrayBuffer or view of one (a typed array, DataView, Node Buffer). */
function bytesOf(buffer: unknown): { buffer: ArrayBufferLike; start: number; length: number } | null {
  if (buffer instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && buffer instanceof SharedArrayBuffer)) {
    return { buffer, start: 0, length: buffer.byteLength };
  }
  if (ArrayBuffer.isView(buffer)) return { buffer: buffer.buffer, start: buffer.byteOffset, length: buffer.byteLength };
  return null;
}

/**
 * torch.frombuffer: a 1-D CPU tensor over `count` elements (-1: all that fit) of the buffer's
 * bytes from byte `offset`, sharing them as PyTorch shares the Python buffer: writes through
 * the tensor show in the buffer and the other way round. A typed array or Node Buffer counts
 * from its own first byte. JavaScript typed arrays cannot start at a byte that is not a
 * multiple of the element size, so such an offset raises (PyTorch accepts it).
 * @example
 * const bytes = new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]);
 * const t = frombuffer(bytes.buffer, { dtype: "int32" }); // tensor([1, 2], dtype=torch.int32)
 * bytes[0] = 7; t.tolist() // [7, 2]
 */
function frombufferImpl(buffer: unknown, o: { dtype: DType; count: number; offset: number; requiresGrad: boolean }): Tensor {
  const op = "frombuffer";
  const bytes = bytesOf(buffer);
  if (bytes === null) throw new ArgumentError(`${op}: expected an ArrayBuffer, SharedArrayBuffer or a view of one (typed array, DataView, Buffer), got ${buffer === null ? "null" : typeof buffer === "object" ? (buffer as object).constructor?.name ?? "an object" : typeof buffer}`);
  const { dtype, count, offset } = o;
  const Ctor = ARRAY_TYPES[dtype];
  const size = Ctor.BYTES_PER_ELEMENT;
  const len = bytes.length;
  if (len <= 0 || count === 0) throw new ArgumentError(`${op}: both buffer length (${len}) and count (${count}) must not be 0`);
  if (offset < 0 || offset >= len) throw new ArgumentError(`${op}: offset (${offset} bytes) must be non-negative and no greater than buffer length (${len} bytes) minus 1`);
  let n = count;
  if (count < 0) {
    if ((len - offset) % size !== 0) throw new ArgumentError(`${op}: buffer length (${len - offset} bytes) after offset (${offset} bytes) must be a multiple of element size (${size})`);
    n = (len - offset) / size;
  }
  if (offset + n * size > len) {
    throw new ArgumentError(`${op}: requested buffer length (${n} * ${size} bytes) after offset (${offset} bytes) must not be greater than actual buffer length (${len} bytes)`);
  }
  const start = bytes.start + offset;
  if (start % size !== 0) {
    throw new ArgumentError(`${op}: the data starts at byte ${start} of its ArrayBuffer, not a multiple of ${dtype}'s element size (${size}); JavaScript typed arrays cannot view it in place (copy the bytes to an aligned buffer first)`);
  }
  const array = new Ctor(bytes.buffer as ArrayBuffer, start, n) as StorageArray;
  const t = Tensor._contiguous(new Storage(array, "cpu"), [n], dtype);
  return o.requiresGrad ? t.requiresGrad_(true) : t;
}

/**
 * torch.range (deprecated in PyTorch, which warns): values from start to end *inclusive*,
 * step apart: floor((end - start) / step) + 1 of them, computed as start + i * step in double
 * precision, in the default float dtype unless dtype says otherwise (also for integer
 * arguments, unlike arange). Prefer arange, whose end is exclusive.
 * @example range(1, 4).tolist() // [1, 2, 3, 4] (float32)
 */
function rangeImpl(start: number, end: number, step: number, o: Kw): Tensor {
  const op = "range";
  console.warn("fluxion: torch.range is deprecated and will be removed in a future release because its behavior is inconsistent with Python's range builtin (as PyTorch warns). Instead, use arange, which produces values in [start, end).");
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new FluxionError(`${op}: unsupported range: ${start} -> ${end}`);
  if (step === 0) throw new FluxionError(`${op}: step must be nonzero`);
  if (!Number.isFinite(step)) throw new FluxionError(`${op}: step must be finite, got ${step}`);
  if ((step > 0 && end < start) || (step < 0 && end > start)) throw new FluxionError(`${op}: upper bound and lower bound inconsistent with step sign (start ${start}, end ${end}, step ${step})`);
  const n = Math.floor((end - start) / step) + 1;
  const dtype = o.dtype ?? getDefaultDtype();
  const device = o.device ?? undefined;
  const idx = arange(n, { dtype: "float64", device });
  const out = noGrad(() => idx.mul(step).add(start).to(dtype));
  return o.requiresGrad ? out.requiresGrad_(true) : out;
}

/** The typed array each dtype is stored in (bool as bytes, the half types as 16-bit patterns). */
const ARRAY_TYPES: Record<DType, { new (b: ArrayBuffer, start: number, n: number): ArrayLike<unknown>; readonly BYTES_PER_ELEMENT: number }> = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array, bfloat16: Uint16Array, float16: Uint16Array,
  uint8: Uint8Array, int8: Int8Array, int64: BigInt64Array,
};

const RANDOM_KW = `Generator? generator=null, ${CREATE}`;
export const CREATION_EXTRA_FNS = {
  asTensor: defineOp("asTensor(Any data, ScalarType? dtype=null, Device? device=null) -> Tensor", asTensorImpl, { variants: "function" }),
  asarray: defineOp("asarray(Any obj, *, ScalarType? dtype=null, Device? device=null, bool? copy=null, bool requiresGrad=false) -> Tensor", asarrayImpl, { variants: "function" }),
  logspace: defineOp(`logspace(float start, float end, int steps, float base=10.0, *, ${CREATE}) -> Tensor`, logspaceImpl),
  normal: defineOp(
    [
      "normal.Tensor_Tensor(Tensor mean, Tensor std, *, Generator? generator=null) -> Tensor",
      "normal.Tensor_float(Tensor mean, float std=1, *, Generator? generator=null) -> Tensor",
      "normal.float_Tensor(float mean, Tensor std, *, Generator? generator=null) -> Tensor",
      `normal.float_float(float mean, float std, int[] size, *, ${RANDOM_KW}) -> Tensor`,
    ],
    [normalTensorTensor, normalTensorFloat, normalFloatTensor, normalFloatFloat],
    { variants: "function" },
  ),
  randintLike: defineOp(
    [`randintLike(Tensor input, int high, *, ${RANDOM_KW}) -> Tensor`, `randintLike.low(Tensor input, int low, int high, *, ${RANDOM_KW}) -> Tensor`],
    [(input: Tensor, high: number, o: Kw) => randintLikeImpl(input, 0, high, o), randintLikeImpl],
    { variants: "function" },
  ),
  diagflat: defineOp("diagflat(Tensor self, int offset=0) -> Tensor", diagflatImpl),
  poisson: defineOp("poisson(Tensor self, Generator? generator=null) -> Tensor", poissonImpl, { variants: "function" }),
  binomial: defineOp("binomial(Tensor count, Tensor prob, Generator? generator=null) -> Tensor", binomialImpl, { variants: "function" }),
  emptyStrided: defineOp(`emptyStrided(int[] size, int[] stride, *, ${CREATE}) -> Tensor`, (size: number | number[], stride: number | number[], o: Kw) =>
    emptyStridedImpl("emptyStrided", typeof size === "number" ? [size] : size, typeof stride === "number" ? [stride] : stride, o), { variants: "function" }),
  fill: defineOp("fill(Tensor input, Tensor|Scalar value) -> Tensor", fillImpl, { variants: "function" }),
  frombuffer: defineOp("frombuffer(Any buffer, *, ScalarType dtype, int count=-1, int offset=0, bool requiresGrad=false) -> Tensor", frombufferImpl, { variants: "function" }),
  range: defineOp(
    [`range(float start, float end, *, ${CREATE}) -> Tensor`, `range.step(float start, float end, float step=1, *, ${CREATE}) -> Tensor`],
    [(start: number, end: number, o: Kw) => rangeImpl(start, end, 1, o), rangeImpl],
    { variants: "function" },
  ),
};

/** x.new_empty_strided(size, stride): emptyStrided with x's dtype and device unless given. */
defineOp(`newEmptyStrided(Tensor self, int[] size, int[] stride, *, ${CREATE}) -> Tensor`, (x: Tensor, size: number | number[], stride: number | number[], o: Kw) =>
  emptyStridedImpl("newEmptyStrided", typeof size === "number" ? [size] : size, typeof stride === "number" ? [stride] : stride,
    { ...o, dtype: o.dtype ?? x.dtype, device: o.device ?? x.device }), { variants: "method" });

declare module "../tensor/tensor.js" {
  interface Tensor {
    /** torch.Tensor.diagflat. */
    diagflat(offset?: number | { offset?: number }): Tensor;
    /** torch.Tensor.new_empty_strided: emptyStrided with this tensor's dtype and device unless given. */
    newEmptyStrided(size: number | readonly number[], stride: number | readonly number[], opts?: { dtype?: DType | null; device?: string | null; requiresGrad?: boolean }): Tensor;
  }
}
