/**
 * Elementwise fusion (src/compile/passes/fuse_elementwise.ts) and the fusedProgram primitive
 * it makes (src/backend/fused_program.ts): the pass's graphs before and after, each rerun on
 * the same bindings against the unfused values; the primitive through the dispatcher against
 * the eager ops it replaces (native interpreter: bit for bit on this path; the TypeScript
 * interpreter, run directly, likewise against the TypeScript loops), with broadcast, strided,
 * in-place and threaded (large) operands; its contract's errors; and compiled optimizer steps
 * (SGD momentum/nesterov/weight decay, Adam, AdamW under a scheduler) equal to eager.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compile, getNumThreads, manualSeed, nn, noGrad, optim, randn, setNumThreads, tensor, ArgumentError, ShapeError, type Tensor } from "../../src/index.js";
import { dispatchAll } from "../../src/backend/dispatcher.js";
import { releaseStorage } from "../../src/backend/backend.js";
import { fusedProgramDecomposed, type FusedProgramAttrs } from "../../src/backend/fused_program.js";
import { runFusedProgramTS } from "../../src/backend/cpu/fused_program.js";
import { captureGraph } from "../../src/compile/capture.js";
import { execute } from "../../src/compile/executor.js";
import { formatGraph } from "../../src/compile/ir.js";
import { fuseElementwise } from "../../src/compile/passes/index.js";
import { SimpleNet } from "../../examples/models.js";
import { SCALAR_OPERANDS, scalarOperandProgram } from "../backend/scalar_operand_program.js";

const x = tensor([[1, -2, 0.5], [3, 0.5, -1]]);
const b = tensor([0.25, -1, 2]);
const m = tensor([[0.5, 0, 1], [0, -2, 0]]);

function values(t: Tensor): number[] {
  return Array.from(t.toTypedArray() as Float32Array);
}

/** Captures fn, checks the printouts before and after fusion, reruns the fused graph on fresh copies of the inputs and compares the live values. */
function check(fn: (...a: Tensor[]) => Tensor | Tensor[], args: () => Tensor[], before: string, after: string): void {
  const eagerOut = fn(...args());
  const want = (Array.isArray(eagerOut) ? eagerOut : [eagerOut]).map(values);
  const cargs = args();
  const c = captureGraph(fn, ...cargs);
  assert.equal(formatGraph(c.graph), before.trim());
  const fused = fuseElementwise(c.graph);
  assert.equal(formatGraph(fused), after.trim());
  // rerun: the arguments (written in place by the capture) back to their initial values, outputs forgotten
  const fresh = args();
  cargs.forEach((t, j) => t.storage._fill((fresh[j]!.toTypedArray() as Float32Array).slice()));
  for (const v of c.outputs) if (!c.graph.buffers[c.graph.values[v]!.buf]!.external) c.recording.tensors[v]!.storage._fill(new Float32Array(0));
  execute(fused, c.recording);
  assert.deepEqual(c.outputs.map((v) => values(c.recording.tensors[v]!)), want);
}

test("fusion: a chain of elementwise ops with a broadcast operand becomes one program", () => {
  check((x, b) => x.mul(b).add(x).tanh().mul(2), () => [x, b], `
%0 = input(b0)  f32[2,3]
%1 = input(b1)  f32[3]
%2 = binary(%0, %1) {op: mul}  f32[2,3]  # mul
%3 = binary(%2, %0) {op: add}  f32[2,3]  # add
%4 = unary(%3) {op: tanh}  f32[2,3]  # tanh
%5 = full() {shape: [], dtype: float32, value: $0=2}  f32[]  # mul
%6 = binary(%4, %5) {op: mul}  f32[2,3]  # mul
live: %6
`, `
%0 = input(b0)  f32[2,3]
%1 = input(b1)  f32[3]
%6 = fusedProgram(%0, %1) {[2,3]: r2 = mul(in0, in1); r3 = add(r2, in0); r4 = tanh(r3); r6 = mul(r4, $0=2) -> r6}  f32[2,3]  # mul, add, tanh
live: %6
`);
});

