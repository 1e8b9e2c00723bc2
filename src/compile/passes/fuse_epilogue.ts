/**
 * Epilogue fusion: a ReLU applied to a matmul's or a convolution's result runs inside that
 * kernel (the matmul and conv2d primitives take `activation: "relu"`), so the pre-activation
 * is never written and read back. For any model, however its forward is written: the
 * pattern is found in the graph, not in an nn.Sequential.
 *
 * The matmul (or conv2d forward without pooling) must be the only producer of a value that
 * nothing but the ReLU reads, directly or through contiguous reshapes (F.linear on a 3-D
 * input is a matmul on its 2-D view), with no in-place write, and none of those values
 * live (a value user code was handed is kept, so it must be computed). ReLU's gradient
 * reads ReLU's output, so a training step fuses; GELU's reads its input, and its erf in the
 * GEMM epilogue is not bit-identical to the elementwise kernel's, so only ReLU fuses.
 * The fused node takes the ReLU's output value and is placed where the matmul was; the
 * reshapes in between go.
 */
import { isLive, type Graph, type IRNode } from "../ir.js";
import { writtenBuffers } from "./util.js";

export function fuseEpilogues(g: Graph): Graph {
  // how many node inputs read each buffer (views included: they read their input's buffer)
  const reads = new Map<number, number>();
  for (const n of g.nodes) for (const v of n.inputs) reads.set(g.values[v]!.buf, (reads.get(g.values[v]!.buf) ?? 0) + 1);
  const written = writtenBuffers(g);
  const index = new Map<number, number>(); // value -> index of its producer
  g.nodes.forEach((n, i) => n.outputs.forEach((o) => index.set(o, i)));
  const fusedInto = new Map<number, IRNode>(); // producer index -> the fused node
  const dropped = new Set<number>(); // indices of absorbed ReLUs
  g.nodes.forEach((n, i) => {
    if (n.op !== "unary" || (n.attrs as { op?: string }).op !== "relu" || n.effect !== "pure") return;
    // back from the ReLU's input through contiguous reshapes to the producer
    let v = n.inputs[0]!;
    const chain = [v];
    const views: number[] = [];
    let pi = index.get(v);
    while (pi !== undefined && g.nodes[pi]!.op === "view" && contiguousReshape(g, g.nodes[pi]!)) {
      views.push(pi);
      v = g.nodes[pi]!.inputs[0]!;
      chain.push(v);
      pi = index.get(v);
    }
    if (pi === undefined || fusedInto.has(pi)) return;
    const p = g.nodes[pi]!;
    if (!epilogueFree(p) || p.outputs.length !== 1 || p.effect !== "pure") return;
    const buf = g.values[v]!.buf;
    // its readers: the views of the chain and the ReLU, nothing else
    // nobody reads it after the graph: a free buffer (values over it that views read count as
    // live for renaming passes, but its contents are not needed), else no live value over it
    const unread = g.free ? g.free.has(buf) : !chain.some((c) => isLive(g, c));
    if (!unread || reads.get(buf) !== chain.length || written.has(buf) || g.buffers[buf]!.external) return;
    const y = g.values[n.outputs[0]!]!, x = g.values[n.inputs[0]!]!;
    if (y.dtype !== x.dtype || y.shape.length !== x.shape.length || y.shape.some((s, d) => s !== x.shape[d])) return;
    // src -1: the node's own attributes (a matmul's and a convolution's hold no JS scalars)
    const fused: IRNode = { ...p, attrs: { ...p.attrs, activation: "relu" }, outputs: [n.outputs[0]!], src: -1, publicOp: `${p.publicOp}, ${n.publicOp}` };
    if (chain.length > 1) fused.reshapesOutput = true;
    fusedInto.set(pi, fused);
    dropped.add(i);
    for (const k of views) dropped.add(k); // nothing else reads them
  });
  if (dropped.size === 0) return g;
  const nodes = g.nodes.flatMap((n, i) => (dropped.has(i) ? [] : [fusedInto.get(i) ?? n]));
  return { ...g, nodes };
}

/** A view that reads its whole input, contiguous, as another shape (a reshape). */
function contiguousReshape(g: Graph, n: IRNode): boolean {
  const out = g.values[n.outputs[0]!]!, inp = g.values[n.inputs[0]!]!;
  const contiguous = (shape: readonly number[], strides: readonly number[]) => {
    let expect = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (shape[d] !== 1 && strides[d] !== expect) return false;
      expect *= shape[d]!;
    }
    return true;
  };
  const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  return n.attrs.dtype === undefined && out.offset === 0 && inp.offset === 0 && numel(out.shape) === numel(inp.shape) && contiguous(out.shape, out.strides) && contiguous(inp.shape, inp.strides);
}

/** A matmul or a convolution's forward pass with no activation (nor pooling) yet. */
function epilogueFree(n: IRNode): boolean {
  const a = n.attrs as { activation?: string; pass?: string; pool?: unknown };
  if (a.activation !== undefined) return false;
  return n.op === "matmul" || (n.op === "conv2d" && a.pass === "forward" && a.pool === undefined);
}
