/**
 * dtype and device conversion: to(), float(), double(), int(), long(), byte(), char(),
 * bool(), half(), bfloat16(). Casts follow PyTorch's C casts (see
 * src/ops/elementwise_int64.ts): floats truncate toward zero into integers.
 */
import { dispatch } from "../backend/dispatcher.js";
import { checkDevice } from "../backend/backend.js";
import { record1 } from "../autograd/record.js";
import { DeviceError } from "../errors.js";
import { checkDType, isFloating, type DType } from "../tensor/dtype.js";
import { defineOp, type MethodsOf } from "../api/registry.js";
import { Tensor } from "../tensor/tensor.js";

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
}

export function to(x: Tensor, opts: ToOptions): Tensor {
  let r = x;
  if (opts.dtype !== undefined) r = cast(r, checkDType(opts.dtype, "to"));
  if (opts.device !== undefined && checkDevice(opts.device, "to") !== r.device) {
    throw new DeviceError(`to: moving tensors between devices is not available yet (from ${r.device} to ${opts.device})`);
  }
  if (opts.copy && r === x) r = x.clone();
  return r;
}

const SIGS = {
  to: [
    "to.dtype(Tensor self, ScalarType dtype, bool nonBlocking=false, bool copy=false) -> Tensor",
    "to.device(Tensor self, Device? device=null, ScalarType? dtype=null, bool nonBlocking=false, bool copy=false) -> Tensor",
    "to.other(Tensor self, Tensor other, bool nonBlocking=false, bool copy=false) -> Tensor",
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
} as const;

declare module "../tensor/tensor.js" {
  interface Tensor extends MethodsOf<typeof SIGS> {}
}

const m = { variants: "method" } as const;
defineOp(SIGS.to, [
  (x: Tensor, dtype: DType, _nb: boolean, copy: boolean) => to(x, { dtype, copy }),
  (x: Tensor, device: string | null, dtype: DType | null, _nb: boolean, copy: boolean) => to(x, { device: device ?? undefined, dtype: dtype ?? undefined, copy }),
  (x: Tensor, other: Tensor, _nb: boolean, copy: boolean) => to(x, { dtype: other.dtype, device: other.device, copy }),
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
