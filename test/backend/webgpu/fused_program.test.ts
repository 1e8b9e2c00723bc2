/**
 * The fusedProgram primitive on webgpu (one generated WGSL kernel, backend/webgpu/fused_program.ts)
 * against the CPU's interpreter: every fusable op, a strided and a broadcast input, a chain
 * through registers, an output written in place into an input it also reads; scalar operands
 * (read from the meta buffer); and a program with more buffers than the device binds at once
 * (run as its decomposition).
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { dispatchAll } from "../../../src/backend/dispatcher.js";
import { FUSABLE_BINARY, FUSABLE_UNARY, type FusedProgramAttrs } from "../../../src/backend/fused_program.js";
import { manualSeed, randn, type Tensor } from "../../../src/index.js";
import { assertClose } from "../../helpers.js";
import { startWebGPU, valuesOf } from "./setup.js";
import { runtime } from "../../../src/backend/webgpu/state.js";
import { runFusedProgramTS } from "../../../src/backend/cpu/fused_program.js";
import { SCALAR_OPERANDS, scalarOperandProgram } from "../scalar_operand_program.js";

let skip: string | false = "not started";
before(async () => {
  skip = await startWebGPU();
});

const PARAMS: Record<string, number[]> = { leakyRelu: [0.01], clamp: [-0.5, 0.75], addScaled: [-0.3] };

function program(rows: number, cols: number): { attrs: FusedProgramAttrs; inputs: Tensor[] } {
  manualSeed(5);
  const x = randn([cols, rows]).t(); // strided
  const y = randn([cols]).abs().add(0.5); // broadcast, positive (log, sqrt)
  const code: FusedProgramAttrs["code"][number][] = [{ op: "load", input: 0 }, { op: "load", input: 1 }];
  const scalars: number[] = [];
  const outputs: { reg: number; inPlace?: number }[] = [];
  const slot = (fn: string) => PARAMS[fn]?.map((v) => scalars.push(v) - 1);
  for (const fn of Object.keys(FUSABLE_UNARY)) {
    const params = slot(fn);
    code.push({ op: "unary", fn: fn as never, a: ["sqrt", "log", "rsqrt"].includes(fn) ? 1 : 0, ...(params ? { params } : {}) });
    outputs.push({ reg: code.length - 1 });
  }
  for (const fn of Object.keys(FUSABLE_BINARY)) {
    const params = slot(fn);
    code.push({ op: "binary", fn: fn as never, a: 0, b: 1, ...(params ? { params } : {}) });
    outputs.push({ reg: code.length - 1 });
  }
  code.push({ op: "binary", fn: "mul", a: code.length - 1, b: code.length - 2 }); // a chain through registers
  outputs.push({ reg: code.length - 1 });
  return { attrs: { shape: [rows, cols], dtype: "float32", code, scalars, outputs }, inputs: [x, y] };
}

test("webgpu fusedProgram equals the CPU's: every fusable op, strided and broadcast inputs, a register chain", async (t) => {
  if (skip) return t.skip(skip);
  const { attrs, inputs } = program(5, 70);
  const want = dispatchAll("fusedProgram", inputs, attrs);
  const got = dispatchAll("fusedProgram", inputs.map((x) => x.to("webgpu")), attrs);
  assert.equal(got.length, want.length);
  for (let k = 0; k < got.length; k++) {
    assert.equal(got[k]!.device, "webgpu");
    assert.deepEqual([...got[k]!.shape], [5, 70]);
    assertClose(await valuesOf(got[k]!), Array.from(want[k]!.toTypedArray() as Float32Array), { rtol: 2e-5, atol: 1e-6, msg: `output ${k}` });
  }
});

test("webgpu fusedProgram writes in place into an input it reads (loads before stores); too many buffers run as the decomposition", async (t) => {
  if (skip) return t.skip(skip);
  // p <- p * g + 0.5 * p (p read and written through one binding), and a new output m = g * g
  const inPlace: FusedProgramAttrs = {
    shape: [4, 33], dtype: "float32", scalars: [0.5],
    code: [{ op: "load", input: 0 }, { op: "load", input: 1 }, { op: "binary", fn: "mul", a: 0, b: 1 }, { op: "binary", fn: "addScaled", a: 2, b: 0, params: [0] }, { op: "binary", fn: "mul", a: 1, b: 1 }],
    outputs: [{ reg: 3, inPlace: 0 }, { reg: 4 }],
  };
  manualSeed(2);
  const p = randn([4, 33]), g = randn([4, 33]);
  const [pc, mc] = dispatchAll("fusedProgram", [p.clone(), g], inPlace);
  const pg = p.to("webgpu");
  const [pw, mw] = dispatchAll("fusedProgram", [pg, g.to("webgpu")], inPlace);
  assert.equal(pw, pg, "the in-place output is the input tensor");
  assertClose(await valuesOf(pg), Array.from(pc!.toTypedArray() as Float32Array), { rtol: 1e-6, msg: "in place" });
  assertClose(await valuesOf(mw!), Array.from(mc!.toTypedArray() as Float32Array), { rtol: 1e-6, msg: "new output" });
  // one input more than the device binds at once, each in its own buffer
  const limit = runtime().device.limits.maxStorageBuffersPerShaderStage;
  const xs = Array.from({ length: limit + 1 }, () => randn([3, 7]));
  const code: FusedProgramAttrs["code"][number][] = xs.map((_, i) => ({ op: "load", input: i }));
  let acc = 0;
  for (let i = 1; i < xs.length; i++) {
    code.push({ op: "binary", fn: "add", a: acc, b: i });
    acc = code.length - 1;
  }
  const many: FusedProgramAttrs = { shape: [3, 7], dtype: "float32", scalars: [], code, outputs: [{ reg: acc }] };
  const [want] = dispatchAll("fusedProgram", xs, many);
  const [got] = dispatchAll("fusedProgram", xs.map((x) => x.to("webgpu")), many);
  assertClose(await valuesOf(got!), Array.from(want!.toTypedArray() as Float32Array), { rtol: 1e-6, msg: `${limit + 1} inputs` });
});

test("webgpu fusedProgram reads scalar operands from its meta buffer: the CPU's values (native and TypeScript interpreters), then other values in the same slots", async (t) => {
  if (skip) return t.skip(skip);
  manualSeed(6);
  const x = randn([40, 6]).t(), y = randn([40]);
  for (const scalars of [SCALAR_OPERANDS, [2, -1, -3, 3]]) {
    const a = scalarOperandProgram(6, 40, scalars);
    const want = dispatchAll("fusedProgram", [x, y], a); // 240 elements: the native interpreter
    const ts = want.map((w) => w.clone());
    runFusedProgramTS([x, y], a, ts);
    const got = dispatchAll("fusedProgram", [x.to("webgpu"), y.to("webgpu")], a);
    for (let k = 0; k < 2; k++) {
      const w = Array.from(want[k]!.toTypedArray() as Float32Array);
      assert.deepEqual(Array.from(ts[k]!.toTypedArray() as Float32Array), w, `TypeScript output ${k}`);
      assertClose(await valuesOf(got[k]!), w, { rtol: 1e-6, atol: 0, msg: `webgpu output ${k}, scalars ${scalars}` });
    }
    assert.deepEqual(await valuesOf(got[1]!), new Array(240).fill(Math.fround(scalars[1]!)), "a scalar stored as an output is a splat of its float32 value");
  }
});
