/** Shared by the native kernel tests: whether the addon is loaded, its ISA paths, and running on one of them. */
import assert from "node:assert/strict";
import { nativeStatus, setNativeIsa } from "../../src/backend/cpu/native.js";

export type Isa = "portable" | "avx2" | "avx512";

export const status = nativeStatus();
/** A node:test `skip` value: false when the addon is loaded, else why not. */
export const skip = status.active ? false : `native addon not loaded: ${status.reason}`;
/** The kernel paths this CPU supports (empty without the addon). */
export const isas = status.supportedIsas as Isa[];

/** Runs `fn` with the native kernels forced onto `isa`, then back to the automatic choice. */
export function withIsa(isa: Isa, fn: () => void): void {
  assert.ok(setNativeIsa(isa));
  try {
    fn();
  } finally {
    setNativeIsa("auto");
  }
}

/** A seeded xorshift32 generator of floats in [0, 1), for reproducible test inputs. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}
