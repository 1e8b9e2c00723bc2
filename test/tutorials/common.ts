/**
 * Shared by the tutorial tests: the fixtures (test/fixtures/tutorials/*.json, written by the
 * Python scripts beside them), the deterministic values both sides start from, and the
 * comparison of a Fluxion tensor with a recorded PyTorch one.
 *
 * PyTorch's random streams (mt19937) are not Fluxion's (Philox4x32-10), so weights and
 * synthetic data come from the 32-bit LCG of test/fixtures/tutorials/common.py, reproduced
 * here bit for bit: each value is computed in float64 and rounded to float32 once.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { noGrad, tensor, type Tensor, type nn } from "../../src/index.js";
import { assertClose } from "../helpers.js";

export const FIXTURES = resolve(import.meta.dirname, "../fixtures/tutorials");
export const FASHION_ROOT = "/usr/share/datasets/fashion-mnist";
/** Why a Fashion-MNIST test is skipped, or false when the files are there. */
export const NO_FASHION: string | false = existsSync(join(FASHION_ROOT, "train-images-idx3-ubyte.gz")) && existsSync(join(FASHION_ROOT, "t10k-images-idx3-ubyte.gz"))
  ? false
  : `Fashion-MNIST not found in ${FASHION_ROOT} (apt-get install dataset-fashion-mnist)`;

/** A recorded tensor: shape, PyTorch dtype name and the values flattened. */
export interface Enc {
  shape: number[];
  dtype: string;
  v: number[];
}

export function loadFixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as T;
}

/** n successive states of x -> 1664525 x + 1013904223 (mod 2^32), starting from seed. */
export function lcgInts(n: number, seed: number): Uint32Array {
  const out = new Uint32Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(1664525, x) + 1013904223) >>> 0;
    out[i] = x;
  }
  return out;
}

/** float32 tensor of (u * scale + offset) with u = state / 2^31 - 1, as common.py's det. */
export function det(shape: number[], seed: number, scale = 1, offset = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const ints = lcgInts(n, seed);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (ints[i]! / 2147483648 - 1) * scale + offset;
  return tensor(v, { shape });
}

/** n class indices in [0, classes) as int32 (common.py's det_labels, which are int64 there). */
export function detLabels(n: number, seed: number, classes: number): Tensor {
  return tensor(Int32Array.from(lcgInts(n, seed), (x) => (x >>> 16) % classes));
}

/** common.py's init_deterministic: parameter i (namedParameters order) from seed + i. */
export function initDeterministic(module: nn.Module, seed = 1): void {
  noGrad(() => {
    let i = 0;
    for (const [, p] of module.namedParameters()) {
      const scale = p.ndim > 0 ? 1 / Math.sqrt(p.shape[p.ndim - 1]!) : 1;
      p.copy_(det([...p.shape], seed + i, scale));
      i++;
    }
  });
}

/** Asserts t has the recorded shape and values (within tolerance). */
export function assertTensor(t: Tensor, e: Enc, opts: { atol?: number; rtol?: number; msg?: string } = {}): void {
  assert.deepEqual([...t.shape], e.shape, `${opts.msg ?? ""} shape`);
  assertClose(t, e.v, opts);
}

/** Python's snake_case name as the camelCase one the translation uses. */
export function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
