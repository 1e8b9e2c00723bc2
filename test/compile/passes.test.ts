/**
 * Each pass on a captured graph, before and after (the printouts are the IR's), and the
 * optimized graph run again on the same bindings must give the same live values. Values a
 * pass dropped read as an error, never as stale numbers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { arange, bernoulli, compile, nn, ones, randn, tensor, FluxionError, type Tensor } from "../../src/index.js";
import { captureGraph } from "../../src/compile/capture.js";
import { execute } from "../../src/compile/executor.js";
import { formatGraph, type Graph } from "../../src/compile/ir.js";
import { eliminateCommonSubexpressions, eliminateDeadCode, foldConstants, fuseEpilogues, simplify } from "../../src/compile/passes/index.js";

const x = tensor([[1, -2], [3, 0.5]]);
const xi = tensor([1, 2], { dtype: "int32" });

/** Captures fn, checks the printouts before and after `pass`, reruns the result and compares the live values. */
function check(fn: (...a: Tensor[]) => Tensor | Tensor[], args: Tensor[], pass: (g: Graph) => Graph, before: string, after: string): void {
  const c = captureGraph(fn, ...args);
  assert.equal(formatGraph(c.graph), before.trim());
  const out = pass(c.graph);
  assert.equal(formatGraph(out), after.trim());
  const want = c.outputs.map((v) => Array.from(c.recording.tensors[v]!.toTypedArray()));
  for (const v of c.outputs) c.recording.tensors[v]!.storage._fill(new Float32Array(0)); // forget them
  execute(out, c.recording);
  assert.deepEqual(c.outputs.map((v) => Array.from(c.recording.tensors[v]!.toTypedArray())), want);
}

test("dead-code elimination drops what no live value needs (exp, cos), keeps the rest", () => {
  check((x: Tensor) => { x.exp(); const y = x.sin(); y.cos(); return y.neg(); }, [x], eliminateDeadCode, `
%0 = input(b0)  f32[2,2]
%1 = unary(%0) {op: exp}  f32[2,2]  # exp
%2 = unary(%0) {op: sin}  f32[2,2]  # sin
%3 = unary(%2) {op: cos}  f32[2,2]  # cos
%4 = unary(%2) {op: neg}  f32[2,2]  # neg
live: %4
`, `
%0 = input(b0)  f32[2,2]
%2 = unary(%0) {op: sin}  f32[2,2]  # sin
%4 = unary(%2) {op: neg}  f32[2,2]  # neg
live: %4
`);
});

test("CSE merges equal pure nodes and equal views (sin twice, t() twice)", () => {
  check((x: Tensor) => x.sin().add(x.sin()).mul(x.t().add(x.t())), [x], eliminateCommonSubexpressions, `
%0 = input(b0)  f32[2,2]
%1 = unary(%0) {op: sin}  f32[2,2]  # sin
%2 = unary(%0) {op: sin}  f32[2,2]  # sin
%3 = binary(%1, %2) {op: add}  f32[2,2]  # add
%4 = view(%0) {shape: [2, 2], strides: [1, 2], offset: 0}  f32[2,2] strides=[1,2]  # t
%5 = view(%0) {shape: [2, 2], strides: [1, 2], offset: 0}  f32[2,2] strides=[1,2]  # t
%6 = binary(%4, %5) {op: add}  f32[2,2]  # add
%7 = binary(%3, %6) {op: mul}  f32[2,2]  # mul
live: %7
`, `
%0 = input(b0)  f32[2,2]
%1 = unary(%0) {op: sin}  f32[2,2]  # sin
%3 = binary(%1, %1) {op: add}  f32[2,2]  # add
%4 = view(%0) {shape: [2, 2], strides: [1, 2], offset: 0}  f32[2,2] strides=[1,2]  # t
%6 = binary(%4, %4) {op: add}  f32[2,2]  # add
%7 = binary(%3, %6) {op: mul}  f32[2,2]  # mul
live: %7
`);
});

test("constant folding computes ones/arange/cast once; what reads the JS scalar 2 stays a node", () => {
  check((x: Tensor) => x.add(ones([2, 2]).mul(2).add(arange(2))), [x], foldConstants, `
%0 = full() {shape: [2, 2], dtype: float32, value: 1}  f32[2,2]  # ones
%1 = full() {shape: [], dtype: float32, value: $0=2}  f32[]  # mul
%2 = binary(%0, %1) {op: mul}  f32[2,2]  # mul
%3 = range() {start: 0, step: 1, n: 2, dtype: int32}  i32[2]  # arange
%4 = cast(%3) {dtype: float32}  f32[2]  # add
%5 = binary(%2, %4) {op: add}  f32[2,2]  # add
%6 = input(b6)  f32[2,2]
%7 = binary(%6, %5) {op: add}  f32[2,2]  # add
live: %7
`, `
%0 = const()  f32[2,2]  # ones
%1 = full() {shape: [], dtype: float32, value: $0=2}  f32[]  # mul
%2 = binary(%0, %1) {op: mul}  f32[2,2]  # mul
%3 = const()  i32[2]  # arange
%4 = const()  f32[2]  # add
%5 = binary(%2, %4) {op: add}  f32[2,2]  # add
%6 = input(b6)  f32[2,2]
%7 = binary(%6, %5) {op: add}  f32[2,2]  # add
live: %7
`);
});

