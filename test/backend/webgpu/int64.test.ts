/**
 * int64 on WebGPU: held in 32 bits (WGSL has no 64-bit integers), so values must lie in
 * [-2^31, 2^31). Within that range every op gives the CPU's values and dtypes (PyTorch's int64
 * idioms: int64 labels and indices, bool and integer sums, cumsum, counting); what would leave
 * it raises a DTypeError, at once for uploads and fills, at the next read for kernels. Never a
 * wrapped value.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DTypeError, arange, full, manualSeed, nn, optim, randint, tensor, where, type Tensor } from "../../../src/index.js";
import { randomTensor } from "../../helpers.js";
import { sameAsCpu, startWebGPU, trainSteps, valuesOf } from "./setup.js";

const skip = await startWebGPU();
const i64 = (v: unknown) => tensor(v as number[], { dtype: "int64" });
const RANGE = /does not fit webgpu's int64 storage, which holds \[-2\^31, 2\^31\)/;

/** Awaits a read that must raise the range DTypeError naming `op`. */
async function readRaises(t: Tensor, op: RegExp): Promise<void> {
  await assert.rejects(t.toArrayAsync(), (e: Error) => e instanceof DTypeError && op.test(e.message) && RANGE.test(e.message));
}

test("int64 tensors go to webgpu and back exactly, to the edges of 32 bits", { skip }, async () => {
  const edges = tensor([0n, -1n, 2147483647n, -2147483648n, 12345n]);
  const g = edges.to("webgpu");
  assert.equal(g.dtype, "int64");
  const back = await g.toAsync("cpu");
  assert.equal(back.dtype, "int64");
  assert.deepEqual(Array.from(back.toTypedArray<BigInt64Array>()), [0n, -1n, 2147483647n, -2147483648n, 12345n]);
  assert.deepEqual(Array.from((await g.toArrayAsync()) as unknown as BigInt64Array), [0n, -1n, 2147483647n, -2147483648n, 12345n]);
  assert.equal(await tensor(7n).to("webgpu").itemAsync(), 7); // a number, as the CPU's item()
  assert.deepEqual(await valuesOf(full([3], 9, { dtype: "int64", device: "webgpu" })), [9, 9, 9]);
  assert.deepEqual(await valuesOf(arange(2, 11, 3, { dtype: "int64", device: "webgpu" })), [2, 5, 8]);
});

test("an int64 value outside 32 bits raises at the upload or fill, naming the value", { skip }, () => {
  assert.throws(() => tensor([1n, 2n ** 40n]).to("webgpu"), (e: Error) => e instanceof DTypeError && /fromHost \(int64 \[2\]\): int64 value 1099511627776 \(element 1\)/.test(e.message) && RANGE.test(e.message));
  assert.throws(() => tensor([-(2n ** 31n) - 1n], { device: "webgpu" }), (e: Error) => e instanceof DTypeError && /value -2147483649/.test(e.message));
  assert.throws(() => full([2], 2 ** 31, { dtype: "int64", device: "webgpu" }), (e: Error) => e instanceof DTypeError && /full \(int64\): int64 value 2147483648/.test(e.message));
});

