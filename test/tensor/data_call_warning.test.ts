/** `t.data` is the detached tensor (PyTorch's); calling it as the old `t.data()` still reads the values, and warns once, naming the replacement. */
import { test, mock } from "node:test";
import assert from "node:assert/strict";
import { Tensor, tensor } from "../../src/index.js";

test("t.data() still returns the typed array, with one warning that names t.toTypedArray()", () => {
  const warn = mock.method(console, "warn", () => {});
  try {
    const t = tensor([1, 2, 3], { requiresGrad: true });
    assert.ok(t.data instanceof Tensor);
    assert.equal(t.data.requiresGrad, false);
    assert.deepEqual([...t.data()], [1, 2, 3]);
    assert.deepEqual([...t.data()], [1, 2, 3]);
    assert.equal(warn.mock.callCount(), 1);
    assert.equal(warn.mock.calls[0]!.arguments[0], "fluxion: t.data() is deprecated; use t.toTypedArray() (t.data is now the detached tensor, as in PyTorch)");
  } finally {
    warn.mock.restore();
  }
});
