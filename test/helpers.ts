/** Shared test utilities: closeness checks against float64 references, random inputs, temporary directories and error messages. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FluxionError, Generator, Tensor, tensor, type DType } from "../src/index.js";

/** Flattens nested arrays / numbers / tensors into a number array. */
export function flat(x: unknown): number[] {
  if (x instanceof Tensor) return Array.from(x.toTypedArray(), Number);
  if (Array.isArray(x)) return x.flatMap(flat);
  if (typeof x === "boolean") return [x ? 1 : 0];
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>, Number);
  return [x as number];
}

/** Asserts elementwise |a - b| <= atol + rtol * |b| (NaNs must match NaNs). */
export function assertClose(actual: unknown, expected: unknown, opts: { atol?: number; rtol?: number; msg?: string } = {}): void {
  const a = flat(actual), b = flat(expected);
  const atol = opts.atol ?? 1e-5, rtol = opts.rtol ?? 1e-4;
  assert.equal(a.length, b.length, `${opts.msg ?? ""} length ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (Number.isNaN(y)) {
      assert.ok(Number.isNaN(x), `${opts.msg ?? ""} element ${i}: expected NaN, got ${x}`);
      continue;
    }
    if (x === y) continue;
    assert.ok(Math.abs(x - y) <= atol + rtol * Math.abs(y), `${opts.msg ?? ""} element ${i}: ${x} vs expected ${y}`);
  }
}

export function assertShape(t: Tensor, shape: readonly number[]): void {
  assert.deepEqual([...t.shape], [...shape]);
}

/** A seeded random tensor (values uniform in [lo, hi)). */
export function randomTensor(shape: readonly number[], opts: { seed?: number; dtype?: DType; lo?: number; hi?: number; requiresGrad?: boolean } = {}): Tensor {
  const g = new Generator(opts.seed ?? 1);
  const n = shape.reduce((a, b) => a * b, 1);
  const lo = opts.lo ?? -2, hi = opts.hi ?? 2;
  const vals = Array.from({ length: n }, () => lo + (hi - lo) * g.nextDouble());
  const t = tensor(new Float64Array(vals), { shape, dtype: opts.dtype ?? "float64" });
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** A non-contiguous tensor with the given shape and values equal to base (transposed storage). */
export function nonContiguous(t: Tensor): Tensor {
  if (t.ndim < 2) {
    // every other element of a doubled tensor
    const doubled = t.reshape([-1, 1]).expand([t.numel(), 2]).contiguous();
    return doubled.select(1, 0).reshape(t.shape.length ? t.shape : []);
  }
  const perm = t.shape.map((_, i) => i).reverse();
  return t.permute(perm).contiguous().permute(perm);
}

/** Reference value of a tensor as float64 numbers with its shape. */
export function ref(t: Tensor): { shape: number[]; v: number[] } {
  return { shape: [...t.shape], v: flat(t) };
}

/**
 * Runs fn with a fresh temporary directory (fluxion-<name>-XXXXXX) and removes it afterwards,
 * also when fn throws or the promise it returns rejects.
 * @example withTempDir("ckpt", (dir) => io.save(state, join(dir, "model.safetensors")))
 */
export function withTempDir<T>(name: string, fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), `fluxion-${name}-`));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  let result: T;
  try {
    result = fn(dir);
  } catch (e) {
    remove();
    throw e;
  }
  if (result instanceof Promise) return result.finally(remove) as T;
  remove();
  return result;
}

/** The message of the FluxionError that fn throws; fails the test when fn succeeds or throws anything else. */
export function fluxionErrorMessage(fn: () => unknown, what: string): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof FluxionError, `not a FluxionError: ${e}`);
    return e.message;
  }
  assert.fail(`${what} succeeded`);
}