test("fusion: a group ends at another op (a reduction); a value read later is an output of the program; a lone op stays as it is, with its `full` operand", () => {
  check((x, b) => {
    const h = x.add(b).relu();
    return [h, h.sum(0).exp(), h.mul(3)];
  }, () => [x, b], `
%0 = input(b0)  f32[2,3]
%1 = input(b1)  f32[3]
%2 = binary(%0, %1) {op: add}  f32[2,3]  # add
%3 = unary(%2) {op: relu}  f32[2,3]  # relu
%4 = reduce(%3) {op: sum, axes: [0], keepdim: false}  f32[3]  # sum
%5 = unary(%4) {op: exp}  f32[3]  # exp
%6 = full() {shape: [], dtype: float32, value: $0=3}  f32[]  # mul
%7 = binary(%3, %6) {op: mul}  f32[2,3]  # mul
live: %3, %5, %7
`, `
%0 = input(b0)  f32[2,3]
%1 = input(b1)  f32[3]
%3 = fusedProgram(%0, %1) {[2,3]: r2 = add(in0, in1); r3 = relu(r2) -> r3}  f32[2,3]  # add, relu
%4 = reduce(%3) {op: sum, axes: [0], keepdim: false}  f32[3]  # sum
%6 = full() {shape: [], dtype: float32, value: $0=3}  f32[]  # mul
%5 = unary(%4) {op: exp}  f32[3]  # exp
%7 = binary(%3, %6) {op: mul}  f32[2,3]  # mul
live: %3, %5, %7
`);
});

test("fusion: in-place updates (SGD momentum) store into the buffers they write; the JS scalars stay inputs, read as the program's scalars", () => {
  check((p, mom, g) => {
    mom.mul_(0.9).add_(g);
    p.add_(mom, { alpha: -0.1 } as never);
    return [p, mom];
  }, () => [x.clone(), m.clone(), x.clone()], `
%0 = full() {shape: [], dtype: float32, value: $0=0.9}  f32[]  # mul_
%1 = input(b1)  f32[2,3]
%2 = binary(%1, %0) {op: mul, inPlace: true}  f32[2,3]  # writes b1; mul_
%3 = input(b2)  f32[2,3]
%4 = binary(%2, %3) {op: add, inPlace: true}  f32[2,3]  # writes b1; add_
%5 = input(b3)  f32[2,3]
%6 = binary(%5, %4) {op: addScaled, params: [$1=-0.10000000149011612], inPlace: true}  f32[2,3]  # writes b3; add_
live: %4, %6
`, `
%1 = input(b1)  f32[2,3]
%3 = input(b2)  f32[2,3]
%5 = input(b3)  f32[2,3]
%4, %6 = fusedProgram(%1, %3, %5) {[2,3]: r2 = mul(in0, $0=0.9); r4 = add(r2, in1); r6 = addScaled(in2, r4, $1=-0.10000000149011612) -> r4 into in0, r6 into in2}  f32[2,3], f32[2,3]  # writes b1, b3; mul_, add_
live: %4, %6
`);
});

test("fusion refuses what would change a read: a member's result through a view, a written buffer read afterwards through memory", () => {
  // exp's result is read transposed: not a register, so mul stays its own node
  check((x, b) => x.exp().t().mul(b.unsqueeze(1)), () => [x, b], `
%0 = input(b0)  f32[2,3]
%1 = unary(%0) {op: exp}  f32[2,3]  # exp
%2 = view(%1) {shape: [3, 2], strides: [1, 3], offset: 0}  f32[3,2] strides=[1,3]  # t
%3 = input(b2)  f32[3]
%4 = view(%3) {shape: [3, 1], strides: [1, 1], offset: 0}  f32[3,1]  # unsqueeze
%5 = binary(%2, %4) {op: mul}  f32[3,2]  # mul
live: %5
`, `
%0 = input(b0)  f32[2,3]
%1 = unary(%0) {op: exp}  f32[2,3]  # exp
%2 = view(%1) {shape: [3, 2], strides: [1, 3], offset: 0}  f32[3,2] strides=[1,3]  # t
%3 = input(b2)  f32[3]
%4 = view(%3) {shape: [3, 1], strides: [1, 1], offset: 0}  f32[3,1]  # unsqueeze
%5 = binary(%2, %4) {op: mul}  f32[3,2]  # mul
live: %5
`);
  // p is written in place, then read back through views: the add after it is not fused
  check((p, g) => {
    const y = p.mul(g);
    p.add_(g);
    return y.add(p.t().t());
  }, () => [x.clone(), m], `
%0 = input(b0)  f32[2,3]
%1 = input(b1)  f32[2,3]
%2 = binary(%0, %1) {op: mul}  f32[2,3]  # mul
%3 = binary(%0, %1) {op: add, inPlace: true}  f32[2,3]  # writes b0; add_
%4 = view(%3) {shape: [3, 2], strides: [1, 3], offset: 0}  f32[3,2] strides=[1,3]  # t
%5 = view(%4) {shape: [2, 3], strides: [3, 1], offset: 0}  f32[2,3]  # t
%6 = binary(%2, %5) {op: add}  f32[2,3]  # add
live: %6
`, `
%0 = input(b0)  f32[2,3]
%1 = input(b1)  f32[2,3]
%4 = view(%3) {shape: [3, 2], strides: [1, 3], offset: 0}  f32[3,2] strides=[1,3]  # t
%5 = view(%4) {shape: [2, 3], strides: [3, 1], offset: 0}  f32[2,3]  # t
%2, %3 = fusedProgram(%0, %1) {[2,3]: r2 = mul(in0, in1); r3 = add(in0, in1) -> r2, r3 into in0}  f32[2,3], f32[2,3]  # writes b0; mul, add_
%6 = binary(%2, %5) {op: add}  f32[2,3]  # add
live: %6
`);
});

