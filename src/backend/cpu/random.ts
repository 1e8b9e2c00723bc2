/**
 * The CPU `random` primitive: reserves the op's Philox blocks from its generator, then fills
 * the output with the values src/tensor/philox.ts defines, on the native kernel when the addon
 * is loaded (all cores; bit-identical) and in the loops below otherwise. The loops are the
 * reference the native and WGSL kernels are tested against.
 */
import { FluxionError } from "../../errors.js";
import {
  TWO_POW_M24, below64, elementsPerBlock, normal24, normal53, philoxBlock, u53, type PhiloxDraw,
} from "../../tensor/philox.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { PrimitiveAttrs } from "../primitives.js";
import { encoder } from "./creation.js";
import { nativeRandom } from "./native_random.js";
import { alloc } from "./util.js";

export function random(inputs: readonly Tensor[], attrs: PrimitiveAttrs["random"], device: string): Tensor[] {
  const { dist, generator: g, dtype } = attrs;
  const out = alloc(attrs.shape, dtype, device, { zero: false }); // every case writes all n
  const d = out.storage.data as Float64Array, n = d.length;
  const p = dist.kind === "bernoulli" ? probabilities(inputs[0]!, n) : null;
  if (p !== null) {
    // checked before the generator moves: a bad call changes nothing
    for (let i = 0; i < n; i++) {
      if (!(p[i]! >= 0 && p[i]! <= 1)) throw new FluxionError(`bernoulli: expected all probabilities in [0, 1], got p=${p[i]} at flat index ${i}`);
    }
  }
  const k = elementsPerBlock(dist.kind, dtype, inputs[0]?.dtype);
  const draw = g._reserve(Math.ceil(n / k));
  if (dist.kind === "randperm") randperm(d, draw, encoder(dtype));
  else if (!nativeRandom(dist, dtype, d, draw, p, inputs[0]?.dtype)) referenceFill(attrs, d, draw, p, inputs[0]?.dtype);
  return [out];
}

/** bernoulli's n probabilities in element order: the storage itself when it is exactly that (no copy). */
function probabilities(t: Tensor, n: number): ArrayLike<number> {
  const data = t.storage.data;
  if (t.offset === 0 && t.isContiguous() && data.length === n && (data instanceof Float32Array || data instanceof Float64Array)) return data;
  return t.toTypedArray();
}

/**
 * Element i's value into d[i] for every i, block by block: the reference loops (exported for
 * the tests that hold the native kernel to them). Not randperm.
 */
export function referenceFill(attrs: PrimitiveAttrs["random"], d: ArrayLike<number>, draw: PhiloxDraw, p: ArrayLike<number> | null, pDtype: string | undefined): void {
  const { dist, dtype } = attrs;
  const k = elementsPerBlock(dist.kind, dtype, pDtype);
  const n = d.length, enc = encoder(dtype), f64 = dtype === "float64";
  const w = new Uint32Array(4);
  let base = 0; // the current block's first element
  let value: (s: number) => number; // slot s of the current block
  switch (dist.kind) {
    case "uniform": {
      // only as many bits as the dtype's significand holds, so rounding to the dtype never
      // turns a value just under 1 into 1 (rand must stay in [0, 1))
      const span = dist.high - dist.low;
      const bits = dtype === "bfloat16" ? 8 : dtype === "float16" ? 11 : 24;
      const scale = 2 ** -bits;
      value = f64 ? (s) => dist.low + span * u53(w[2 * s]!, w[2 * s + 1]!) : (s) => dist.low + span * ((w[s]! >>> (32 - bits)) * scale);
      break;
    }
    case "normal":
      value = f64 ? (s) => dist.mean + dist.std * normal53(w, s) : (s) => dist.mean + dist.std * normal24(w, s);
      break;
    case "randint": {
      const span = dist.high - dist.low;
      value = (s) => dist.low + below64(w[2 * s]!, w[2 * s + 1]!, span);
      break;
    }
    case "bernoulli":
      value = pDtype === "float64" ? (s) => (u53(w[2 * s]!, w[2 * s + 1]!) < p![base + s]! ? 1 : 0) : (s) => ((w[s]! >>> 8) * TWO_POW_M24 < p![base + s]! ? 1 : 0);
      break;
    default:
      throw new FluxionError(`random: unknown distribution ${(dist as { kind: string }).kind}`);
  }
  for (let b = 0; base < n; b++, base += k) {
    philoxBlock(draw, b, w);
    const m = Math.min(k, n - base);
    for (let s = 0; s < m; s++) (d as Float64Array)[base + s] = enc(value(s));
  }
}

/** Fisher-Yates over 0..n-1: step t (i = n-1-t) swaps i with floor(r64 of draw t · (i + 1) / 2^64). */
function randperm(d: Float64Array, draw: PhiloxDraw, enc: (v: number) => number): void {
  const n = d.length;
  const w = new Uint32Array(4);
  const perm = new Float64Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let t = 0; t < n - 1; t++) {
    if (t % 2 === 0) philoxBlock(draw, t / 2, w);
    const s = t % 2, i = n - 1 - t;
    const j = below64(w[2 * s]!, w[2 * s + 1]!, i + 1);
    const tmp = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = tmp;
  }
  for (let i = 0; i < n; i++) d[i] = enc(perm[i]!);
}
