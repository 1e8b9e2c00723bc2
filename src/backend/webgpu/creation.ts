/**
 * WebGPU creation primitives. fromHost and range compute their values on the host exactly as
 * the CPU backend does (its conversions and linspace rules are the reference: one truth), then
 * upload them; full fills on the GPU. Uploads and `to("webgpu")` go through fromHost.
 *
 * random draws from the Generator on the host, in the CPU backend's order, so a seed gives
 * the same numbers on both devices (a counter-based generator drawing on the GPU, Philox, is
 * still to come); bernoulli compares those draws with the probabilities on the GPU.
 */
import { FluxionError } from "../../errors.js";
import type { StorageArray } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { fromHost as hostFromHost, random as hostRandom, range as hostRange } from "../cpu/creation.js";
import { elementwise } from "./elementwise.js";
import { allocTensor, fillTensor, runtime } from "./state.js";
import { memoryOf } from "./runtime.js";
import { gpuDType } from "./wgsl.js";

/** A host tensor's elements uploaded into a new webgpu tensor of its shape. */
function upload(op: string, host: Tensor): Tensor {
  const dtype = gpuDType(op, host.dtype);
  const out = allocTensor(op, host.shape, dtype);
  const values: StorageArray = host.storage.data;
  const data: ArrayBufferView = dtype === "bool" ? Uint32Array.from(values as Uint8Array) : values; // bool: 32 bits an element on the GPU
  runtime().upload(memoryOf(out.storage), data);
  return out;
}

export function fromHost(_inputs: readonly Tensor[], attrs: PrimitiveAttrs["fromHost"]): Tensor[] {
  gpuDType("fromHost", attrs.dtype);
  return [upload("fromHost", hostFromHost([], attrs, "cpu")[0]!)];
}

export function range(_inputs: readonly Tensor[], attrs: PrimitiveAttrs["range"]): Tensor[] {
  gpuDType("range", attrs.dtype);
  return [upload("range", hostRange([], attrs, "cpu")[0]!)];
}

export function full(_inputs: readonly Tensor[], attrs: PrimitiveAttrs["full"]): Tensor[] {
  return [fillTensor("full", attrs.shape, attrs.dtype, attrs.value)];
}

export function random(inputs: readonly Tensor[], attrs: PrimitiveAttrs["random"]): Tensor[] {
  gpuDType("random", attrs.dtype);
  if (attrs.dist.kind !== "bernoulli") return [upload("random", hostRandom([], attrs, "cpu")[0]!)];
  // the CPU draws u in [0, 1) as a double per element and keeps 1 where u < p; u rounded down
  // to float32 gives the same comparison with a float32 p (p <= u32 exactly when p <= u)
  const p = inputs[0]!;
  gpuDType("random (bernoulli)", p.dtype);
  const n = p.numel();
  const u = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const d = attrs.generator.nextDouble();
    let f = Math.fround(d);
    if (f > d) f = nextFloat32Down(f);
    u[i] = f;
  }
  const draws = allocTensor("random", p.shape, "float32");
  runtime().upload(memoryOf(draws.storage), u);
  const out = allocTensor("random", attrs.shape, attrs.dtype);
  const operand = (t: Tensor) => ({ t, dtype: gpuDType("random", t.dtype), strides: [...t.strides] });
  // an invalid probability gives NaN and the CPU's error at the next read (a kernel cannot raise)
  elementwise(out, [operand(draws), operand(p)], "select(select(0.0, 1.0, x < y), nan_(), !(y >= 0.0 && y <= 1.0))", "f32", [], {
    failIf: "!(y >= 0.0 && y <= 1.0)",
    value: "bitcast<i32>(y)",
    error: (bits) => new FluxionError(`bernoulli: expected all probabilities in [0, 1], got p=${new Float32Array(new Int32Array([bits]).buffer)[0]}`),
  });
  return [out];
}

/** The largest float32 below the (positive, finite) float32 f. */
function nextFloat32Down(f: number): number {
  const b = new Float32Array([f]);
  const bits = new Uint32Array(b.buffer);
  bits[0] = bits[0]! - 1;
  return b[0]!;
}
