/**
 * Output metadata of each primitive without running it: what compile() needs to hand back a
 * lazy tensor of the right shape and dtype while it records. One rule per primitive; a
 * primitive without a rule (one added after this file, or `unique`, whose output shape
 * depends on the values) is not recorded: the graph so far runs and the call runs eagerly,
 * counted as a graph break. The executor checks every kernel's outputs against these rules,
 * so a wrong rule is an error, never a silently wrong tensor.
 */
import { UNARY_OPS, BINARY_OPS } from "../ops/elementwise_table.js";
import type { PrimitiveAttrs, PrimitiveName } from "../backend/primitives.js";
import { linalgOutputs } from "../backend/linalg.js";
import type { DType } from "../tensor/dtype.js";
import { broadcastShapes } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

/** A new contiguous output, or input `input` written in place and returned. */
export type OutputSpec = { shape: readonly number[]; dtype: DType } | { inPlace: number };

type Rule<P extends PrimitiveName> = (inputs: readonly Tensor[], attrs: PrimitiveAttrs[P]) => OutputSpec[];

function outSize(size: number, k: number, stride: number, pad: number, dil: number): number {
  return Math.floor((size + 2 * pad - dil * (k - 1) - 1) / stride) + 1;
}

const same = (x: Tensor): OutputSpec => ({ shape: x.shape, dtype: x.dtype });