test("simplification: x*1, x-0, x/1, double transpose and reshape chains go; live results become copies; float x+0 stays (-0), int x+0 goes", () => {
  check((x: Tensor, i: Tensor) => [x.mul(1).add(x.t().t()).reshape([4]).reshape([2, 2]).sub(0).div(1), x.add(0), i.add(0)], [x, xi], simplify, `
%0 = full() {shape: [], dtype: float32, value: 1}  f32[]  # mul
%1 = input(b1)  f32[2,2]
%2 = binary(%1, %0) {op: mul}  f32[2,2]  # mul
%3 = view(%1) {shape: [2, 2], strides: [1, 2], offset: 0}  f32[2,2] strides=[1,2]  # t
%4 = view(%3) {shape: [2, 2], strides: [2, 1], offset: 0}  f32[2,2]  # t
%5 = binary(%2, %4) {op: add}  f32[2,2]  # add
%6 = view(%5) {shape: [4], strides: [1], offset: 0}  f32[4]  # reshape
%7 = view(%6) {shape: [2, 2], strides: [2, 1], offset: 0}  f32[2,2]  # reshape
%8 = full() {shape: [], dtype: float32, value: 0}  f32[]  # sub
%9 = binary(%7, %8) {op: sub}  f32[2,2]  # sub
%10 = full() {shape: [], dtype: float32, value: 1}  f32[]  # div
%11 = binary(%9, %10) {op: div}  f32[2,2]  # div
%12 = full() {shape: [], dtype: float32, value: 0}  f32[]  # add
%13 = binary(%1, %12) {op: add}  f32[2,2]  # add
%14 = full() {shape: [], dtype: int32, value: 0}  i32[]  # add
%15 = input(b11)  i32[2]
%16 = binary(%15, %14) {op: add}  i32[2]  # add
live: %11, %13, %16
`, `
%0 = full() {shape: [], dtype: float32, value: 1}  f32[]  # mul
%1 = input(b1)  f32[2,2]
%3 = view(%1) {shape: [2, 2], strides: [1, 2], offset: 0}  f32[2,2] strides=[1,2]  # t
%5 = binary(%1, %1) {op: add}  f32[2,2]  # add
%6 = view(%5) {shape: [4], strides: [1], offset: 0}  f32[4]  # reshape
%8 = full() {shape: [], dtype: float32, value: 0}  f32[]  # sub
%10 = full() {shape: [], dtype: float32, value: 1}  f32[]  # div
%11 = copy(%5)  f32[2,2]  # div
%12 = full() {shape: [], dtype: float32, value: 0}  f32[]  # add
%13 = binary(%1, %12) {op: add}  f32[2,2]  # add
%14 = full() {shape: [], dtype: int32, value: 0}  i32[]  # add
%15 = input(b11)  i32[2]
%16 = copy(%15)  i32[2]  # add
live: %11, %13, %16
`);
});

test("a value a pass dropped cannot be read afterwards: a FluxionError says to return it", () => {
  const c = captureGraph((x: Tensor) => { x.exp(); return x.neg(); }, x);
  execute(eliminateDeadCode(c.graph), c.recording);
  assert.throws(() => c.recording.tensors[1]!.toTypedArray(), (e: unknown) => e instanceof FluxionError && /not kept; return it/.test((e as Error).message));
});

test("passes leave effects alone: in-place writes and random draws are never dropped or merged", () => {
  const buf = tensor([0, 0]);
  const c = captureGraph((x: Tensor) => { buf.add_(x); buf.add_(x); bernoulli(x); bernoulli(x); return x.neg(); }, tensor([0.5, 0.5]));
  const g = eliminateDeadCode(eliminateCommonSubexpressions(c.graph));
  assert.equal(g.nodes.filter((n) => n.effect === "inplace").length, 2);
  assert.equal(g.nodes.filter((n) => n.effect === "random").length, 2);
});

test("CSE does not merge nodes whose scalars are graph inputs (their values may differ next call)", () => {
  const c = captureGraph((x: Tensor) => x.mul(2.5).add(x.mul(2.5)), x);
  assert.equal(eliminateCommonSubexpressions(c.graph).nodes.filter((n) => n.op === "binary").length, 3);
});

