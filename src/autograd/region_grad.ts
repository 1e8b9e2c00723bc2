/**
 * Lazy gradients of views that pick part of their input (select, narrow, slice, and so
 * chunk, split, unbind and basic indexing). Without grad mode (a backward without
 * createGraph) such a view's backward does not build a zero tensor of the input's shape
 * with g written into it: it returns a RegionGrad, "g lives in this region of a zero
 * tensor shaped like the input". The engine (engine.ts) keeps it lazy, passes it through
 * further region views by composing the regions, and when a second gradient arrives for
 * the same tensor it accumulates all of them, in place, into one buffer it owns. A loop
 * that takes x.select(0, t) for every t so costs one x-sized buffer in backward, not T.
 *
 * Regions are kept as the chain of view steps that made them (not as strides into a
 * contiguous buffer), so a region of a region is just the longer chain.
 * Not here: the differentiable (createGraph) form, which stays in src/ops/views.ts.
 */
import { dispatch } from "../backend/dispatcher.js";
import type { DType } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * One view step: along `dim`, the elements start, start + step, ... (`length` of them);
 * `drop` removes the dim afterwards (select: length 1).
 */
export interface RegionStep {
  readonly dim: number;
  readonly start: number;
  readonly length: number;
  readonly step: number;
  readonly drop: boolean;
}

/** What a view node records for the engine: its input's shape and the step it applies. */
export interface ViewRegion {
  readonly inShape: readonly number[];
  readonly step: RegionStep;
}

interface Piece {
  readonly g: Tensor;
  /** Applied in order to a tensor of the RegionGrad's shape, they give g's place. */
  readonly steps: readonly RegionStep[];
}

/** A gradient that is zero outside some regions of a tensor of `shape`: the sum of its pieces. */
export class RegionGrad {
  constructor(
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly device: string,
    readonly pieces: readonly Piece[],
  ) {}

  /** g (shaped like the view's output) placed through a view node's region. */
  static of(g: Tensor | RegionGrad, region: ViewRegion): RegionGrad {
    const { inShape, step } = region;
    if (g instanceof RegionGrad) return new RegionGrad(inShape, g.dtype, g.device, g.pieces.map((p) => ({ g: p.g, steps: [step, ...p.steps] })));
    return new RegionGrad(inShape, g.dtype, g.device, [{ g, steps: [step] }]);
  }

  /** The same gradient in another dtype (the engine casts to the tensor's dtype). */
  to(dtype: DType): RegionGrad {
    return new RegionGrad(this.shape, dtype, this.device, this.pieces.map((p) => ({ g: p.g.to(dtype), steps: p.steps })));
  }

  /** Adds every piece into `dst` (shaped like this) in place; `assignFirst` writes the first instead (dst holds zeros). */
  addInto(dst: Tensor, assignFirst = false): void {
    this.pieces.forEach((p, i) => {
      const at = regionView(dst, p.steps);
      if (assignFirst && i === 0) dispatch("assign", [at, p.g], {});
      else dispatch("binary", [at, p.g], { op: "add", inPlace: true });
    });
  }

  /** A new dense tensor holding this gradient (one zero-filled buffer). */
  materialize(): Tensor {
    const out = dispatch("full", [], { shape: this.shape, dtype: this.dtype, value: 0 }, this.device);
    this.addInto(out, true);
    return out;
  }
}

/** The view of t that `steps` select (a raw view: no autograd). */
export function regionView(t: Tensor, steps: readonly RegionStep[]): Tensor {
  let shape = [...t.shape], strides = [...t.strides], offset = t.offset;
  for (const s of steps) {
    if (s.length > 0 || s.drop) offset += s.start * strides[s.dim]!;
    if (s.drop) {
      shape.splice(s.dim, 1);
      strides.splice(s.dim, 1);
    } else {
      shape[s.dim] = s.length;
      strides[s.dim] = strides[s.dim]! * s.step;
    }
  }
  return dispatch("view", [t], { shape, strides, offset });
}

/** A gradient the engine passes around: dense, or lazy regions. */
export type GradValue = Tensor | RegionGrad;

/** The dense tensor of a gradient value (materializing a lazy one). */
export function dense(v: GradValue): Tensor {
  return v instanceof Tensor ? v : v.materialize();
}
