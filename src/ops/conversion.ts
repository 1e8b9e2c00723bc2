/** dtype and device conversion: to(), float(), double(), int(), bool(), half(), bfloat16(). */
import { dispatch } from "../backend/dispatcher.js";
import { checkDevice } from "../backend/backend.js";
import { record1 } from "../autograd/record.js";
import { DeviceError } from "../errors.js";
import { checkDType, isDType, isFloating, type DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";

/** Casts to dtype; differentiable between floating dtypes. */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = dispatch("cast", [x], { dtype });
  if (!isFloating(dtype) || !isFloating(x.dtype)) return out;
  const from = x.dtype;
  return record1("ToCopyBackward0", [x], out, [], ([g]) => [g!.to(from)]);
}

export interface ToOptions {
  dtype?: DType;
  device?: string;
  /** Always return a new tensor, even when nothing changes. */
  copy?: boolean;
}

export function to(x: Tensor, arg: DType | string | ToOptions | Tensor): Tensor {
  const opts: ToOptions = arg instanceof Tensor ? { dtype: arg.dtype, device: arg.device } : typeof arg === "string" ? (isDType(arg) ? { dtype: arg } : { device: arg }) : arg;
  let r = x;
  if (opts.dtype !== undefined) r = cast(r, checkDType(opts.dtype, "to"));
  if (opts.device !== undefined && checkDevice(opts.device, "to") !== r.device) {
    throw new DeviceError(`to: moving tensors between devices is not available yet (from ${r.device} to ${opts.device})`);
  }
  if (opts.copy && r === x) r = x.clone();
  return r;
}

declare module "../tensor/tensor.js" {
  interface Tensor {
    /** Converts dtype and/or device: to("float64"), to("cpu"), to({ dtype, device }), to(other). */
    to(arg: DType | string | ToOptions | Tensor): Tensor;
    /** Alias of to(dtype). */
    type(dtype: DType): Tensor;
    float(): Tensor;
    double(): Tensor;
    int(): Tensor;
    bool(): Tensor;
    half(): Tensor;
    bfloat16(): Tensor;
    cpu(): Tensor;
  }
}

const P = Tensor.prototype;
P.to = function (arg) { return to(this, arg); };
P.type = function (d) { return cast(this, checkDType(d, "type")); };
P.float = function () { return cast(this, "float32"); };
P.double = function () { return cast(this, "float64"); };
P.int = function () { return cast(this, "int32"); };
P.bool = function () { return cast(this, "bool"); };
P.half = function () { return cast(this, "float16"); };
P.bfloat16 = function () { return cast(this, "bfloat16"); };
P.cpu = function () { return to(this, "cpu"); };
