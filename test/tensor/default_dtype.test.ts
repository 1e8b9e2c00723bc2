/**
 * setDefaultDtype / getDefaultDtype against PyTorch 1.13 (test/fixtures/default_dtype_torch.json):
 * the dtype of every factory, layer parameter and int-to-float promotion under each default
 * dtype; restoring the default; printing; the refusals. Also finfo / iinfo of every dtype.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as fx from "../../src/index.js";
import { ArgumentError, DTypeError, nn, type DType, type Tensor } from "../../src/index.js";

const FIX = JSON.parse(readFileSync(new URL("../fixtures/default_dtype_torch.json", import.meta.url), "utf8")) as {
  factories: Record<string, Record<string, string | null>>;
  finfo: Record<string, Record<string, number | string>>;
  finfoDefault: Record<string, number | string>;
  iinfo: Record<string, { bits: number; max: string; min: string; dtype: string }>;
};

const i32 = () => fx.tensor([1, 2], { dtype: "int32" });
/** Fluxion's form of each fixture case. */
const CASES: Record<string, () => Tensor> = {
  "tensor([1.5, 2])": () => fx.tensor([1.5, 2]),
  "tensor(1.5)": () => fx.tensor(1.5),
  "tensor([true])": () => fx.tensor([true]),
  "zeros(2)": () => fx.zeros(2),
  "ones(2, 3)": () => fx.ones(2, 3),
  "empty(2)": () => fx.empty(2),
  "full([2], 1.5)": () => fx.full([2], 1.5),
  "rand(2)": () => fx.rand(2),
  "randn(2)": () => fx.randn(2),
  "arange(0.5, 2)": () => fx.arange(0.5, 2),
  "arange(0, 1, 0.25)": () => fx.arange(0, 1, 0.25),
  "linspace(0, 1, 3)": () => fx.linspace(0, 1, 3),
  "eye(2)": () => fx.eye(2),
  "scalarTensor(2)": () => fx.scalarTensor(2),
  "zeros(2, float32)": () => fx.zeros(2, { dtype: "float32" }),
  "int32.add(0.5)": () => i32().add(0.5),
  "int32.mul(2)": () => i32().mul(2),
  "int32.sqrt()": () => i32().sqrt(),
  "int32.div(2)": () => i32().div(2),
  "float32.add(0.5)": () => fx.zeros(2, { dtype: "float32" }).add(0.5),
  "nn.Linear(2, 3).weight": () => new nn.Linear(2, 3).weight,
  "nn.Conv2d(1, 2, 3).weight": () => new nn.Conv2d(1, 2, 3).weight,
  "nn.LayerNorm(4).weight": () => new nn.LayerNorm(4).weight!,
  "nn.Embedding(5, 2).weight": () => new nn.Embedding(5, 2).weight,
  "nn.BatchNorm1d(3).runningMean": () => new nn.BatchNorm1d(3).runningMean!,
  "nn.LSTM(2, 3).weightIh_l0": () => (new nn.LSTM(2, 3) as unknown as Record<string, Tensor>).weight_ih_l0 ?? (new nn.LSTM(2, 3).parameters()[0]!),
  "Transformer.generateSquareSubsequentMask(3)": () => nn.Transformer.generateSquareSubsequentMask(3),
};

/** Runs fn under default dtype d, restoring float32 even when it throws. */
function withDefault<T>(d: DType, fn: () => T): T {
  fx.setDefaultDtype(d);
  try {
    return fn();
  } finally {
    fx.setDefaultDtype("float32");
  }
}

test("default dtype: every factory, layer and promotion as PyTorch 1.13 under float32, float64, float16 and bfloat16", () => {
  assert.deepEqual(Object.keys(FIX.factories).sort(), ["bfloat16", "float16", "float32", "float64"]);
  for (const [d, cases] of Object.entries(FIX.factories)) {
    assert.deepEqual(Object.keys(cases).sort(), Object.keys(CASES).sort());
    withDefault(d as DType, () => {
      assert.equal(fx.getDefaultDtype(), d);
      for (const [name, want] of Object.entries(cases)) {
        if (want === null) continue; // PyTorch's CPU kernel lacks the half type
        assert.equal(CASES[name]!().dtype, want, `${name} under default ${d}`);
      }
    });
  }
});

test("default dtype: starts as float32, is restored by setDefaultDtype('float32'), and values are exact in float64", () => {
  assert.equal(fx.getDefaultDtype(), "float32");
  withDefault("float64", () => {
    assert.deepEqual(fx.tensor([0.1]).tolist(), [0.1]); // not rounded to float32
    assert.deepEqual(fx.linspace(0, 1, 3).tolist(), [0, 0.5, 1]);
    assert.equal(fx.arange(3).dtype, "int32"); // integer ranges stay integer
    assert.equal(fx.tensor([1, 2], { dtype: "int32" }).mean({ dtype: "float64" }).dtype, "float64");
  });
  assert.equal(fx.getDefaultDtype(), "float32");
  assert.equal(fx.tensor([0.1]).dtype, "float32");
  assert.notDeepEqual(fx.tensor([0.1]).tolist(), [0.1]);
  assert.equal(new nn.Linear(2, 2).weight.dtype, "float32");
});

test("default dtype: printing names dtype only when it differs from the default, as PyTorch", () => {
  withDefault("float64", () => {
    assert.equal(fx.tensor([1.5]).toString(), "tensor([1.5000])");
    assert.equal(fx.tensor([1.5], { dtype: "float32" }).toString(), "tensor([1.5000], dtype=float32)");
  });
  assert.equal(fx.tensor([1.5], { dtype: "float64" }).toString(), "tensor([1.5000], dtype=float64)");
});

