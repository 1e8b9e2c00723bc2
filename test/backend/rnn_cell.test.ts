/**
 * The fused recurrent-cell primitives (src/backend/rnn_cell.ts): the native kernel
 * (native/src/rnn_cell.inc) against the TypeScript loops (cpu/rnn_cell.ts) on every
 * instruction-set path at 1 and 2 threads, every mode and pass, float32 and float64, strided
 * rows, extreme gate values; the loops against values computed here by hand in float64;
 * the decomposition into core primitives (what a backend without the kernel and the half
 * dtypes run) against the loops; and the dispatcher's contract checks.
 *
 * Tolerances: float64 native uses libm where the loops use V8's Math (a few ulps); float32
 * native uses polynomial exp/tanh (rnn_cell.inc) and float32 arithmetic: within 3e-7 of the
 * float64 loops on the nonlinearities themselves (gate values up to ±1e30), and a few
 * float32 ulps of the largest term otherwise.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dispatch, dispatchAll, randn, tensor, manualSeed, setNumThreads, getNumThreads, type Tensor } from "../../src/index.js";
import { rnnCellReference } from "../../src/backend/cpu/rnn_cell.js";
import { rnnCellBackwardDecomposed, rnnCellDecomposed, type RnnCellMode } from "../../src/backend/rnn_cell.js";
import { isas, skip, withIsa } from "./native_helpers.js";
import { assertClose, flat } from "../helpers.js";

const MODES: RnnCellMode[] = ["lstm", "gru", "tanh", "relu"];
const G = { lstm: 4, gru: 3, tanh: 1, relu: 1 } as const;

/** Random operands of one call (values spread over the nonlinearities' whole range). */
function operands(mode: RnnCellMode, backward: boolean, N: number, H: number, dtype: "float32" | "float64", scale = 3): Tensor[] {
  const r = (w: number) => randn([N, w * H], { dtype }).mul(scale);
  if (!backward) {
    // xg as a strided view: rows of a wider tensor, as a step of the layer's [T, N, G] projection
    const xg = randn([N, G[mode] * H + 5], { dtype }).mul(scale).narrow(1, 2, G[mode] * H);
    if (mode === "lstm" || mode === "gru") return [xg, r(G[mode]), r(1)];
    return [xg, r(1)];
  }
  // workspaces hold activations: sigmoids in (0, 1), tanh in (-1, 1)
  const act = (w: number) => randn([N, w * H], { dtype }).sigmoid();
  if (mode === "lstm") {
    const ws = dispatch("cat", [act(2), act(1).mul(2).sub(1), act(1)], { axis: 1 });
    return [r(1), r(1), r(1), ws, r(1), r(1)];
  }
  if (mode === "gru") return [r(1), r(1), dispatch("cat", [act(2), act(1).mul(2).sub(1), r(1)], { axis: 1 }), r(1)];
  return [r(1), r(1), mode === "tanh" ? act(1).mul(2).sub(1) : r(1).relu()];
}

function run(mode: RnnCellMode, backward: boolean, ins: Tensor[]): Tensor[] {
  return dispatchAll(backward ? "rnnCellBackward" : "rnnCell", ins, { mode });
}