/** `view` is handled by the recorder itself (it shares its input's storage); `fromHost` runs eagerly. */
export const META: { [P in PrimitiveName]?: Rule<P> } = {
  unary: ([x], a) => [{ shape: x!.shape, dtype: UNARY_OPS[a.op].kind === "predicate" ? "bool" : x!.dtype }],
  binary: ([x, y], a) =>
    a.inPlace ? [{ inPlace: 0 }] : [{ shape: broadcastShapes(a.op, x!.shape, y!.shape), dtype: BINARY_OPS[a.op].kind === "predicate" ? "bool" : x!.dtype }],
  where: ([c, x, y]) => [{ shape: broadcastShapes("where", c!.shape, x!.shape, y!.shape), dtype: x!.dtype }],
  cast: ([x], a) => [{ shape: x!.shape, dtype: a.dtype }],
  reduce: ([x], a) => {
    const axes = a.axes.filter((d) => d < x!.ndim);
    const shape = x!.shape.flatMap((s, d) => (axes.includes(d) ? (a.keepdim ? [1] : []) : [s]));
    return [{ shape, dtype: a.op === "argmax" || a.op === "argmin" ? "int32" : x!.dtype }];
  },
  scan: ([x]) => [same(x!)],
  copy: ([x]) => [same(x!)],
  assign: () => [{ inPlace: 0 }],
  matmul: ([x, y]) => [{ shape: [...x!.shape.slice(0, -1), y!.shape[y!.ndim - 1]!], dtype: x!.dtype }],
  cat: (ins, a) => {
    const shape = [...ins[0]!.shape];
    shape[a.axis] = ins.reduce((s, t) => s + t.shape[a.axis]!, 0);
    return [{ shape, dtype: ins[0]!.dtype }];
  },
  pad: ([x], a) => [{ shape: x!.shape.map((s, d) => s + a.pads[d]![0] + a.pads[d]![1]), dtype: x!.dtype }],
  gather: ([x, index]) => [{ shape: index!.shape, dtype: x!.dtype }],
  scatter: ([x]) => [same(x!)],
  indexPut: () => [{ inPlace: 0 }],
  sort: ([x]) => [same(x!), { shape: x!.shape, dtype: "int32" }],
  random: (_i, a) => [{ shape: a.shape, dtype: a.dtype }],
  full: (_i, a) => [{ shape: a.shape, dtype: a.dtype }],
  range: (_i, a) => [{ shape: [a.n], dtype: a.dtype }],
  unfold: ([x], a) => {
    const [N, C, H, W] = x!.shape as [number, number, number, number];
    const L = outSize(H, a.kernel[0], a.stride[0], a.padding[0], a.dilation[0]) * outSize(W, a.kernel[1], a.stride[1], a.padding[1], a.dilation[1]);
    return [{ shape: [N, C * a.kernel[0] * a.kernel[1], L], dtype: x!.dtype }];
  },
  fold: ([x], a) => [{ shape: [x!.shape[0]!, x!.shape[1]! / (a.kernel[0] * a.kernel[1]), ...a.outputSize], dtype: x!.dtype }],
  conv2d: (ins, a) => {
    if (a.pass === "forward") {
      const [x, w] = ins as [Tensor, Tensor];
      let oh = outSize(x.shape[2]!, a.kernel[0], a.stride[0], a.padding[0], a.dilation[0]);
      let ow = outSize(x.shape[3]!, a.kernel[1], a.stride[1], a.padding[1], a.dilation[1]);
      if (a.pool) {
        oh = outSize(oh, a.pool.kernel[0], a.pool.stride[0], 0, 1);
        ow = outSize(ow, a.pool.kernel[1], a.pool.stride[1], 0, 1);
      }
      const shape = [x.shape[0]!, w.shape[0]!, oh, ow];
      return a.pool?.indices ? [{ shape, dtype: x.dtype }, { shape, dtype: "int32" }] : [{ shape, dtype: x.dtype }];
    }
    if (a.pass === "input") {
      const [dy, w] = ins as [Tensor, Tensor];
      return [{ shape: [dy.shape[0]!, w.shape[1]!, ...a.inputSize!], dtype: dy.dtype }];
    }
    const [x, dy] = ins as [Tensor, Tensor];
    return [{ shape: [dy.shape[1]!, x.shape[1]!, ...a.kernel], dtype: x.dtype }, { shape: [dy.shape[1]!], dtype: x.dtype }];
  },
  maxPool: ([x], a) => {
    const shape = [x!.shape[0]!, x!.shape[1]!, ...a.outputSize];
    return [{ shape, dtype: x!.dtype }, { shape, dtype: "int32" }];
  },
  // the fused tier (primitives.ts FusedPrimitiveAttrs, rnn_cell.ts)
  softmax: ([x]) => [same(x!)],
  softmaxBackward: ([g]) => [same(g!)],
  crossEntropy: ([x, target], a) => [{ shape: a.reduction === "none" ? target!.shape : [], dtype: x!.dtype }, { shape: target!.shape, dtype: x!.dtype }],
  crossEntropyBackward: ([, x]) => [same(x!)],
  batchNorm: ([x]) => {
    const c = { shape: [x!.shape[1]!], dtype: x!.dtype };
    return [same(x!), c, c];
  },
  batchNormBackward: ([, x]) => {
    const c = { shape: [x!.shape[1]!], dtype: x!.dtype };
    return [same(x!), c, c];
  },
  groupNorm: ([x], a) => {
    const s = { shape: [x!.shape[0]!, a.groups], dtype: x!.dtype };
    return [same(x!), s, s];
  },
  groupNormBackward: ([, x]) => {
    const c = { shape: [x!.shape[1]!], dtype: x!.dtype };
    return [same(x!), c, c];
  },
  rnnCell: (ins, a) => {
    const N = ins[0]!.shape[0]!, H = ins[0]!.shape[1]! / (a.mode === "lstm" ? 4 : a.mode === "gru" ? 3 : 1), dtype = ins[0]!.dtype;
    const h = { shape: [N, H], dtype };
    if (a.mode === "lstm") return [h, h, { shape: [N, 4 * H], dtype }];
    if (a.mode === "gru") return [h, { shape: [N, 4 * H], dtype }];
    return [h];
  },
  rnnCellBackward: (ins, a) => {
    const [N, H] = ins[0]!.shape as [number, number], dtype = ins[0]!.dtype;
    if (a.mode === "lstm") return [{ shape: [N, 4 * H], dtype }, { shape: [N, H], dtype }];
    if (a.mode === "gru") return [{ shape: [N, 3 * H], dtype }, { shape: [N, 3 * H], dtype }, { shape: [N, H], dtype }];
    return [{ shape: [N, H], dtype }];
  },
  linalg: (ins, a) => linalgOutputs(ins, a),
  topk: ([x], a) => {
    const shape = x!.shape.map((s, d) => (d === a.axis ? a.k : s));
    return [{ shape, dtype: x!.dtype }, { shape, dtype: "int32" }];
  },
  resample: ([x, index], a) => [{ shape: x!.shape.map((s, d) => (d === a.axis ? (a.transpose ? a.size : index!.shape[1]!) : s)), dtype: x!.dtype }],
  depthwiseConv2d: (ins, a) => {
    if (a.pass === "forward") {
      const [x, w] = ins as [Tensor, Tensor];
      const oh = outSize(x.shape[2]!, a.kernel[0], a.stride[0], a.padding[0], a.dilation[0]);
      const ow = outSize(x.shape[3]!, a.kernel[1], a.stride[1], a.padding[1], a.dilation[1]);
      return [{ shape: [x.shape[0]!, w.shape[0]!, oh, ow], dtype: x.dtype }];
    }
    if (a.pass === "input") {
      const [dy, w] = ins as [Tensor, Tensor];
      return [{ shape: [dy.shape[0]!, w.shape[0]! / a.multiplier, ...a.inputSize!], dtype: dy.dtype }];
    }
    const [x, dy] = ins as [Tensor, Tensor];
    return [{ shape: [dy.shape[1]!, 1, ...a.kernel], dtype: x.dtype }, { shape: [dy.shape[1]!], dtype: x.dtype }];
  },
  // made by the fusion pass, not recorded from user code; a rule so a nested capture records it
  fusedProgram: (ins, a) => a.outputs.map((o) => (o.inPlace !== undefined ? { inPlace: o.inPlace } : { shape: a.shape, dtype: a.dtype })),
};

/**
 * Inputs a primitive writes in place besides its outputs (by position): batchNorm in training
 * updates its running statistics. The recorder counts these as writes (the node is kept and
 * ordered like other effects) and watches the storages.
 */
export function metaWrites(op: string, attrs: unknown): number[] {
  if (op === "batchNorm") {
    const a = attrs as PrimitiveAttrs["batchNorm"];
    if (a.training && a.running) {
      const k = 1 + (a.weight ? 1 : 0) + (a.bias ? 1 : 0);
      return [k, k + 1];
    }
  }
  return NO_WRITES;
}
const NO_WRITES: number[] = [];

export function metaRule(op: string): Rule<PrimitiveName> | undefined {
  return (META as Record<string, Rule<PrimitiveName> | undefined>)[op];
}