// ---- the primitive against the eager ops ---------------------------------------------------

const UNARY = ["neg", "abs", "relu", "sqrt", "exp", "log", "log1p", "expm1", "tanh", "sigmoid", "silu", "geluErf", "geluTanh", "erf", "rsqrt", "reciprocal", "leakyRelu", "clamp"] as const;
const BINARY = ["add", "sub", "mul", "div", "maximum", "minimum", "addScaled", "reluGrad", "sigmoidGrad"] as const;
const PARAMS: Record<string, number[]> = { leakyRelu: [0.01], clamp: [-0.5, 0.75], addScaled: [-0.3] };

/** Every fusable op once, over a [rows, cols] space, with x strided (a transpose), y broadcast (a row). */
function program(rows: number, cols: number): { attrs: FusedProgramAttrs; inputs: Tensor[]; eager: () => Tensor[] } {
  manualSeed(5);
  const x = randn([cols, rows]).t(); // strided
  const y = randn([cols]).abs().add(0.5); // broadcast, positive (log, sqrt)
  const code: FusedProgramAttrs["code"][number][] = [{ op: "load", input: 0 }, { op: "load", input: 1 }];
  const scalars: number[] = [];
  const outputs: { reg: number }[] = [];
  const slot = (fn: string) => PARAMS[fn]?.map((v) => scalars.push(v) - 1);
  for (const fn of UNARY) {
    // the positive operand for the ops defined there, x elsewhere
    const a = ["sqrt", "log", "rsqrt"].includes(fn) ? 1 : 0;
    const params = slot(fn);
    code.push({ op: "unary", fn, a, ...(params ? { params } : {}) });
    outputs.push({ reg: code.length - 1 });
  }
  for (const fn of BINARY) {
    const params = slot(fn);
    code.push({ op: "binary", fn, a: 0, b: 1, ...(params ? { params } : {}) });
    outputs.push({ reg: code.length - 1 });
  }
  // a chain through registers
  code.push({ op: "binary", fn: "mul", a: 2 + UNARY.indexOf("exp"), b: 2 + UNARY.indexOf("sigmoid") }); // exp(x) * sigmoid(x)
  code.push({ op: "binary", fn: "addScaled", a: code.length - 1, b: 0, params: [scalars.push(0.125) - 1] });
  outputs.push({ reg: code.length - 1 });
  const attrs: FusedProgramAttrs = { shape: [rows, cols], dtype: "float32", code, scalars, outputs };
  const eager = () => {
    const u = (fn: string, t: Tensor) => dispatchAll("unary", [t], { op: fn as never, params: PARAMS[fn] })[0]!;
    const bi = (fn: string, s: Tensor, t: Tensor, params?: number[]) => dispatchAll("binary", [s, t.expand([rows, cols])], { op: fn as never, params: params ?? PARAMS[fn] })[0]!;
    const outs = UNARY.map((fn) => (["sqrt", "log", "rsqrt"].includes(fn) ? u(fn, y).expand([rows, cols]).contiguous() : u(fn, x)));
    for (const fn of BINARY) outs.push(bi(fn, x, y));
    outs.push(bi("addScaled", bi("mul", u("exp", x), u("sigmoid", x)), x, [0.125]));
    return outs;
  };
  return { attrs, inputs: [x, y], eager };
}