test("the TypeScript loops match the formulas written out in float64", () => {
  const xg = tensor([[0.5, -1, 2, 0.25]], { dtype: "float64" }), hh = tensor([[0.1, 0.2, -0.3, 0.4]], { dtype: "float64" }), c = tensor([[1.5]], { dtype: "float64" });
  const [h2, c2, ws] = rnnCellReference([xg, hh, c], { mode: "lstm" }, false);
  const s = (x: number) => 1 / (1 + Math.exp(-x));
  const i = s(0.6), f = s(-0.8), g = Math.tanh(1.7), o = s(0.65);
  assertClose(c2, [f * 1.5 + i * g], { atol: 1e-15 });
  assertClose(h2, [o * Math.tanh(f * 1.5 + i * g)], { atol: 1e-15 });
  assertClose(ws, [i, f, g, o], { atol: 1e-15 });
  // GRU: r, z, n from xg and hh (hh already holds W_hn h + b_hn), h' = (1 - z) n + z h
  const [gh, gws] = rnnCellReference([tensor([[0.3, -0.2, 0.7]], { dtype: "float64" }), tensor([[0.1, 0.4, -0.5]], { dtype: "float64" }), tensor([[2]], { dtype: "float64" })], { mode: "gru" }, false);
  const r = s(0.4), z = s(0.2), n = Math.tanh(0.7 + r * -0.5);
  assertClose(gh, [(1 - z) * n + z * 2], { atol: 1e-15 });
  assertClose(gws, [r, z, n, -0.5], { atol: 1e-15 });
  // LSTM backward: finite differences of the forward in float64
  const eps = 1e-6;
  const loss = (x: Tensor) => {
    const [hh2, cc2] = rnnCellReference([x, hh, c], { mode: "lstm" }, false);
    return flat(hh2)[0]! * 0.7 + flat(cc2)[0]! * -1.3;
  };
  const [dg, dc] = rnnCellReference([tensor([[0.7]], { dtype: "float64" }), tensor([[0]], { dtype: "float64" }), tensor([[-1.3]], { dtype: "float64" }), ws!, c, c2!], { mode: "lstm" }, true);
  const xs = flat(xg);
  xs.forEach((_, k) => {
    const up = xs.slice(), dn = xs.slice();
    up[k]! += eps;
    dn[k]! -= eps;
    const fd = (loss(tensor([up], { dtype: "float64" })) - loss(tensor([dn], { dtype: "float64" }))) / (2 * eps);
    assert.ok(Math.abs(flat(dg)[k]! - fd) < 1e-8, `gate ${k}: ${flat(dg)[k]} vs finite difference ${fd}`);
  });
  assertClose(dc, [-1.3 * f + 0.7 * o * (1 - Math.tanh(flat(c2)[0]!) ** 2) * f], { atol: 1e-14 });
});

test("native kernel == TypeScript loops: every mode and pass, ISA, thread count, dtype", { skip }, () => {
  manualSeed(1);
  const threads = getNumThreads();
  try {
    for (const isa of isas) {
      for (const nt of [1, 2]) {
        setNumThreads(nt);
        withIsa(isa, () => {
          for (const mode of MODES) {
            for (const backward of [false, true]) {
              for (const dtype of ["float32", "float64"] as const) {
                // 3 x 37: odd widths past the vector lengths; 300 x 260: past the threading threshold
                for (const [N, H] of [[3, 37], [300, 260]] as const) {
                  const ins = operands(mode, backward, N, H, dtype);
                  const got = run(mode, backward, ins), want = rnnCellReference(ins, { mode }, backward);
                  // float32 backward: sums of terms up to ~40 in size (gradients of scale 3), so a
                  // few float32 ulps of those absolute; the forward's terms stay below ~10
                  const tol = dtype === "float64" ? { atol: 1e-13, rtol: 1e-13 } : backward ? { atol: 1e-5, rtol: 2e-6 } : { atol: 2e-6, rtol: 2e-6 };
                  got.forEach((g, k) => {
                    assert.deepEqual([...g.shape], [...want[k]!.shape]);
                    assert.equal(g.dtype, dtype);
                    assertClose(g, want[k], { ...tol, msg: `${isa} ${nt}t ${mode} ${backward ? "backward" : "forward"} ${dtype} ${N}x${H} output ${k}` });
                  });
                }
              }
            }
          }
        });
      }
    }
  } finally {
    setNumThreads(threads);
  }
});

