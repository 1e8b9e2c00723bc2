/**
 * softmax, logSoftmax, F.crossEntropy, F.layerNorm, F.batchNorm and F.groupNorm — the ops on
 * the fused primitives — against PyTorch 1.13 (test/fixtures/fused_torch.json, written by
 * fused_torch.py): outputs, input gradients and batch norm's running statistics, float32 and
 * float64, on ordinary and hard inputs (large logits, -inf attention masks, ±inf/NaN rows,
 * constant rows and channels, large means), and BatchNorm2d modules over several steps
 * (momentum null, affine false, trackRunningStats false, eval). Each case runs on the CPU backend (native kernels
 * when the addon is built, on each instruction-set path) and on a backend without fused
 * kernels (the dispatcher's decomposition), so every implementation meets PyTorch's numbers.
 *
 * Tolerances, relative to the largest magnitude of the reference: float32 3e-5 for values,
 * 1e-4 for gradients (PyTorch computes in float32 too, in its own order); float64 1e-10.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { nn, noGrad, tensor, type DType, type Tensor } from "../../src/index.js";
import { decAll } from "../fixtures/math_ref.js";
import { NOFUSED } from "../backend/fused_helpers.js";
import { isas, withIsa } from "../backend/native_helpers.js";

const F = nn.F;
const FX = JSON.parse(readFileSync(new URL("../fixtures/fused_torch.json", import.meta.url), "utf8"));

interface Enc {
  shape: number[];
  v: unknown[];
}

/** Where a case runs: the CPU backend on one native path (or its automatic choice), or the decomposition. */
const PATHS: { name: string; device: string; isa?: (typeof isas)[number] }[] = [
  { name: "cpu", device: "cpu" },
  ...isas.map((isa) => ({ name: `cpu ${isa}`, device: "cpu", isa })),
  { name: "decomposition", device: NOFUSED },
];

function run(path: (typeof PATHS)[number], fn: () => void): void {
  if (path.isa) withIsa(path.isa, fn);
  else fn();
}

function dec(e: Enc, dtype: DType, device: string, requiresGrad = false): Tensor {
  return tensor(decAll(e.v), { shape: e.shape, dtype, device, requiresGrad });
}
function target(e: Enc, device: string): Tensor {
  return tensor(decAll(e.v), { shape: e.shape, dtype: "int64", device });
}

/** |a - e| <= tol · max(1, max |e|); NaN and infinities exactly. */
function match(actual: Tensor | null | undefined, expected: Enc, dtype: DType, kind: "value" | "grad", msg: string): void {
  assert.ok(actual, `${msg}: missing`);
  assert.deepEqual(actual.shape, expected.shape, `${msg}: shape`);
  const a = Array.from(actual.toTypedArray() as Float64Array), e = decAll(expected.v);
  let scale = 1;
  for (const v of e) if (Number.isFinite(v) && Math.abs(v) > scale) scale = Math.abs(v);
  const tol = (dtype === "float64" ? 1e-10 : kind === "value" ? 3e-5 : 1e-4) * scale;
  for (let i = 0; i < e.length; i++) {
    const x = a[i]!, y = e[i]!;
    if (Number.isNaN(y)) assert.ok(Number.isNaN(x), `${msg}[${i}]: expected NaN, got ${x}`);
    else if (!Number.isFinite(y)) assert.equal(x, y, `${msg}[${i}]`);
    else assert.ok(Math.abs(x - y) <= tol, `${msg}[${i}]: ${x} vs PyTorch ${y} (tolerance ${tol})`);
  }
}

