/**
 * The runtime encodes launches into batches submitted together (runtime.ts): each launch's meta
 * must survive until its batch runs, and a host upload must never overtake a launch encoded
 * before it, even when it writes a buffer that launch reads (a disposed tensor's, reused).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { arange, full, tensor } from "../../../src/index.js";
import { startWebGPU, valuesOf } from "./setup.js";

const skip = await startWebGPU();

test("launches across several batches each keep their own meta (offsets of 50 different views)", { skip }, async () => {
  const x = arange(0, 60, 1, { dtype: "float32" }).to("webgpu");
  let acc = tensor([0], { device: "webgpu" });
  let want = 0;
  for (let i = 0; i < 50; i++) {
    acc = acc.add(x.narrow(0, i, 1).mul(i % 3)); // two launches a step, meta differs by offset
    want += i * (i % 3);
  }
  assert.deepEqual(await valuesOf(acc), [want]);
});

test("an upload into a buffer taken back from a disposed tensor waits for the launches that read it", { skip }, async () => {
  const n = 8192; // 32 KiB: dispose() gives buffers of 16 KiB and more back at once
  for (let round = 0; round < 3; round++) {
    const a = arange(0, n, 1, { dtype: "float32" }).to("webgpu");
    const b = a.mul(10); // encoded, not yet submitted
    a.dispose(); // a's buffer back to the pool
    const c = full([n], 7).to("webgpu"); // takes a's buffer: its upload must come after b's launch
    const got = await valuesOf(b);
    assert.deepEqual([got[0], got[1], got[n - 1]], [0, 10, 10 * (n - 1)], `round ${round}`);
    assert.deepEqual((await valuesOf(c)).slice(0, 2), [7, 7]);
  }
});

test("work encoded in one task runs without a read (the batch is submitted at the end of the task)", { skip }, async () => {
  const a = tensor([1, 2], { device: "webgpu" });
  const b = a.add(1);
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(await valuesOf(b), [2, 3]);
});
