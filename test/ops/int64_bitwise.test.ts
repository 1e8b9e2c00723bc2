// int64 bitwise ops, shifts and fmod are exact on all 64 bits (bigint forms, not JavaScript's
// 32-bit operators). Expected values printed by PyTorch 1.13:
//   a = torch.tensor([2**40+5, -3, 1, 1, 1, -8]); b = torch.tensor([1, 2, 63, 64, 65, 70])
//   (a << b).tolist(), (a >> b).tolist()
//   x = torch.tensor([2**40+5, -3]); y = torch.tensor([2**40+3, 6])
//   (x & y), (x | y), (x ^ y), ~x, torch.fmod(x, y)
import { test } from "node:test";
import assert from "node:assert/strict";
import { FluxionError, tensor } from "../../src/index.js";

const big = (xs: (number | bigint)[]) => tensor(BigInt64Array.from(xs.map(BigInt)));

test("int64 shifts take the count's low 6 bits, as PyTorch's x86 kernels", () => {
  const a = big([2 ** 40 + 5, -3, 1, 1, 1, -8]), b = big([1, 2, 63, 64, 65, 70]);
  assert.deepEqual(a.bitwiseLeftShift(b).tolist(), [2199023255562, -12, -9223372036854775808n, 1, 2, -512]);
  assert.deepEqual(a.bitwiseRightShift(b).tolist(), [549755813890, -1, 0, 1, 0, -1]);
});

test("int64 and/or/xor/not and fmod are exact past 2^32", () => {
  const x = big([2 ** 40 + 5, -3]), y = big([2 ** 40 + 3, 6]);
  assert.deepEqual(x.bitwiseAnd(y).tolist(), [1099511627777, 4]);
  assert.deepEqual(x.bitwiseOr(y).tolist(), [1099511627783, -1]);
  assert.deepEqual(x.bitwiseXor(y).tolist(), [6, -5]);
  assert.deepEqual(x.bitwiseNot().tolist(), [-1099511627782, 2]);
  assert.deepEqual(x.fmod(y).tolist(), [2, -3]);
  assert.equal(x.bitwiseAnd(y).dtype, "int64");
  assert.throws(() => x.fmod(big([1, 0])), (e: Error) => e instanceof FluxionError && /ZeroDivisionError/.test(e.message));
});