for (const path of PATHS) {
  describe(`fused ops against PyTorch 1.13 (${path.name})`, () => {
    it("softmax and logSoftmax: values and gradients", () => {
      run(path, () => {
        for (const c of FX.softmax) {
          const x = dec(c.x, c.dtype, path.device, c.grad !== undefined);
          const out = c.log ? x.logSoftmax(c.dim) : x.softmax(c.dim);
          match(out, c.out, c.dtype, "value", `${c.name}: out`);
          if (!c.grad) continue;
          out.backward(dec(c.gout, c.dtype, path.device));
          match(x.grad, c.grad, c.dtype, "grad", `${c.name}: grad`);
        }
      });
    });

    it("crossEntropy with weight, ignoreIndex and labelSmoothing: loss and gradient", () => {
      run(path, () => {
        for (const c of FX.crossEntropy) {
          const x = dec(c.x, c.dtype, path.device, true);
          const opts = { ...c.opts, weight: c.opts.weight ? dec(c.opts.weight, c.dtype, path.device) : undefined };
          const loss = F.crossEntropy(x, target(c.target, path.device), opts);
          match(loss, c.out, c.dtype, "value", `${c.name}: loss`);
          loss.backward(dec(c.gout, c.dtype, path.device));
          match(x.grad, c.grad, c.dtype, "grad", `${c.name}: grad`);
        }
      });
    });

    it("layerNorm with and without affine: output and gradients", () => {
      run(path, () => {
        for (const c of FX.layerNorm) {
          const [x, w, b] = [c.x, c.weight, c.bias].map((e) => (e ? dec(e, c.dtype, path.device, true) : null)) as [Tensor, Tensor | null, Tensor | null];
          const out = F.layerNorm(x, c.normalizedShape, w, b);
          match(out, c.out, c.dtype, "value", `${c.name}: out`);
          out.backward(dec(c.gout, c.dtype, path.device));
          [x, w, b].forEach((t, i) => c.grads[i] && match(t?.grad, c.grads[i], c.dtype, "grad", `${c.name}: grad ${i}`));
        }
      });
    });

    it("batchNorm, training and eval: output, gradients, running statistics", () => {
      run(path, () => {
        for (const c of FX.batchNorm) {
          const [x, w, b] = [c.x, c.weight, c.bias].map((e) => (e ? dec(e, c.dtype, path.device, true) : null)) as [Tensor, Tensor | null, Tensor | null];
          const rm = dec(c.runningMeanIn, c.dtype, path.device), rv = dec(c.runningVarIn, c.dtype, path.device);
          const out = F.batchNorm(x, rm, rv, w, b, { training: c.training, momentum: c.momentum, eps: 1e-5 });
          match(out, c.out, c.dtype, "value", `${c.name}: out`);
          match(rm, c.runningMean, c.dtype, "value", `${c.name}: running mean`);
          match(rv, c.runningVar, c.dtype, "value", `${c.name}: running var`);
          out.backward(dec(c.gout, c.dtype, path.device));
          [x, w, b].forEach((t, i) => c.grads[i] && match(t?.grad, c.grads[i], c.dtype, "grad", `${c.name}: grad ${i}`));
        }
      });
    });

    it("BatchNorm2d modules over steps: momentum null, affine false, trackRunningStats false, eval", () => {
      run(path, () => {
        for (const c of FX.batchNormModule) {
          const bn = new nn.BatchNorm2d(3, { momentum: c.momentum, affine: c.affine, trackRunningStats: c.trackRunningStats, device: path.device, dtype: c.dtype });
          if (c.affine) noGrad(() => (bn.weight!.copy_(dec(c.weight, c.dtype, path.device)), bn.bias!.copy_(dec(c.bias, c.dtype, path.device))));
          c.steps.forEach((st: { training: boolean; x: Enc; gout: Enc; out: Enc; grad: Enc }, k: number) => {
            bn.train(st.training);
            const x = dec(st.x, c.dtype, path.device, true);
            const out = bn.call(x) as Tensor;
            match(out, st.out, c.dtype, "value", `${c.name} step ${k}: out`);
            out.backward(dec(st.gout, c.dtype, path.device));
            match(x.grad, st.grad, c.dtype, "grad", `${c.name} step ${k}: grad`);
          });
          if (c.affine) {
            match(bn.weight!.grad, c.weightGrad, c.dtype, "grad", `${c.name}: weight grad`);
            match(bn.bias!.grad, c.biasGrad, c.dtype, "grad", `${c.name}: bias grad`);
          }
          if (c.trackRunningStats) {
            match(bn.runningMean, c.runningMean, c.dtype, "value", `${c.name}: running mean`);
            match(bn.runningVar, c.runningVar, c.dtype, "value", `${c.name}: running var`);
            assert.equal(Number(bn.numBatchesTracked!.item()), c.numBatchesTracked, `${c.name}: numBatchesTracked`);
          } else assert.equal(bn.runningMean, null, `${c.name}: no running statistics`);
        }
      });
    });

    it("groupNorm: output and gradients", () => {
      run(path, () => {
        for (const c of FX.groupNorm) {
          const [x, w, b] = [c.x, c.weight, c.bias].map((e) => (e ? dec(e, c.dtype, path.device, true) : null)) as [Tensor, Tensor | null, Tensor | null];
          const out = F.groupNorm(x, c.groups, w, b);
          match(out, c.out, c.dtype, "value", `${c.name}: out`);
          out.backward(dec(c.gout, c.dtype, path.device));
          [x, w, b].forEach((t, i) => c.grads[i] && match(t?.grad, c.grads[i], c.dtype, "grad", `${c.name}: grad ${i}`));
        }
      });
    });
  });
}
