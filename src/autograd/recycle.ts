/**
 * Frees the gradient buffers a backward pass makes and uses up as soon as the engine is done
 * with them, the way PyTorch's refcounts free them, instead of leaving them to the garbage
 * collector (which may find them only several steps later, after they were promoted to the
 * old generation: memory that PyTorch would already have reused).
 *
 * What may be freed: storages created during this backward (so never a forward tensor, a
 * parameter or a gradient the caller passed in) that no engine slot holds any more and that
 * never escaped: handed to a hook, stored as a .grad, returned by autograd.grad, or passed
 * through a custom autograd.Function (user code may keep what it sees). Built-in backward
 * formulas keep nothing they are given (grad mode is off: they record nothing either).
 * Never used with createGraph, where gradients are part of a new graph.
 *
 * Also freed: the temporaries a built-in backward formula makes and does not return (the
 * intermediate products of g·y·(1 - y), a layer's per-step buffers): every storage created
 * while the formula runs whose buffer no returned gradient shares. Formulas keep nothing
 * between calls (the one cache of tensors, ops/helpers.ts's 0-d scalars, is too small to be
 * pooled, and only pooled buffers are ever freed).
 */
let recycling = true;
/** Turns the early freeing off (tests compare results with and without it); returns the old setting. */
export function setGradRecycling(on: boolean): boolean {
  const old = recycling;
  recycling = on;
  return old;
}
import { releaseStorage } from "../backend/backend.js";
import { collectStorages, nextStorageSeq, type Storage } from "../tensor/storage.js";
import type { Tensor } from "../tensor/tensor.js";
import { RegionGrad, type GradValue } from "./region_grad.js";

function forEachTensor(v: GradValue, fn: (t: Tensor) => void): void {
  if (v instanceof RegionGrad) for (const p of v.pieces) fn(p.g);
  else fn(v);
}

/**
 * Frees the temporaries a built-in op made for itself (a layer's input projection, per-step
 * products) once it is done, except any whose memory a tensor in `keep` (its outputs, what
 * it saved for backward) shares. The caller guarantees `temps` never reached user code.
 */
export function freeTemporaries(temps: readonly (Tensor | null | undefined)[], keep: readonly (Tensor | null | undefined)[]): void {
  if (!recycling) return;
  const kept = new Set<MemoryKey>();
  for (const t of keep) if (t) kept.add(bufferOf(t.storage));
  for (const t of temps) {
    if (!t) continue;
    const b = bufferOf(t.storage);
    if (kept.has(b)) continue;
    kept.add(b); // once
    releaseStorage(t.storage);
  }
}

/** The memory a storage's elements live in: storages that alias each other share it. */
/**
 * The memory a storage reads, as the key of the sets below. A storage compile() has pending
 * has no memory yet (reading `data` would run its graph): it is its own key, which is exact,
 * as only a dtype view shares memory under another Storage and compile() does not record those.
 */
type MemoryKey = object;
const bufferOf = (s: Storage): MemoryKey => (s._lazy !== null ? s : s.memoryKey());

export class GradRecycler {
  /** Storages with seq >= epoch were made during this backward (aliases carry their base's seq). */
  private readonly epoch = nextStorageSeq();
  /** How many slot entries hold each buffer, and a storage to free it through. */
  private readonly held = new Map<MemoryKey, { s: Storage; n: number }>();
  /** Buffers that escaped to user code: never freed. By buffer, so an alias escaping keeps its base. */
  private readonly kept = new Set<MemoryKey>();

  readonly enabled: boolean;
  constructor(enabled: boolean) {
    this.enabled = enabled && recycling;
  }

  /**
   * Runs a built-in backward formula, then frees the storages it made that none of its
   * returned gradients use (those go on to slots, where hold/drop track them).
   */
  runFormula<R extends readonly (Tensor | null | undefined)[]>(fn: () => R): R {
    if (!this.enabled) return fn();
    const made: Storage[] = [];
    const outer = collectStorages(made);
    let out: R;
    try {
      out = fn();
    } finally {
      collectStorages(outer);
    }
    if (made.length > 0) {
      const used = new Set<MemoryKey>();
      for (const g of out) if (g) used.add(bufferOf(g.storage));
      for (const s of made) if (!used.has(bufferOf(s)) && this.mine(s)) releaseStorage(s);
    }
    return out;
  }

  private mine(s: Storage): boolean {
    return this.enabled && s.seq >= this.epoch;
  }

  /** A slot now holds v. */
  hold(v: GradValue): void {
    forEachTensor(v, (t) => {
      if (!this.mine(t.storage)) return;
      const b = bufferOf(t.storage), h = this.held.get(b);
      if (h) h.n++;
      else this.held.set(b, { s: t.storage, n: 1 });
    });
  }

  /** A slot is done with v: buffers nothing else holds are freed. */
  drop(v: GradValue): void {
    forEachTensor(v, (t) => {
      const b = bufferOf(t.storage), h = this.held.get(b);
      if (h === undefined) return;
      if (h.n > 1) h.n--;
      else {
        this.held.delete(b);
        if (!this.kept.has(b)) releaseStorage(h.s);
      }
    });
  }

  /** v escaped to user code or a .grad: never freed. */
  keep(v: GradValue | null | undefined): void {
    if (v) forEachTensor(v, (t) => this.mine(t.storage) && this.kept.add(bufferOf(t.storage)));
  }

  /**
   * Frees saved tensors that the op made for itself and never returned (Node.privateSaved),
   * once its node has run and is released; not any whose memory a gradient it returned shares.
   */
  freePrivateSaved(saved: readonly (Tensor | undefined)[], grads: readonly (Tensor | null | undefined)[]): void {
    if (this.enabled) freeTemporaries(saved, grads);
  }

  /** A gradient made for one use (materialized, zero-filled, or returned and not needed). */
  dropIfUnheld(t: Tensor | null | undefined): void {
    if (!t) return;
    const s = t.storage, b = bufferOf(s);
    if (this.mine(s) && !this.held.has(b) && !this.kept.has(b)) releaseStorage(s);
  }
}
