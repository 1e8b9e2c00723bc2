/**
 * Launches reuse bind groups by the GPU buffers they bind and pipelines by a kernel key
 * (bind_groups.ts, runtime.ts): a reused group must give each launch its own meta and operands
 * (pooled buffers come back holding other tensors), kernels whose texts differ must not share a
 * key, and a meta larger than the usual binding must still arrive whole.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FluxionError, arange, randn, tensor } from "../../../src/index.js";
import { runtime } from "../../../src/backend/webgpu/state.js";
import { memoryOf } from "../../../src/backend/webgpu/runtime.js";
import { startWebGPU, valuesOf } from "./setup.js";

const skip = await startWebGPU();

test("a chain of adds whose buffers recur through the pool reuses bind groups and gives the CPU's values", { skip }, async () => {
  const n = 8192; // 32 KiB: dispose() gives the buffer back at once, so the next add takes it again
  const a = randn([n]), b = randn([n]);
  const bg = runtime().bindGroups;
  const hits0 = bg.hits;
  let x = a.to("webgpu");
  const bw = b.to("webgpu");
  let want = a;
  for (let i = 0; i < 20; i++) {
    const t = bw.mul(i % 4); // two kernels, each with its own meta (the scalar differs)
    const next = x.add(t);
    t.dispose();
    x.dispose();
    x = next;
    want = want.add(b.mul(i % 4));
  }
  const got = await valuesOf(x);
  const ref = Array.from(want.toTypedArray() as Float32Array);
  for (let i = 0; i < n; i += 997) assert.ok(Math.abs(got[i]! - ref[i]!) <= 1e-4 * (1 + Math.abs(ref[i]!)), `element ${i}: ${got[i]} vs ${ref[i]}`);
  assert.ok(bg.hits - hits0 >= 20, `bind groups reused ${bg.hits - hits0} times in 40 launches`);
});

test("kernels that differ only in which operands share a buffer or the output get their own pipelines", { skip }, async () => {
  const x = tensor([1, 2, 3], { device: "webgpu" }), y = tensor([10, 20, 30], { device: "webgpu" });
  assert.deepEqual(await valuesOf(x.add(y)), [11, 22, 33]);
  assert.deepEqual(await valuesOf(x.add(x)), [2, 4, 6]); // one bound buffer read twice
  assert.deepEqual(await valuesOf(x.sub(y)), [-9, -18, -27]); // same shape of kernel, another expression
  const z = tensor([5, 6, 7], { device: "webgpu" });
  z.add_(y); // the output is an operand (read through the output binding)
  assert.deepEqual(await valuesOf(z), [15, 26, 37]);
  assert.deepEqual(await valuesOf(x.add(y)), [11, 22, 33]);
});

test("a meta array past the usual binding size (here 8 KiB) reaches the kernel whole", { skip }, async () => {
  const rt = runtime();
  const meta = Int32Array.from({ length: 2048 }, (_, i) => 3 * i + 1);
  const out = arange(0, 4, 1, { dtype: "int32" }).to("webgpu");
  const code = `@group(0) @binding(0) var<storage, read> mi: array<i32>;
@group(0) @binding(1) var<storage, read_write> out: array<i32>;
@compute @workgroup_size(1)
fn main() { out[0] = mi[0]; out[1] = mi[1000]; out[2] = mi[2047]; out[3] = select(0, 1, arrayLength(&mi) >= 2048u); }`;
  rt.launch({ key: "test|big-meta", wgsl: () => code }, meta, [], memoryOf(out.storage), [1, 1, 1]);
  assert.deepEqual(await valuesOf(out), [1, 3001, 6142, 1]);
});

test("a kernel key launched with other bindings than its first launch raises (a key must determine the text)", { skip }, () => {
  const rt = runtime();
  const a = tensor([1], { device: "webgpu" }), b = tensor([2], { device: "webgpu" });
  const code = `@group(0) @binding(0) var<storage, read> mi: array<i32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(1)
fn main() { out[0] = f32(mi[0]); }`;
  rt.launch({ key: "test|one-output", wgsl: () => code }, new Int32Array([7]), [], memoryOf(a.storage), [1, 1, 1]);
  assert.throws(
    () => rt.launch({ key: "test|one-output", wgsl: () => code }, new Int32Array([7]), [memoryOf(b.storage)], memoryOf(a.storage), [1, 1, 1]),
    (e: unknown) => e instanceof FluxionError && /kernel "test\|one-output" binds 0 inputs and 1 outputs, but was launched with 1 and 1/.test((e as Error).message),
  );
});