test("epilogue fusion: ReLU after F.linear on a 3-D input (through its reshape) and after conv2d runs in the kernel", () => {
  const F = nn.functional;
  check((x: Tensor, w: Tensor, b: Tensor) => F.linear(x, w, b).relu(), [tensor([[[1, -2], [3, 0.5]]]), tensor([[1, 1], [-1, 2], [0.5, -3]]), tensor([0.1, -0.2, 0.3])], fuseEpilogues, `
%0 = input(b0)  f32[1,2,2]
%1 = view(%0) {shape: [2, 2], strides: [2, 1], offset: 0}  f32[2,2]  # reshape
%2 = input(b1)  f32[3,2]
%3 = view(%2) {shape: [2, 3], strides: [1, 2], offset: 0}  f32[2,3] strides=[1,2]  # F.linear
%4 = input(b2)  f32[3]
%5 = matmul(%1, %3, %4) {bias: col}  f32[2,3]  # F.linear
%6 = view(%5) {shape: [1, 2, 3], strides: [6, 3, 1], offset: 0}  f32[1,2,3]  # reshape
%7 = unary(%6) {op: relu}  f32[1,2,3]  # relu
live: %7
`, `
%0 = input(b0)  f32[1,2,2]
%1 = view(%0) {shape: [2, 2], strides: [2, 1], offset: 0}  f32[2,2]  # reshape
%2 = input(b1)  f32[3,2]
%3 = view(%2) {shape: [2, 3], strides: [1, 2], offset: 0}  f32[2,3] strides=[1,2]  # F.linear
%4 = input(b2)  f32[3]
%7 = matmul(%1, %3, %4) {bias: col, activation: relu}  f32[1,2,3]  # F.linear, relu
live: %7
`);
  check((x: Tensor, k: Tensor) => F.conv2d(x, k).relu(), [tensor([[[[1, -2, 0], [3, 0.5, -1], [2, 2, -2]]]]), tensor([[[[1, -1], [0.5, 2]]]])], fuseEpilogues, `
%0 = input(b0)  f32[1,1,3,3]
%1 = input(b1)  f32[1,1,2,2]
%2 = conv2d(%0, %1) {pass: forward, kernel: [2, 2], stride: [1, 1], padding: [0, 0], dilation: [1, 1]}  f32[1,1,2,2]  # F.conv2d
%3 = unary(%2) {op: relu}  f32[1,1,2,2]  # relu
live: %3
`, `
%0 = input(b0)  f32[1,1,3,3]
%1 = input(b1)  f32[1,1,2,2]
%3 = conv2d(%0, %1) {pass: forward, kernel: [2, 2], stride: [1, 1], padding: [0, 0], dilation: [1, 1], activation: relu}  f32[1,1,2,2]  # F.conv2d, relu
live: %3
`);
});

test("epilogue fusion leaves a pre-activation that something else reads, or that is live, and GELU", () => {
  for (const fn of [
    (x: Tensor, w: Tensor) => { const h = x.matmul(w); return [h.relu(), h.neg()]; },
    (x: Tensor, w: Tensor) => { const h = x.matmul(w); return [h.relu(), h]; },
    (x: Tensor, w: Tensor) => [x.matmul(w).gelu()],
  ]) {
    const g = captureGraph(fn, tensor([[1, -2], [3, 0.5]]), tensor([[1, -1], [2, 0.5]])).graph;
    assert.equal(formatGraph(fuseEpilogues(g)), formatGraph(g));
  }
});

test("a compiled TransformerEncoderLayer step runs its feed-forward ReLU in the GEMM and equals eager", () => {
  const make = () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true });
    return layer;
  };
  const eager = make(), comp = make();
  comp.loadStateDict(eager.stateDict());
  const src = randn([2, 5, 8]);
  const step = (m: nn.TransformerEncoderLayer) => () => {
    m.zeroGrad();
    const loss = m.forward(src).pow(2).mean();
    loss.backward();
    return loss;
  };
  const f = compile(step(comp));
  for (let i = 0; i < 2; i++) assert.equal(f().item(), step(eager)().item());
  const g = f.graph!;
  assert.equal(g.nodes.filter((n) => n.op === "unary" && n.attrs.op === "relu").length, 0);
  assert.equal(g.nodes.filter((n) => n.op === "matmul" && n.attrs.activation === "relu").length, 1);
  comp.parameters().forEach((p, i) => assert.deepEqual(Array.from(p.grad!.toTypedArray()), Array.from(eager.parameters()[i]!.grad!.toTypedArray())));
});