test("int64 elementwise ops, comparisons, where and casts give the CPU's values and dtypes", { skip }, async () => {
  const a = i64([[5, -7, 0], [2147483647, -2147483647, 3]]), b = i64([[2, 3, -4], [0, -1, 6]]);
  for (const f of [
    (x: Tensor, y: Tensor) => x.add(y.neg().mul(0)), (x: Tensor, y: Tensor) => x.sub(y.abs()), (x: Tensor, y: Tensor) => y.mul(y),
    (x: Tensor, y: Tensor) => x.maximum(y), (x: Tensor, y: Tensor) => x.minimum(y), (x: Tensor, y: Tensor) => x.eq(y), (x: Tensor, y: Tensor) => x.lt(y),
    (x: Tensor, y: Tensor) => x.ge(y), (x: Tensor, y: Tensor) => x.bitwiseAnd(y), (x: Tensor, y: Tensor) => x.bitwiseXor(y),
    (x: Tensor, y: Tensor) => where(x.gt(y), x, y), (x: Tensor) => x.sign(), (x: Tensor) => x.relu(),
    (x: Tensor) => x.float(), (x: Tensor) => x.int(), (x: Tensor) => x.bool(), (x: Tensor, y: Tensor) => x.float().add(y),
  ]) {
    await sameAsCpu([a, b], f, { msg: f.toString() });
  }
  // shift counts as x86 takes them for int64: the low 6 bits
  await sameAsCpu([i64([1, 3, -8, 5, -1]), i64([4, 28, 2, 40, 31])], (x, s) => x.bitwiseRightShift(s));
  await sameAsCpu([i64([1, 3, -8, 0, -1, 1]), i64([4, 28, 2, 40, 31, 64])], (x, s) => x.bitwiseLeftShift(s));
  // casts into int64: float truncates toward zero; bool and int32 widen
  await sameAsCpu([tensor([1.9, -2.9, 0, -0.5, 2147483520])], (x) => x.long());
  await sameAsCpu([tensor([true, false, true])], (x) => x.long());
  await sameAsCpu([tensor([-3, 4], { dtype: "int32" })], (x) => x.long().mul(2));
});

test("int64 arithmetic that leaves 32 bits raises at the next read, and later reads are clean", { skip }, async () => {
  const big = i64([2147483647, 1]).to("webgpu");
  await readRaises(big.add(1), /^add \(int64 \[2\] and \[\]\)/);
  await readRaises(big.neg().sub(2), /^sub/);
  await readRaises(i64([65536]).to("webgpu").mul(i64([65536]).to("webgpu")), /^mul/);
  await readRaises(i64([-2147483648]).to("webgpu").neg(), /^neg/);
  await readRaises(i64([-2147483648]).to("webgpu").abs(), /^abs/);
  await readRaises(i64([1]).to("webgpu").bitwiseLeftShift(i64([31]).to("webgpu")), /^bitwiseLeftShift/);
  await readRaises(tensor([3e9]).to("webgpu").long(), /^cast \(float32 \[1\] to int64\): int64 value 3000000000/);
  await readRaises(tensor([NaN]).to("webgpu").long(), /^cast .* value NaN/);
  // the edges themselves fit, and the error flag was cleared by the reads above
  assert.deepEqual(await valuesOf(i64([-2147483647]).to("webgpu").sub(1)), [-2147483648]);
  await readRaises(i64([-1]).to("webgpu").mul(i64([-2147483648]).to("webgpu")), /^mul/);
  assert.deepEqual(await valuesOf(i64([-2147483648]).to("webgpu").mul(1)), [-2147483648]);
});

test("sums, products and scans of bool, int32 and int64 are int64, as on the CPU", { skip }, async () => {
  const flags = tensor([[true, false, true], [true, true, false]]);
  await sameAsCpu([flags], (x) => x.sum());
  await sameAsCpu([flags], (x) => x.sum(1));
  await sameAsCpu([flags], (x) => x.cumsum(1));
  const ints = tensor([[3, -7, 2], [9, 0, -1]], { dtype: "int32" });
  await sameAsCpu([ints], (x) => x.sum(0));
  await sameAsCpu([ints], (x) => x.cumsum(0));
  await sameAsCpu([ints], (x) => x.prod(1));
  await sameAsCpu([ints], (x) => x.cumprod(1));
  const longs = randint(-1000, 1000, [37, 300], { dtype: "int64" });
  await sameAsCpu([longs], (x) => x.sum(1), { msg: "a reduction wider than a workgroup" });
  await sameAsCpu([longs], (x) => x.sum());
  await sameAsCpu([longs], (x) => x.amax(0));
  await sameAsCpu([longs], (x) => x.cumsum(1));
  // the classification idiom: (argmax == labels).sum()
  const logits = randomTensor([12, 5], { seed: 3, dtype: "float32" });
  const labels = i64([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]);
  await sameAsCpu([logits, labels], (x, y) => x.argmax(1).eq(y).sum());
});