for (const [rows, cols] of [[3, 5], [70, 1100]] as const) {
  test(`fusedProgram equals its ops run eagerly, every fusable op, strided and broadcast inputs (${rows}x${cols}${rows * cols > 32768 ? ", threaded" : ""})`, () => {
    const { attrs, inputs, eager } = program(rows, cols);
    const got = dispatchAll("fusedProgram", inputs, attrs);
    const want = eager();
    assert.equal(got.length, want.length);
    // eager ops of 48 elements and more run natively (loops.ts NATIVE_MIN_ELEMENTS), smaller
    // ones in TypeScript, and a program over a space of either size does the same: bit for bit
    const close = (a: number[], w: number[], what: string) => {
      for (let i = 0; i < a.length; i++) {
        const tol = 4e-7 * Math.max(1, Math.abs(w[i]!));
        assert.ok(Math.abs(a[i]! - w[i]!) <= tol || (Number.isNaN(a[i]!) && Number.isNaN(w[i]!)), `${what}[${i}]: ${a[i]} vs ${w[i]}`);
      }
    };
    got.forEach((t, k) => assert.deepEqual(values(t), values(want[k]!), `output ${k}`));
    // the TypeScript interpreter (the fallback without the addon; its transcendentals (Math.*)
    // may differ from the native vector forms by an ulp or two)
    const ts = got.map((t) => t.clone());
    runFusedProgramTS(inputs, attrs, ts);
    ts.forEach((t, k) => close(values(t), values(want[k]!), `TS output ${k}`));
  });
}

test("fusedProgram's decomposition (for a backend without it) runs each instruction as its core primitive: the same values", () => {
  const { attrs, inputs } = program(4, 60);
  const got = dispatchAll("fusedProgram", inputs, attrs);
  const dec = fusedProgramDecomposed(inputs, attrs);
  dec.forEach((t, k) => assert.deepEqual(values(t), values(got[k]!), `output ${k}`));
  // in place: stores after every instruction
  const p = randn([4, 60]), q = p.clone(), y = randn([60]);
  const inPlace: FusedProgramAttrs = { shape: [4, 60], dtype: "float32", code: [{ op: "load", input: 0 }, { op: "load", input: 1 }, { op: "binary", fn: "mul", a: 0, b: 1 }, { op: "binary", fn: "add", a: 2, b: 0 }], scalars: [], outputs: [{ reg: 2 }, { reg: 3, inPlace: 0 }] };
  const [m1, o1] = fusedProgramDecomposed([p, y], inPlace);
  const [m2, o2] = dispatchAll("fusedProgram", [q, y], inPlace);
  assert.equal(o1, p);
  assert.equal(o2, q);
  assert.deepEqual(values(m1!), values(m2!));
  assert.deepEqual(values(p), values(q));
});

test("a float16 fusedProgram rounds each instruction to float16 as the eager ops store it: its unfused ops' values bit for bit, scalars rounded as `full` fills; compile() fuses float16 runs", () => {
  const inputs = [randn([60, 4]).half().t(), randn([60]).abs().add(0.5).half()]; // strided, broadcast
  const attrs = { ...scalarOperandProgram(4, 60), dtype: "float16" as const };
  const [g0, g1] = dispatchAll("fusedProgram", inputs, attrs), [u0, u1] = fusedProgramDecomposed(inputs, attrs);
  assert.equal(g0!.dtype, "float16");
  assert.deepEqual(values(g0!), values(u0!));
  assert.deepEqual(values(g1!), values(u1!));
  assert.deepEqual([...new Set(values(g1!))], [0.333251953125], "1/3 rounded to float16");
  const fn = (x: Tensor, b: Tensor) => x.mul(b).add(x).tanh().mul(2).sub(b.mul(0.1));
  const step = compile(fn);
  for (let k = 0; k < 2; k++) {
    const x = randn([6, 9]).half(), b = randn([9]).half();
    assert.deepEqual(values(step(x, b)), values(fn(x, b)), `call ${k}`);
  }
  const programs = step.graph!.nodes.filter((n) => n.op === "fusedProgram");
  assert.equal(programs.length, 1);
  assert.equal(programs[0]!.attrs.dtype, "float16");
});

test("fusedProgram writes an input in place after reading it (x = x*y + x)", () => {
  const p = randn([40, 30]), y = randn([30]);
  const want = p.mul(y).add(p);
  const attrs: FusedProgramAttrs = { shape: [40, 30], dtype: "float32", code: [{ op: "load", input: 0 }, { op: "load", input: 1 }, { op: "binary", fn: "mul", a: 0, b: 1 }, { op: "binary", fn: "add", a: 2, b: 0 }], scalars: [], outputs: [{ reg: 3, inPlace: 0 }] };
  const [out] = dispatchAll("fusedProgram", [p, y], attrs);
  assert.equal(out, p);
  assert.deepEqual(values(p), values(want));
});