test("float32 native cell: extreme gate values saturate cleanly, NaN propagates", { skip }, () => {
  const H = 8;
  const vals = [-1e30, -100, -88, -20, -9, -0.7, -0.6, -1e-3, -1e-30, 0, 1e-30, 1e-3, 0.6, 0.7, 9, 20, 88, 100, 1e30];
  const xg = tensor(Array.from({ length: 4 * H * vals.length }, (_, k) => vals[k % vals.length]!), { shape: [vals.length, 4 * H] });
  const hh = xg.mul(0), c = tensor(Array.from({ length: H * vals.length }, (_, k) => vals[(k * 7) % vals.length]! / 1e28), { shape: [vals.length, H] });
  for (const isa of isas) {
    withIsa(isa, () => {
      const got = run("lstm", false, [xg, hh, c]), want = rnnCellReference([xg, hh, c], { mode: "lstm" }, false);
      got.forEach((g, k) => assertClose(g, want[k], { atol: 3e-7, rtol: 2e-6, msg: `${isa} output ${k}` }));
      // tiny inputs: tanh(x) ~ x and sigmoid(x) - 1/2 ~ x/4 keep their relative accuracy
      const small = tensor([[1e-3, -2e-5, 3e-7, 0.3]]);
      const [t] = run("tanh", false, [small, small.mul(0)]);
      assertClose(t, [Math.tanh(1e-3), Math.tanh(-2e-5), Math.tanh(3e-7), Math.tanh(0.3)], { atol: 0, rtol: 3e-7, msg: `${isa} tanh` });
      const nan = run("tanh", false, [tensor([[NaN, 1]]), tensor([[0, 0]])])[0]!;
      assert.ok(Number.isNaN(flat(nan)[0]!), `${isa}: tanh(NaN) is NaN`);
      assert.ok(Number.isNaN(flat(run("relu", false, [tensor([[NaN]]), tensor([[0]])])[0])[0]!), `${isa}: relu(NaN) is NaN`);
    });
  }
});

test("the decomposition into core primitives matches the loops (the path of half dtypes and kernel-less backends)", () => {
  manualSeed(2);
  for (const mode of MODES) {
    for (const backward of [false, true]) {
      const ins = operands(mode, backward, 4, 5, "float64");
      const got = backward ? rnnCellBackwardDecomposed(ins, { mode }) : rnnCellDecomposed(ins, { mode });
      const want = rnnCellReference(ins, { mode }, backward);
      assert.equal(got.length, want.length);
      got.forEach((g, k) => assertClose(g, want[k], { atol: 1e-13, msg: `${mode} ${backward ? "backward" : "forward"} output ${k}` }));
    }
  }
  // bfloat16 goes through the decomposition: within bfloat16's precision of the float32 result
  const ins = operands("lstm", false, 3, 4, "float32", 1);
  const got = run("lstm", false, ins.map((t) => t.to("bfloat16")));
  const want = rnnCellReference(ins.map((t) => t.to("bfloat16").to("float32")), { mode: "lstm" }, false);
  got.forEach((g, k) => {
    assert.equal(g.dtype, "bfloat16");
    assertClose(g.to("float32"), want[k], { atol: 2e-2, rtol: 2e-2 });
  });
});

test("the dispatcher refuses malformed calls with the primitive, the operand and the shapes", () => {
  const a = randn([2, 12]), b = randn([2, 12]), c = randn([2, 3]);
  assert.throws(() => dispatchAll("rnnCell", [a, b], { mode: "lstm" }), /rnnCell \(lstm\): expected 3 input tensors \(xg, hh, c\), got 2/);
  assert.throws(() => dispatchAll("rnnCell", [a, b, randn([2, 4])], { mode: "lstm" }), /rnnCell \(lstm\): c must be \[N, H\] = \[2, 3\], got \[2, 4\]/);
  assert.throws(() => dispatchAll("rnnCell", [a, randn([3, 12]), c], { mode: "lstm" }), /hh must be \[N, 4H\] = \[2, 12\], got \[3, 12\]/);
  assert.throws(() => dispatchAll("rnnCell", [a, b.double(), c], { mode: "lstm" }), /hh has dtype float64, expected float32/);
  assert.throws(() => dispatchAll("rnnCell", [a, b, c], { mode: "lsmt" as never }), /mode must be one of lstm, gru, tanh, relu/);
  assert.throws(() => dispatchAll("rnnCell", [a.int(), b.int(), c.int()], { mode: "lstm" }), /expected floating inputs, got int32/);
  assert.throws(() => dispatchAll("rnnCellBackward", [c, c, c, a, c], { mode: "lstm" }), /expected 6 input tensors \(dhA, dhB, dc', ws, c, c'\), got 5/);
});