test("default dtype: a model built under float64 trains in float64 (gradients too)", () => {
  withDefault("float64", () => {
    const m = new nn.Linear(3, 1);
    const loss = m.call(fx.randn(4, 3)).pow(2).mean() as Tensor;
    loss.backward();
    assert.equal(loss.dtype, "float64");
    assert.equal(m.weight.grad!.dtype, "float64");
  });
});

test("setDefaultDtype: refuses non-float dtypes and bad arguments, leaving the default unchanged", () => {
  const is = (f: () => unknown, E: new (...a: never[]) => Error, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof E && re.test((e as Error).message));
  is(() => fx.setDefaultDtype("int32"), DTypeError, /^setDefaultDtype: only floating-point types are supported as the default type \(float32, float64, float16, bfloat16\), got "int32"$/);
  is(() => fx.setDefaultDtype("bool"), DTypeError, /got "bool"/);
  is(() => fx.setDefaultDtype("float128" as DType), DTypeError, /setDefaultDtype\(\): argument 'd' \(position 1\) must be dtype, but got unknown dtype "float128"/);
  is(() => (fx.setDefaultDtype as (...a: unknown[]) => void)(), ArgumentError, /setDefaultDtype\(\).*missing.*'d'/);
  is(() => (fx.getDefaultDtype as (...a: unknown[]) => void)(1), ArgumentError, /getDefaultDtype\(\)/);
  assert.equal(fx.getDefaultDtype(), "float32");
  fx.setDefaultDtype({ d: "float64" } as never);
  assert.equal(fx.getDefaultDtype(), "float64");
  fx.setDefaultDtype(fx.float32 as DType);
  assert.equal(fx.getDefaultDtype(), "float32");
});

test("finfo: every float dtype's bits, eps, max, min, tiny, smallestNormal, resolution and repr as PyTorch", () => {
  for (const [d, want] of Object.entries(FIX.finfo)) {
    const f = fx.finfo(d as DType);
    for (const k of ["bits", "eps", "max", "min", "tiny", "smallestNormal", "resolution", "dtype"] as const) assert.equal(f[k], want[k], `${d}.${k}`);
    assert.equal(String(f), want.repr, d);
  }
  const def = fx.finfo();
  assert.equal(def.dtype, FIX.finfoDefault.dtype);
  withDefault("float64", () => assert.equal(fx.finfo().dtype, "float64"));
  assert.equal(fx.finfo("float32"), fx.finfo({ type: "float32" }));
  assert.ok(Object.isFrozen(fx.finfo("float64")));
  assert.equal(fx.finfo("float32").eps, Math.fround(1 + 2 ** -23) - 1);
});

test("iinfo: every integer dtype's bits, max, min (int64 exact, as bigints)", () => {
  for (const [d, want] of Object.entries(FIX.iinfo)) {
    const f = fx.iinfo(d as DType);
    assert.equal(f.bits, want.bits, d);
    assert.equal(String(f.max), want.max, d);
    assert.equal(String(f.min), want.min, d);
    assert.equal(f.dtype, want.dtype);
  }
  assert.equal(fx.iinfo("int64").max, 9223372036854775807n);
  assert.equal(fx.iinfo("int32").min, -2147483648);
  assert.equal(String(fx.iinfo("uint8")), "iinfo(min=0, max=255, dtype=uint8)");
});

test("finfo / iinfo: the wrong kind of dtype is a DTypeError naming the function", () => {
  const is = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof DTypeError && re.test((e as Error).message));
  is(() => fx.finfo("int32"), /^finfo: requires a floating point dtype \(float16, bfloat16, float32, float64\), got "int32"; use iinfo for integer dtypes$/);
  is(() => fx.finfo("bool"), /^finfo: requires a floating point dtype/);
  is(() => fx.iinfo("float32"), /^iinfo: requires an integer dtype \(uint8, int8, int32, int64\), got "float32"; use finfo for floating point dtypes$/);
  is(() => fx.iinfo("bool"), /bool is not supported by iinfo, as in PyTorch/);
  is(() => fx.iinfo("int16" as DType), /iinfo\(\): argument 'type' \(position 1\) must be dtype, but got unknown dtype "int16"/);
  assert.throws(() => (fx.iinfo as (...a: unknown[]) => unknown)(), ArgumentError);
});

test("default dtype: data.transforms.ToTensor gives the default dtype, as torchvision (float64 values exact p / 255)", () => {
  const img = new fx.data.ByteImage(new Uint8Array([0, 51, 255, 7]), [2, 2]);
  const t = new fx.data.transforms.ToTensor();
  assert.equal(t.forward(img).dtype, "float32");
  withDefault("float64", () => {
    const y = t.forward(img);
    assert.equal(y.dtype, "float64");
    assert.deepEqual(y.reshape(-1).tolist(), [0, 51 / 255, 1, 7 / 255]);
    assert.equal(t.forward(fx.tensor([255], { dtype: "int32" })).dtype, "float64");
  });
  withDefault("bfloat16", () => assert.equal(t.forward(img).dtype, "bfloat16"));
});

test("default dtype: nn.utils.clipGradNorm_ of no gradients is torch.tensor(0.) in the default dtype", () => {
  withDefault("float64", () => assert.equal(nn.utils.clipGradNorm_([new nn.Parameter(fx.zeros(2))], 1).dtype, "float64"));
  assert.equal(nn.utils.clipGradNorm_([new nn.Parameter(fx.zeros(2))], 1).dtype, "float32");
});