test("fusedProgram computes straight into an output only where that cannot change a later read of the memory it writes (native, 1 and 2 threads)", () => {
  // 50x700: several 512-element blocks per row, and threaded at 2 threads
  const load = (input: number) => ({ op: "load" as const, input });
  const bin = (fn: "add" | "mul", a: number, b: number) => ({ op: "binary" as const, fn, a, b });
  const neg = (a: number) => ({ op: "unary" as const, fn: "neg" as const, a });
  const cases: { name: string; code: FusedProgramAttrs["code"]; outputs: FusedProgramAttrs["outputs"]; same?: boolean; strided?: boolean; want: (x: Tensor, y: Tensor) => Tensor[] }[] = [
    // in0 read again after the instruction that writes it
    { name: "x+y into x, then x*y", code: [load(0), load(1), bin("add", 0, 1), bin("mul", 0, 1)], outputs: [{ reg: 2, inPlace: 0 }, { reg: 3 }], want: (x, y) => [x.add(y), x.mul(y)] },
    // in0 loaded after the instruction that writes it
    { name: "-y into x, then -y + x", code: [load(1), neg(0), load(0), bin("add", 1, 2)], outputs: [{ reg: 1, inPlace: 0 }, { reg: 3 }], want: (x, y) => [y.neg(), y.neg().add(x)] },
    // a load of in0 stored as it is
    { name: "-x into x, and x", code: [load(0), neg(0)], outputs: [{ reg: 1, inPlace: 0 }, { reg: 0 }], want: (x) => [x.neg(), x] },
    // the same memory as two inputs
    { name: "x*x into x, then x+x", same: true, code: [load(0), load(1), bin("mul", 0, 1), bin("add", 1, 0)], outputs: [{ reg: 2, inPlace: 0 }, { reg: 3 }], want: (x) => [x.mul(x), x.add(x)] },
    // written in place through a transposed view (not unit-stride: through the stores)
    { name: "x+y into a transposed x", strided: true, code: [load(0), load(1), bin("add", 0, 1)], outputs: [{ reg: 2, inPlace: 0 }], want: (x, y) => [x.add(y)] },
    // what may go straight in: the SGD-momentum shape, each register stored once
    { name: "(x*y + y) into x, x + y into y", code: [load(0), load(1), bin("mul", 0, 1), bin("add", 2, 1), bin("add", 3, 1)], outputs: [{ reg: 3, inPlace: 0 }, { reg: 4, inPlace: 1 }], want: (x, y) => [x.mul(y).add(y), x.mul(y).add(y).add(y)] },
  ];
  for (const threads of [1, 2]) {
    const old = getNumThreads();
    setNumThreads(threads);
    try {
      for (const c of cases) {
        manualSeed(3);
        const x = c.strided ? randn([700, 50]).t() : randn([50, 700]);
        const y = c.same ? x : randn([50, 700]);
        const want = c.want(x.clone(), y.clone()).map(values);
        const attrs: FusedProgramAttrs = { shape: [50, 700], dtype: "float32", code: c.code, scalars: [], outputs: c.outputs };
        const got = dispatchAll("fusedProgram", [x, y], attrs);
        got.forEach((t, k) => assert.deepEqual(values(t), want[k], `${c.name}, output ${k}, ${threads} thread(s)`));
        if (c.outputs[0]!.inPlace === 0) assert.equal(got[0], x, c.name);
      }
    } finally {
      setNumThreads(old);
    }
  }
});

/** The scalar-operand program (test/backend/scalar_operand_program.ts) and the eager ops over `full` tensors it replaces. */
function scalarProgram(rows: number, cols: number) {
  manualSeed(11);
  const x = randn([cols, rows]).t(); // strided
  const y = randn([cols]); // broadcast
  const attrs = scalarOperandProgram(rows, cols);
  const [s0, s1, s2, s3] = SCALAR_OPERANDS as [number, number, number, number];
  const eager = () => {
    const full = (v: number) => dispatchAll("full", [], { shape: [], dtype: "float32", value: v })[0]!;
    const bi = (fn: string, a: Tensor, b: Tensor, params?: number[]) => dispatchAll("binary", [a, b], { op: fn as never, params })[0]!;
    const r2 = bi("mul", x, full(s0));
    const r5 = bi("addScaled", full(s1), y, [s0]);
    const r7 = dispatchAll("unary", [bi("div", r2, r5)], { op: "clamp", params: [s2, s3] })[0]!;
    return [r7, full(s1).expand([rows, cols]).contiguous()];
  };
  return { attrs, inputs: [x, y], eager };
}

