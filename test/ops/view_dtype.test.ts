/**
 * x.view(dtype) (torch.Tensor.view(dtype)) against PyTorch 1.13
 * (test/fixtures/wrong_values_torch.json): the same bytes read as another dtype between
 * every pair of element sizes (8, 4, 2, 1 bytes: float64, float32/int32, bfloat16/float16,
 * bool), with the shape, strides and offset PyTorch gives (the last dim scaled), on slices,
 * transposes and expanded tensors; PyTorch's refusals (0-d, the last dim not contiguous or
 * not divisible, an offset or stride not divisible) as ShapeErrors with its reasons. The
 * view shares storage both ways and the version counter; it goes through the dispatcher's
 * view primitive; it is not differentiable.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DTypeError, ShapeError, addDispatchLayer, tensor, zeros, type DType, type Tensor } from "../../src/index.js";
import { WV, assertValues, decAll, fromEnc, type Enc } from "../fixtures/wrong_values.js";

interface ViewCase {
  name: string;
  x: Enc;
  dtype: string;
  out: { shape: number[]; stride: number[]; offset: number; v: unknown[] } | { error: string };
}

/** The fixture's slicing of x for a case (the script's lambdas, by name). */
function prepare(name: string, x: Tensor): Tensor {
  if (name.startsWith("columns 2:4")) return x.narrow(1, 2, 2);
  if (name.startsWith("columns 1:3")) return x.narrow(1, 1, 2);
  if (name.startsWith("transposed")) return x.t();
  if (name.startsWith("every other column")) return x.index(":", "::2");
  if (name.startsWith("rows 1:3")) return x.narrow(0, 1, 2);
  if (name.startsWith("expanded rows")) return x.expand([3, 2]);
  if (name.startsWith("columns 0:2")) return x.narrow(1, 0, 2);
  return x;
}

const TO: Record<string, DType> = { int32: "int32", float16: "float16", bfloat16: "bfloat16", bool: "bool", float64: "float64", float32: "float32" };

for (const c of WV.view as ViewCase[]) {
  test(`view(dtype) matches PyTorch: ${c.name} -> ${c.dtype}`, () => {
    const x = prepare(c.name, fromEnc(c.x));
    const dtype = TO[c.dtype]!;
    if ("error" in c.out) {
      // PyTorch's reason, with Fluxion's dtype names
      const reason = c.out.error.replace(/ to view \w+ as \w+ \(different element sizes\).*/, "");
      assert.throws(() => x.view(dtype), (e: Error) => e instanceof ShapeError && e.message.startsWith(`view: ${reason} to view ${x.dtype} as ${dtype} (different element sizes)`), `${c.name}: ${c.out.error}`);
      return;
    }
    const y = x.view(dtype);
    assert.equal(y.dtype, dtype);
    assert.deepEqual(y.shape, c.out.shape, "shape");
    assert.deepEqual(y.strides, c.out.stride, "strides");
    assert.equal(y.offset, c.out.offset, "offset");
    assertValues(y.dtype === "bool" ? (y.tolist() as unknown[]).flat(3).map((b) => (b ? 1 : 0)) : y.to("float64"), decAll(c.out.v), { rtol: 0, msg: "values" });
  });
}

test("a view(dtype) shares storage both ways and the version counter; same dtype is the tensor itself", () => {
  const x = zeros([4]);
  const bits = x.view("int32");
  bits.narrow(0, 0, 1).fill_(1); // the smallest positive float32 subnormal
  assert.equal(x.tolist()[0], 2 ** -149);
  assert.equal(x.version, bits.version);
  assert.ok(x.version > 0);
  x.narrow(0, 1, 1).fill_(1);
  assert.equal(bits.tolist()[1], 1065353216);
  assert.equal(x.view("float32"), x);
  // bfloat16 <-> float16 move the same 16-bit patterns
  const h = tensor([1, -2], { dtype: "float16" });
  assert.deepEqual(h.view("bfloat16").view("float16").tolist(), [1, -2]);
});

test("view(dtype) goes through the dispatcher's view primitive, with the dtype as an attribute", () => {
  const x = tensor([1, 2]), calls: unknown[] = [];
  const remove = addDispatchLayer((call, next) => {
    calls.push({ op: call.op, attrs: call.attrs });
    return next(call);
  });
  try {
    x.view("bfloat16");
  } finally {
    remove();
  }
  assert.deepEqual(calls, [{ op: "view", attrs: { shape: [4], strides: [1], offset: 0, dtype: "bfloat16" } }]);
});

test("view(dtype) is not differentiable, and refuses unknown dtypes", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.view("int32");
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  assert.throws(() => x.view("int16" as DType), (e: Error) => e instanceof DTypeError && /Tensor\.view\(\) received an invalid combination of arguments - got \(string "int16"\)[\s\S]*unknown dtype "int16"/.test(e.message));
});