test("int64 sums, products and scans that leave 32 bits raise at the next read", { skip }, async () => {
  await readRaises(i64([2147483647, 0, 5]).to("webgpu").sum(), /^sum \(int64 \[3\]\)/);
  await readRaises(i64([65536, 65536]).to("webgpu").prod(0), /^prod/);
  await readRaises(i64([2147483000, 1000]).to("webgpu").cumsum(0), /^sum \(int64 \[2\]\)/);
});

test("int64 indices and labels: gather, indexSelect, embedding, scatterAdd, indexPut_, crossEntropy", { skip }, async () => {
  const x = randomTensor([4, 5], { seed: 40, dtype: "float32" });
  await sameAsCpu([x, i64([[0, 4, 2], [1, 1, 3], [4, 0, 0], [2, 2, 2]])], (a, i) => a.gather(1, i));
  await sameAsCpu([x, i64([3, 0, 3, 1])], (a, i) => a.indexSelect(0, i));
  await sameAsCpu([x, i64([-1, 2])], (a, i) => a.index(i));
  const counts = i64([0, 0, 0, 0]);
  await sameAsCpu([counts, i64([1, 3, 1, 1, 0])], (c, i) => c.scatterAdd(0, i, i.mul(0).add(1)), { msg: "counting with scatterAdd into int64" });
  await sameAsCpu([counts, i64([2, 2, 0]), i64([5, 6, 7])], (c, i, v) => c.clone().indexPut_([i], v, true), { msg: "indexPut_ accumulate" });
  await readRaises(i64([2147483647]).to("webgpu").scatterAdd(0, i64([0]).to("webgpu"), i64([1]).to("webgpu")), /^scatter \(add\) \(int64 \[1\]\)/);
  await assert.rejects(x.to("webgpu").gather(1, i64([[5]]).to("webgpu").expand([4, 1])).toArrayAsync(), /index 5 is out of bounds/);
  manualSeed(1);
  const emb = new nn.Embedding(10, 3);
  manualSeed(1);
  const embGpu = new nn.Embedding(10, 3).to("webgpu");
  await sameAsCpu([i64([[1, 9], [9, 0]])], (i) => (i.device === "webgpu" ? embGpu : emb).forward(i), { msg: "Embedding" });
  const logits = randomTensor([6, 4], { seed: 7, dtype: "float32" });
  const y64 = i64([0, 3, 2, -100, 1, 3]);
  for (const opts of [{}, { ignoreIndex: -100 }, { labelSmoothing: 0.1, ignoreIndex: -100 }]) {
    await sameAsCpu([logits, y64], (a, y) => nn.functional.crossEntropy(a, y, opts), { msg: JSON.stringify(opts), rtol: 1e-5 });
  }
});

test("randint with int64 draws the CPU's numbers; an MLP trains on int64 labels as on the CPU", { skip }, async () => {
  manualSeed(5);
  const cpu = randint(-50, 50, [1000], { dtype: "int64" });
  manualSeed(5);
  const gpu = randint(-50, 50, [1000], { dtype: "int64", device: "webgpu" });
  assert.equal(gpu.dtype, "int64");
  assert.deepEqual(await valuesOf(gpu), Array.from(cpu.toTypedArray<BigInt64Array>(), Number));

  const losses: number[][] = [];
  for (const device of ["cpu", "webgpu"] as const) {
    manualSeed(11);
    const model = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Linear(16, 3)).to(device);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const xs = randomTensor([32, 8], { seed: 12, dtype: "float32" }).to(device);
    const ys = i64(Array.from({ length: 32 }, (_, i) => (i * 7) % 3)).to(device);
    losses.push(await trainSteps(opt, 5, () => nn.functional.crossEntropy(model.forward(xs), ys)));
  }
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(losses[0]![i]! - losses[1]![i]!) < 1e-4, `step ${i}: ${losses[0]![i]} vs ${losses[1]![i]}`);
});
