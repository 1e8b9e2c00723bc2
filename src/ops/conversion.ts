/**
 * dtype and device conversion: to(), float(), double(), int(), long(), byte(), char(),
 * bool(), half(), bfloat16(). Casts follow PyTorch's C casts (see
 * src/ops/elementwise_int64.ts): floats truncate toward zero into integers.
 */
import { dispatch } from "../backend/dispatcher.js";
import { checkDevice } from "../backend/backend.js";
import { record1 } from "../autograd/record.js";
import { DeviceError } from "../errors.js";
import { checkDType, isFloating, type DType, type StorageArray } from "../tensor/dtype.js";
import { readHost } from "../tensor/host_read.js";
import { noGrad } from "../autograd/grad_mode.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { checkArity } from "../api/check_args.js";
import { Tensor } from "../tensor/tensor.js";
import { checkMemoryFormat, toMemoryFormat } from "./memory_format.js";

/** Casts to dtype; differentiable between floating dtypes (ops call this rather than x.to()). */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = dispatch("cast", [x], { dtype });
  if (!isFloating(dtype) || !isFloating(x.dtype)) return out;
  const from = x.dtype;
  return record1("ToCopyBackward0", [x], out, [], ([g]) => [cast(g!, from)]);
}

export interface ToOptions {
  dtype?: DType;
  device?: string;
  /** Always return a new tensor, even when nothing changes. */
  copy?: boolean;
  /** The layout of the result: channelsLast, contiguousFormat, or preserveFormat (the default). */
  memoryFormat?: string | null;
}

export function to(x: Tensor, opts: ToOptions): Tensor {
  let r = x;
  if (opts.dtype !== undefined) r = cast(r, checkDType(opts.dtype, "to"));
  if (opts.device !== undefined && checkDevice(opts.device, "to") !== r.device) r = toDevice(r, opts.device);
  if (opts.memoryFormat != null) r = toMemoryFormat(r, checkMemoryFormat("to", opts.memoryFormat, r, true));
  if (opts.copy && r === x) r = x.clone();
  return r;
}

/**
 * x copied to `device`: the host values go to the device's backend as a fromHost creation,
 * so the transfer is a dispatched computation like any other. From device memory (a GPU)
 * the values cannot be read synchronously: that move is `await x.toAsync(device)`.
 * Differentiable: the gradient moves back to x's device.
 */
function toDevice(x: Tensor, device: string): Tensor {
  if (x.storage.memory !== null) {
    throw new DeviceError(`to: moving a tensor from ${x.device} to ${device} reads device memory, which cannot be done synchronously; use \`await t.toAsync("${device}")\``);
  }
  const values = readHost(x, "to");
  const out = dispatch("fromHost", [], { data: values as ArrayLike<number>, shape: [...x.shape], dtype: x.dtype }, device);
  if (!isFloating(x.dtype)) return out;
  const from = x.device;
  return record1("ToCopyBackward0", [x], out, [], ([g]) => [to(g!, { device: from })]);
}

/**
 * x copied to `device` (and `dtype`, when given) from any device, GPU memory included (read
 * back asynchronously). Not recorded by autograd: the result is a new leaf.
 * @example const cpu = await gpuTensor.toAsync("cpu");
 */
export async function toAsync(x: Tensor, device: string, dtype?: DType): Promise<Tensor> {
  const target = checkDevice(device, "toAsync");
  let r = dtype !== undefined ? noGrad(() => cast(x, checkDType(dtype, "toAsync"))) : x;
  if (r.device === target) return r === x ? noGrad(() => x.detach()) : r;
  if (r.storage.memory === null) return noGrad(() => toDevice(r, target));
  const values = await r.toArrayAsync<StorageArray>();
  return dispatch("fromHost", [], { data: values as ArrayLike<number>, shape: [...r.shape], dtype: r.dtype }, target);
}

const SIGS = {
  to: [
    "to.dtype(Tensor self, ScalarType dtype, bool nonBlocking=false, bool copy=false, *, str? memoryFormat=null) -> Tensor",
    "to.device(Tensor self, Device? device=null, ScalarType? dtype=null, bool nonBlocking=false, bool copy=false, *, str? memoryFormat=null) -> Tensor",
    "to.other(Tensor self, Tensor other, bool nonBlocking=false, bool copy=false, *, str? memoryFormat=null) -> Tensor",
  ],
  type: "type(Tensor self, ScalarType dtype) -> Tensor",
  float: "float(Tensor self) -> Tensor",
  double: "double(Tensor self) -> Tensor",
  int: "int(Tensor self) -> Tensor",
  long: "long(Tensor self) -> Tensor",
  byte: "byte(Tensor self) -> Tensor",
  char: "char(Tensor self) -> Tensor",
  bool: "bool(Tensor self) -> Tensor",
  half: "half(Tensor self) -> Tensor",
  bfloat16: "bfloat16(Tensor self) -> Tensor",
  cpu: "cpu(Tensor self) -> Tensor",
  typeAs: "typeAs(Tensor self, Tensor other) -> Tensor",
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {
    /**
     * This tensor copied to `device` (and `dtype`, when given), from any device: GPU memory is
     * read back asynchronously, which `to()` cannot do. The result is a new autograd leaf.
     * @example const cpuLoss = await loss.toAsync("cpu");
     */
    toAsync(device: string, dtype?: DType): Promise<Tensor>;
  }
}
Tensor.prototype.toAsync = function (this: Tensor, device: string, dtype?: DType) {
  checkArity("Tensor.toAsync", arguments, 2, "device, dtype");
  return toAsync(this, device, dtype);
};

const m = { variants: "method" } as const;
type Fmt = { memoryFormat: string | null };
defineOp(SIGS.to, [
  (x: Tensor, dtype: DType, _nb: boolean, copy: boolean, { memoryFormat }: Fmt) => to(x, { dtype, copy, memoryFormat }),
  (x: Tensor, device: string | null, dtype: DType | null, _nb: boolean, copy: boolean, { memoryFormat }: Fmt) => to(x, { device: device ?? undefined, dtype: dtype ?? undefined, copy, memoryFormat }),
  (x: Tensor, other: Tensor, _nb: boolean, copy: boolean, { memoryFormat }: Fmt) => to(x, { dtype: other.dtype, device: other.device, copy, memoryFormat }),
], m);
defineOp(SIGS.type, cast, m);
defineOp(SIGS.float, (x: Tensor) => cast(x, "float32"), m);
defineOp(SIGS.double, (x: Tensor) => cast(x, "float64"), m);
defineOp(SIGS.int, (x: Tensor) => cast(x, "int32"), m);
defineOp(SIGS.long, (x: Tensor) => cast(x, "int64"), m);
defineOp(SIGS.byte, (x: Tensor) => cast(x, "uint8"), m);
defineOp(SIGS.char, (x: Tensor) => cast(x, "int8"), m);
defineOp(SIGS.bool, (x: Tensor) => cast(x, "bool"), m);
defineOp(SIGS.half, (x: Tensor) => cast(x, "float16"), m);
defineOp(SIGS.bfloat16, (x: Tensor) => cast(x, "bfloat16"), m);
defineOp(SIGS.cpu, (x: Tensor) => to(x, { device: "cpu" }), m);
// x.type_as(y): x with y's dtype (and device, which PyTorch's type string also names)
defineOp(SIGS.typeAs, (x: Tensor, other: Tensor) => to(x, { dtype: other.dtype, device: other.device }), m);