for (const [rows, cols] of [[3, 5], [70, 1100]] as const) {
  test(`fusedProgram's scalar operands: native, TypeScript interpreter and decomposition equal the eager ops over full tensors, bit for bit (${rows}x${cols})`, () => {
    const { attrs, inputs, eager } = scalarProgram(rows, cols);
    const want = eager().map(values);
    const got = dispatchAll("fusedProgram", inputs, attrs); // native at 70x1100 (threaded), TypeScript at 3x5
    assert.deepEqual(got.map(values), want);
    assert.equal(want[1]![0], Math.fround(1 / 3), "the scalar is rounded to float32");
    const ts = got.map((t) => t.clone());
    runFusedProgramTS(inputs, attrs, ts);
    assert.deepEqual(ts.map(values), want, "TypeScript interpreter");
    assert.deepEqual(fusedProgramDecomposed(inputs, attrs).map(values), want, "decomposition");
    // other values in the same slots: read at each run, never part of the program
    const other = scalarOperandProgram(rows, cols, [2, -1, -3, 3]);
    const [o] = dispatchAll("fusedProgram", inputs, other);
    assert.deepEqual(values(o!), values(inputs[0]!.mul(2).div(inputs[1]!.mul(2).add(-1)).clamp(-3, 3).contiguous()));
  });
}

test("fusedProgram run again with the same code over other layouts (offset, strides, broadcast, shape, input count) rebuilds its parameter block: each run equals the eager ops", () => {
  // the native kernel keeps one parameter block per program and reuses it while the operand
  // layouts stay the same (a compiled step's calls); every change of layout must be seen
  manualSeed(5);
  const attrs: FusedProgramAttrs = {
    shape: [8, 40], dtype: "float32", scalars: [0.5],
    code: [{ op: "load", input: 0 }, { op: "load", input: 1 }, { op: "binary", fn: "mul", a: 0, b: 1 }, { op: "binary", fn: "addScaled", a: 2, b: 0, params: [0] }],
    outputs: [{ reg: 3 }],
  };
  const run = (a: Tensor, c: Tensor, at: FusedProgramAttrs = attrs) => values(dispatchAll("fusedProgram", [a, c], at)[0]!);
  const want = (a: Tensor, c: Tensor, alpha = 0.5) => values(a.mul(c).add(a, { alpha }).contiguous());
  const big = randn([9, 41]);
  const cases: [string, Tensor, Tensor][] = [
    ["contiguous", randn([8, 40]), randn([8, 40])],
    ["the same layouts, other arrays", randn([8, 40]), randn([8, 40])],
    ["an input at an offset, strided rows", big.narrow(0, 1, 8).narrow(1, 1, 40), randn([8, 40])],
    ["a transposed input", randn([40, 8]).t(), randn([8, 40])],
    ["a broadcast input", randn([8, 40]), randn([40])],
    ["a broadcast column", randn([8, 40]), randn([8, 1])],
    ["contiguous again", randn([8, 40]), randn([8, 40])],
  ];
  for (const [what, a, c] of cases) assert.deepEqual(run(a, c), want(a, c), what);
  // the same code over another program shape, and other scalars
  const wide: FusedProgramAttrs = { ...attrs, shape: [4, 80] };
  const [a, c] = [randn([4, 80]), randn([80])];
  assert.deepEqual(run(a, c, wide), want(a, c), "another program shape");
  assert.deepEqual(run(a, c, { ...wide, scalars: [-2] }), want(a, c, -2), "another scalar value");
});

