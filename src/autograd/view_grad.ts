/**
 * Autograd for in-place writes through views (PyTorch's CopySlices) and for views whose base
 * was modified in place after they were created. A view addresses its base's storage by
 * (shape, strides, offset); gradients move between the base's shape and the view's shape
 * through a zero buffer laid out like the base's storage, so any base layout works.
 * Not here: the view ops themselves (src/ops/views.ts) and the write (src/ops/inplace.ts).
 */
import { dispatch } from "../backend/dispatcher.js";
import { zeros } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { Node } from "./node.js";
import { edgeOf, record1 } from "./record.js";

interface Geometry {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}
const geometryOf = (t: Tensor): Geometry => ({ shape: t.shape, strides: t.strides, offset: t.offset });

/** A zero tensor shaped like `base` over fresh storage laid out like base's storage. */
function bufferLike(base: Geometry, like: Tensor): Tensor {
  let span = base.offset + 1;
  base.shape.forEach((s, d) => (span += (s - 1) * base.strides[d]!));
  if (base.shape.includes(0)) span = base.offset;
  return dispatch("view", [zeros([span], { dtype: like.dtype, device: like.device })], base);
}
const at = (buf: Tensor, g: Geometry) => dispatch("view", [buf], g);

/** The view's part of g (g shaped like the base). Adjoint of embedRegion. */
function regionOf(g: Tensor, base: Geometry, view: Geometry): Tensor {
  const buf = bufferLike(base, g);
  dispatch("assign", [buf, g], {});
  return record1("AsStridedBackward0", [g], at(buf, view), [], ([gg]) => [embedRegion(gg!, base, view)]);
}

/** Zeros shaped like the base with g (shaped like the view) in the view's place. */
function embedRegion(g: Tensor, base: Geometry, view: Geometry): Tensor {
  const buf = bufferLike(base, g);
  dispatch("assign", [at(buf, view), g], {});
  return record1("AsStridedScatterBackward0", [g], buf, [], ([gg]) => [regionOf(gg!, base, view)]);
}

/** g (shaped like the base) with the view's place set to zero. Self-adjoint. */
function maskRegion(g: Tensor, base: Geometry, view: Geometry): Tensor {
  const buf = bufferLike(base, g);
  dispatch("assign", [buf, g], {});
  dispatch("assign", [at(buf, view), zeros([], { dtype: g.dtype, device: g.device })], {});
  return record1("CopySlicesMaskBackward0", [g], buf, [], ([gg]) => [maskRegion(gg!, base, view)]);
}

/** Marks `view` (a view op's output) as up to date with its base. */
export function markView(view: Tensor): void {
  if (view.gradFn) view._viewVersion = view.version;
}

/** A view's history as "this part of its base" (AsStridedBackward0 of the base's gradFn). */
function setViewHistory(view: Tensor, base: Tensor): void {
  const b = geometryOf(base), v = geometryOf(view);
  view.gradFn = new Node("AsStridedBackward0", [edgeOf(base)], [{ shape: view.shape, dtype: view.dtype, device: view.device }], [], ([g]) => [embedRegion(g!, b, v)]);
  view.outputNr = 0;
  view._viewVersion = view.version;
}

/**
 * After `view` (of `base`) was overwritten by `result`: the base's history becomes
 * CopySlices (its old history outside the view, result's inside) and the view's history
 * becomes its part of the new base.
 */
export function rebaseView(view: Tensor, base: Tensor, result: Tensor): void {
  const b = geometryOf(base), v = geometryOf(view);
  const baseEdge = edgeOf(base);
  const node = new Node("CopySlices", [baseEdge, edgeOf(result)], [{ shape: base.shape, dtype: base.dtype, device: base.device }], [], ([g]) => [
    baseEdge ? maskRegion(g!, b, v) : null,
    regionOf(g!, b, v),
  ]);
  base.gradFn = node;
  base.outputNr = 0;
  setViewHistory(view, base);
}

/**
 * A differentiable view whose storage was written since its gradFn was recorded (its base, or
 * an overlapping view, was modified in place) gets its history regenerated from the base's.
 */
export function refreshIfStale(view: Tensor): void {
  const seen = view._viewVersion;
  const base = view._base;
  if (seen < 0 || seen === view.version || !base?.requiresGrad) return;
  setViewHistory(view, base);
}