test("fusedProgram's contract: registers defined before use, scalar slots, shapes, in-place targets", () => {
  const base = { shape: [2, 3], dtype: "float32", scalars: [] } as const;
  assert.throws(() => dispatchAll("fusedProgram", [x], { ...base, code: [{ op: "load", input: 0 }, { op: "unary", fn: "exp", a: 1 }], outputs: [{ reg: 1 }] }), (e: Error) => e instanceof ArgumentError && /instruction 1 reads register 1/.test(e.message));
  assert.throws(() => dispatchAll("fusedProgram", [x], { ...base, code: [{ op: "load", input: 0 }, { op: "unary", fn: "clamp", a: 0, params: [0, 1] }], outputs: [{ reg: 1 }] }), /instruction 1 reads scalar 0 of 0/);
  assert.throws(() => dispatchAll("fusedProgram", [x], { ...base, scalars: [2], code: [{ op: "load", input: 0 }, { op: "scalar", slot: 1 }], outputs: [{ reg: 1 }] }), (e: Error) => e instanceof ArgumentError && /instruction 1 reads scalar 1 of 1/.test(e.message));
  assert.throws(() => dispatchAll("fusedProgram", [], { ...base, scalars: [2], code: [{ op: "scalar", slot: 0 }], outputs: [{ reg: 0 }] }, "cpu"), /instruction 0 reads a scalar, which needs at least one tensor input/);
  assert.throws(() => dispatchAll("fusedProgram", [tensor([1, 2])], { ...base, code: [{ op: "load", input: 0 }], outputs: [{ reg: 0 }] }), (e: Error) => e instanceof ShapeError && /shape \[2\] does not broadcast to the program's shape \[2, 3\]/.test(e.message));
  assert.throws(() => dispatchAll("fusedProgram", [b], { ...base, code: [{ op: "load", input: 0 }, { op: "unary", fn: "exp", a: 0 }], outputs: [{ reg: 1, inPlace: 0 }] }), /written in place needs an input of the program's shape \[2, 3\], got \[3\]/);
});

// ---- compiled optimizer steps --------------------------------------------------------------

/** SimpleNet's cross-entropy training step with `opt`, compiled or eager. */
function trainingStep(model: nn.Module, opt: optim.Optimizer, compiled: boolean) {
  const crit = new nn.CrossEntropyLoss();
  const fn = (x: Tensor, y: Tensor) => {
    opt.zeroGrad();
    const loss = crit.forward(model.forward(x), y);
    loss.backward();
    opt.step();
    return loss;
  };
  return compiled ? compile(fn) : fn;
}

function trainSteps(makeOpt: (m: nn.Module) => { opt: optim.Optimizer; sched?: { step(): void } }, compiled: boolean, steps: number) {
  manualSeed(3);
  const model = new SimpleNet();
  const { opt, sched } = makeOpt(model);
  const step = trainingStep(model, opt, compiled);
  manualSeed(9);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const xb = randn([16, 784]), yb = tensor(Array.from({ length: 16 }, (_, j) => (i * 7 + j * 3) % 10), { dtype: "int32" });
    losses.push(step(xb, yb).item());
    sched?.step();
  }
  return { losses, params: model.parameters().map(values), step };
}

const OPTIMIZERS: [string, (m: nn.Module) => { opt: optim.Optimizer; sched?: { step(): void } }][] = [
  ["SGD momentum + weight decay + nesterov", (m) => ({ opt: new optim.SGD(m.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 1e-3, nesterov: true } as never) })],
  ["Adam with StepLR", (m) => {
    const opt = new optim.Adam(m.parameters(), { lr: 2e-3 });
    return { opt, sched: new optim.lrScheduler.StepLR(opt, { stepSize: 3, gamma: 0.5 } as never) };
  }],
  ["AdamW with weight decay", (m) => ({ opt: new optim.AdamW(m.parameters(), { lr: 1e-3, weightDecay: 0.05 } as never) })],
];

for (const [name, makeOpt] of OPTIMIZERS) {
  test(`compiled ${name}: each parameter's update is one fused program; 12 steps equal eager bit for bit`, () => {
    const eager = trainSteps(makeOpt, false, 12);
    const comp = trainSteps(makeOpt, true, 12);
    assert.deepEqual(comp.losses, eager.losses);
    comp.params.forEach((p, k) => assert.deepEqual(p, eager.params[k], `parameter ${k}`));
    const prog = (comp.step as ReturnType<typeof compile>).graph!;
    const fused = prog.nodes.filter((n) => n.op === "fusedProgram");
    // one program per parameter writes it (SimpleNet: 4 parameters)
    const writers = fused.filter((n) => n.attrs.outputs.some((o: { inPlace?: number }) => o.inPlace !== undefined));
    assert.equal(writers.length, 4, formatGraph(prog));
    // no unfused in-place update is left (binary in place, or an in-place op's assign)
    assert.equal(prog.nodes.filter((n) => (n.op === "binary" || n.op === "assign") && n.effect === "inplace").length, 0, formatGraph(prog));
    // no `full` kernel is left: every JS scalar (lr, betas, bias corrections, eps) is read by its program
    assert.equal(prog.nodes.filter((n) => n.op === "full").length, 0, formatGraph(prog));
    // Adam: the whole update of a parameter (moments, bias-corrected denominator, step) is one program
    if (name.startsWith("Adam")) assert.equal(fused.length, 4, formatGraph(prog));
  });
}

test("a temporary released while recording (autograd's, an optimizer's) is not stored by the program; reading it is an error", () => {
  const x = randn([8, 16]);
  let t: Tensor | null = null;
  const f = compile((x: Tensor) => {
    t = x.mul(2);
    const y = t.exp().add(1);
    releaseStorage(t.storage); // as optim's freeTemporary does
    return y;
  });
  const y = f(x);
  assert.deepEqual(values(y), values(x.mul(2).exp().add(1)));
  const prog = f.graph!;
  const fused = prog.nodes.filter((n) => n.op === "fusedProgram");
  assert.equal(fused.length, 1, formatGraph(prog));
  assert.equal(fused[0]!.outputs.length, 1, "only y is stored");
  assert.throws(() => t!.toTypedArray(), /was made inside a compiled function but its value was not kept; return it from the function/);
});

test("compiled SGD momentum with lr and momentum changed by hand between calls: each call's values, as eager, bit for bit, from one program", () => {
  const run = (compiled: boolean) => {
    manualSeed(4);
    const model = new SimpleNet();
    const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 } as never);
    const step = trainingStep(model, opt, compiled);
    const losses: number[] = [];
    manualSeed(8);
    for (const [lr, momentum] of [[0.05, 0.9], [0.3, 0.9], [0.011, 0.5], [0.05, 0.25], [0.2, 0.75]] as const) {
      const g = opt.paramGroups[0]! as { lr: number; momentum: number };
      g.lr = lr;
      g.momentum = momentum;
      const xb = randn([16, 784]), yb = tensor(Array.from({ length: 16 }, (_, j) => (j * 3) % 10), { dtype: "int32" });
      losses.push(step(xb, yb).item());
    }
    return { losses, params: model.parameters().map(values), step };
  };
  const eager = run(false);
  const comp = run(true);
  assert.deepEqual(comp.losses, eager.losses);
  comp.params.forEach((p, k) => assert.deepEqual(p, eager.params[k], `parameter ${k}`));
  const step = comp.step as ReturnType<typeof compile>;
  // the first call also makes the momentum buffers; calls 2-5 (each with other values) share one program
  assert.deepEqual([step.stats().cacheMisses, step.stats().cacheHits], [2, 3], "the values are not part of the key");
  const prog = step.graph!;
  assert.equal(prog.nodes.filter((n) => n.op === "full").length, 0, formatGraph(prog));
  // momentum is read by the update programs as a scalar operand, not a tensor input
  const updates = prog.nodes.filter((n) => n.op === "fusedProgram" && n.attrs.outputs.some((o: { inPlace?: number }) => o.inPlace !== undefined));
  assert.equal(updates.length, 4, formatGraph(prog));
  for (const u of updates) assert.ok(u.attrs.code.some((i: { op: string }) => i.op === "scalar"), formatGraph(prog));
});

test("one compiled update over a contiguous and a transposed parameter, alternately, with changing lr: a program per layout, every call equal to eager bit for bit", () => {
  // layouts are part of the cache key (two programs), JS scalars are not (each call's lr runs);
  // each program's native parameter block is reused across its own calls only
  manualSeed(6);
  const upd = (p: Tensor, buf: Tensor, g: Tensor, lr: number) => noGrad(() => { buf.mul_(0.9).add_(g); p.add_(buf, { alpha: -lr }); });
  const f = compile(upd);
  const make = (transposed: boolean) => {
    const t = (s: number[]) => (transposed ? randn([s[1]!, s[0]!]).t() : randn(s));
    return [t([48, 70]), t([48, 70]), t([48, 70])] as [Tensor, Tensor, Tensor];
  };
  const sets = [make(false), make(true)];
  const copies = sets.map((s) => s.map((t) => t.clone()) as [Tensor, Tensor, Tensor]);
  copies.forEach((s, k) => { if (k === 1) for (let i = 0; i < 3; i++) s[i] = s[i]!.t().contiguous().t(); }); // eager copies keep the layout
  for (const [k, lr] of [[0, 0.1], [1, 0.1], [0, 0.5], [1, 0.03], [1, 0.2], [0, 0.07]] as const) {
    f(...sets[k]!, lr);
    upd(...copies[k]!, lr);
    assert.deepEqual(values(sets[k]![0]), values(copies[k]![0]), `parameter, layout ${k}, lr ${lr}`);
    assert.deepEqual(values(sets[k]![1]), values(copies[k]![1]), `buffer, layout ${k}, lr ${lr}`);
  }
  const s = f.stats();
  assert.equal(s.cacheSize, 2, "one program per layout");
  assert.equal(s.cacheHits, 4);
  assert.equal(f.graph!.nodes.filter((n) => n.op === "fusedProgram").length, 1, formatGraph(f.graph!));
});
