/**
 * One layer and direction of a recurrent net (LSTM, GRU, Elman tanh/relu) over a time-major
 * sequence, as one autograd node, the way cuDNN and PyTorch's fused kernels run it:
 *
 * forward:  the input projection of all timesteps is one GEMM (biases in its epilogue); per
 *           step, the recurrent GEMM h·W_hhᵀ and the fused cell (the rnnCell primitive,
 *           src/backend/rnn_cell.ts), and for an LSTM with projections h·W_hrᵀ;
 * backward: per step (in reverse), the fused cell's gradient and one GEMM for the hidden
 *           state's gradient; then the gradients of the input, W_ih, W_hh (and W_hr) and the
 *           biases are each one GEMM or reduction over all timesteps at once.
 *
 * With createGraph (higher-order gradients) the backward instead recomputes the layer with
 * differentiable Tensor ops (rnnLayerReference, the same math step by step) and
 * differentiates that, so double backward works too. rnnLayerReference is also what the
 * tests compare the fused path with.
 * Not here: stacking layers, directions, dropout and argument checks (src/nn/layers/rnn.ts).
 */
import { dispatch, dispatchAll } from "../../backend/dispatcher.js";
import { GATES, type RnnCellMode } from "../../backend/rnn_cell.js";
import { grad } from "../../autograd/backward.js";
import { isGradEnabled } from "../../autograd/grad_mode.js";
import type { BackwardFn } from "../../autograd/node.js";
import { record } from "../../autograd/record.js";
import { freeTemporaries } from "../../autograd/recycle.js";
import type { Tensor } from "../../tensor/tensor.js";
import { cat, stack } from "../../ops/shape_ops.js";
import { linear } from "./linear.js";

/** One (layer, direction)'s parameters; whr only for an LSTM with projections. */
export interface RnnLayerWeights {
  wih: Tensor;
  whh: Tensor;
  bih: Tensor | null;
  bhh: Tensor | null;
  whr: Tensor | null;
}

export interface RnnLayerResult {
  /** [T, N, H'] (H' = projSize for a projected LSTM, else H). */
  output: Tensor;
  /** The last step's hidden state [N, H']. */
  h: Tensor;
  /** The last step's cell state [N, H] (LSTM only). */
  c: Tensor | null;
}

const NAMES: Record<RnnCellMode, string> = { lstm: "LSTMLayerBackward0", gru: "GRULayerBackward0", tanh: "RNNLayerBackward0", relu: "RNNLayerBackward0" };

// ---- raw helpers (no autograd: the layer records one node itself) ---------------------------

const view = (t: Tensor, shape: readonly number[], strides: readonly number[], offset: number) => dispatch("view", [t], { shape, strides, offset });
/** Row block t of a [T, N, F] tensor, as [N, F]. */
const stepOf = (t: Tensor, i: number) => view(t, [t.shape[1]!, t.shape[2]!], [t.strides[1]!, t.strides[2]!], t.offset + i * t.strides[0]!);
/** The transpose of a 2-D tensor. */
const tr = (t: Tensor) => view(t, [t.shape[1]!, t.shape[0]!], [t.strides[1]!, t.strides[0]!], t.offset);
/** A [T, N, F] tensor as [T·N, F] (a copy when its layout does not allow a view). */
function rows(t: Tensor): Tensor {
  const [T, N, F] = t.shape as [number, number, number];
  const c = t.strides[1] === F * t.strides[2]! && t.strides[0] === N * t.strides[1]! && t.strides[2] === 1 ? t : dispatch("copy", [t], {});
  return view(c, [T * N, F], [F, 1], c.offset);
}
const mm = (a: Tensor, b: Tensor, bias?: Tensor | null) => dispatch("matmul", bias ? [a, b, bias] : [a, b], bias ? { bias: "col" } : {});
const addT = (a: Tensor, b: Tensor) => dispatch("binary", [a, b], { op: "add" });
/** Steps stacked in time order into one [T, N, F] tensor. */
const stackSteps = (ts: readonly Tensor[]) => dispatch("cat", ts.map((t) => view(t, [1, ...t.shape], [0, ...t.strides], t.offset)), { axis: 0 });

/**
 * Runs one layer of `mode` over x [T, N, I] from h0 [N, H'] (and c0 [N, H] for an LSTM),
 * backwards in time when `reverse`. Differentiable in x, h0, c0 and every weight.
 */
export function rnnLayer(mode: RnnCellMode, x: Tensor, h0: Tensor, c0: Tensor | null, w: RnnLayerWeights, reverse: boolean): RnnLayerResult {
  const [T, N] = x.shape as [number, number, number];
  if (T === 0) return rnnLayerReference(mode, x, h0, c0, w, reverse);
  const lstm = mode === "lstm", gru = mode === "gru";
  const H = w.whh.shape[0]! / GATES[mode];
  // the input projection of every step: one GEMM; b_hh folds into it except for the GRU,
  // whose b_hn sits inside r·(W_hn h + b_hn)
  const x2 = rows(x);
  const bias = gru ? w.bih : w.bih && w.bhh ? addT(w.bih, w.bhh) : w.bih ?? w.bhh;
  const xg = mm(x2, tr(w.wih), bias);
  const G = xg.shape[1]!;
  const xg3 = view(xg, [T, N, G], [N * G, G, 1], xg.offset);
  const whhT = tr(w.whh), whrT = w.whr ? tr(w.whr) : null;
  const stepBias = gru ? w.bhh : null;
  let h = h0, c = c0;
  const temps: Tensor[] = [x2, xg]; // freed once the layer is done, unless output or saved
  const outs: Tensor[] = new Array(T), wss: Tensor[] = new Array(T), cs: Tensor[] = lstm ? new Array(T) : [], hfull: Tensor[] = whrT ? new Array(T) : [];
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const hh = mm(h, whhT, stepBias);
    temps.push(hh);
    if (lstm) {
      const [hf, c2, ws] = dispatchAll("rnnCell", [stepOf(xg3, t), hh, c!], { mode }) as [Tensor, Tensor, Tensor];
      c = cs[t] = c2;
      wss[t] = ws;
      if (whrT) hfull[t] = hf;
      h = whrT ? mm(hf, whrT) : hf;
    } else if (gru) {
      const [h2, ws] = dispatchAll("rnnCell", [stepOf(xg3, t), hh, h], { mode }) as [Tensor, Tensor];
      h = h2;
      wss[t] = ws;
    } else {
      h = dispatch("rnnCell", [stepOf(xg3, t), hh], { mode });
    }
    outs[t] = h;
  }
  const output = stackSteps(outs);
  const inputs = [x, h0, c0, w.wih, w.whh, w.bih, w.bhh, w.whr];
  const outputs = lstm ? [output, h, c!] : [output, h];
  // saved (SAVED_FIXED of them, absent ones as stand-ins): x, h0, c0, W_ih, W_hh, W_hr, the
  // biases (for the createGraph recomputation), the output; then per step the cell's
  // workspace, the LSTM's cell states and a projected LSTM's unprojected h
  const saved = [x, h0, c0 ?? h0, w.wih, w.whh, w.whr ?? w.whh, w.bih ?? w.whh, w.bhh ?? w.whh, output, ...wss.filter((t) => t), ...cs, ...hfull];
  record(NAMES[mode], inputs, outputs, saved, layerBackward(mode, T, H, reverse, w.whr !== null, w.bih !== null));
  // the per-step h were copied into output; the last one is h_n itself (kept: an output)
  freeTemporaries([...temps, ...outs], [...outputs, ...saved]);
  // the per-step workspaces, cell states and unprojected h are the layer's own: its backward
  // frees them (all but c_n, an output)
  if (output.gradFn) {
    // by storage identity (not its elements: under compile() they are pending)
    const out = new Set(outputs.map((o) => o.storage));
    output.gradFn.privateSaved = saved.map((t, i) => (i >= SAVED_FIXED && !out.has(t.storage) ? i : -1)).filter((i) => i >= 0);
  }
  return { output, h, c: lstm ? c : null };
}

/**
 * The layer's backward (a factory whose scope holds no tensors: see unaryBackward). Inputs
 * of the node: x, h0, c0, W_ih, W_hh, b_ih, b_hh, W_hr.
 */
const SAVED_FIXED = 9;

function layerBackward(mode: RnnCellMode, T: number, H: number, reverse: boolean, proj: boolean, bias: boolean): BackwardFn {
  return (grads, saved, needs) => {
    if (isGradEnabled()) return recomputedBackward(mode, reverse, proj, bias, grads, saved, needs);
    const lstm = mode === "lstm", gru = mode === "gru";
    const [x, h0, c0, wih, whh, whr, , , output] = saved as Tensor[];
    const x2 = rows(x!), xShape = x!.shape;
    const per = saved.slice(SAVED_FIXED);
    const wss = mode === "tanh" || mode === "relu" ? [] : per.slice(0, T);
    const cs = lstm ? per.slice(T, 2 * T) : [];
    const hfull = proj ? per.slice(2 * T, 3 * T) : [];
    const gOut = grads[0]!;
    let dh = grads[1]!, dc = lstm ? grads[2]! : null;
    const N = h0!.shape[0]!;
    const zero = proj ? dispatch("full", [], { shape: [N, H], dtype: h0!.dtype, value: 0 }, h0!.device) : null;
    const prev = (t: number) => (reverse ? t + 1 : t - 1); // the step whose state step t starts from
    const first = reverse ? T - 1 : 0; // the step that starts from h0 / c0
    const hPrev = (t: number) => (t === first ? h0! : stepOf(output!, prev(t)));
    const dG: Tensor[] = new Array(T), dHH: Tensor[] = gru ? new Array(T) : [], dHR: Tensor[] = proj ? new Array(T) : [];
    for (let s = T - 1; s >= 0; s--) {
      const t = reverse ? T - 1 - s : s;
      const g = stepOf(gOut, t);
      const last = s === 0; // dh after it is h0's gradient
      if (lstm) {
        const cPrev = t === first ? c0! : cs[prev(t)]!;
        let dhA = g, dhB = dh;
        if (proj) {
          dHR[t] = addT(g, dh); // the gradient of the projected h
          dhA = mm(dHR[t]!, whr!);
          dhB = zero!;
        }
        const [dg, dcPrev] = dispatchAll("rnnCellBackward", [dhA, dhB, dc!, wss[t]!, cPrev, cs[t]!], { mode }) as [Tensor, Tensor];
        dG[t] = dg;
        dc = dcPrev;
        if (!last || needs[1]) dh = mm(dg, whh!);
      } else if (gru) {
        const [dxg, dhh, dhDirect] = dispatchAll("rnnCellBackward", [g, dh, wss[t]!, hPrev(t)], { mode }) as [Tensor, Tensor, Tensor];
        dG[t] = dxg;
        dHH[t] = dhh;
        if (!last || needs[1]) dh = addT(dhDirect, mm(dhh, whh!));
      } else {
        const dpre = dispatch("rnnCellBackward", [g, dh, stepOf(output!, t)], { mode });
        dG[t] = dpre;
        if (!last || needs[1]) dh = mm(dpre, whh!);
      }
    }
    const DG = rows(stackSteps(dG));
    const DHH = gru ? rows(stackSteps(dHH)) : DG; // the gradient of the recurrent product h·W_hhᵀ
    // W_hh's gradient: Σ_t dHH_tᵀ · h_prev(t), as the first step's term plus one GEMM over the rest
    let dWhh: Tensor | null = null;
    if (needs[4]) {
      const G = DHH.shape[1]!, HO = h0!.shape[1]!;
      const firstRows = view(DHH, [N, G], [G, 1], DHH.offset + first * N * G);
      dWhh = mm(tr(firstRows), h0!);
      if (T > 1) {
        const rest = view(DHH, [(T - 1) * N, G], [G, 1], DHH.offset + (reverse ? 0 : N * G));
        const hs = view(output!, [(T - 1) * N, HO], [HO, 1], output!.offset + (reverse ? N * HO : 0));
        dWhh = addT(dWhh, mm(tr(rest), hs));
      }
    }
    const sumRows = (t: Tensor) => dispatch("reduce", [t], { op: "sum", axes: [0], keepdim: false });
    const dbih = needs[5] ? sumRows(DG) : null;
    const dbhh = needs[6] ? (gru ? sumRows(DHH) : dbih ?? sumRows(DG)) : null;
    const dx = needs[0] ? mm(DG, wih!) : null;
    const dWhr = proj && needs[7] ? mm(tr(rows(stackSteps(dHR))), rows(stackSteps(hfull))) : null;
    return [
      dx ? dispatch("view", [dx], { shape: xShape, strides: [xShape[1]! * xShape[2]!, xShape[2]!, 1], offset: dx.offset }) : null,
      needs[1] ? dh : null,
      needs[2] ? dc : null,
      needs[3] ? mm(tr(DG), x2!) : null,
      dWhh,
      dbih,
      dbhh,
      dWhr,
    ];
  };
}

/**
 * With createGraph: the gradients of the layer recomputed through differentiable Tensor ops,
 * so they can be differentiated again. Each input enters through a fresh alias, so the
 * recomputed graph ends there and gradients do not run on into the inputs' own history
 * (the engine running this node takes them on from here).
 */
function recomputedBackward(mode: RnnCellMode, reverse: boolean, proj: boolean, bias: boolean, grads: Tensor[], saved: Tensor[], needs: readonly boolean[]): (Tensor | null)[] {
  const [x, h0, c0, wih, whh, whr, bih, bhh] = saved as Tensor[];
  const alias = (t: Tensor) => t.expand(t.shape); // a new node in front of t, any layout
  const ins: (Tensor | null)[] = [
    alias(x!), alias(h0!), mode === "lstm" ? alias(c0!) : null, alias(wih!), alias(whh!),
    bias ? alias(bih!) : null, bias ? alias(bhh!) : null, proj ? alias(whr!) : null,
  ];
  const r = rnnLayerReference(mode, ins[0]!, ins[1]!, ins[2], { wih: ins[3]!, whh: ins[4]!, bih: ins[5], bhh: ins[6], whr: ins[7] }, reverse);
  const outs = mode === "lstm" ? [r.output, r.h, r.c!] : [r.output, r.h];
  const wanted = ins.map((t, i) => (t && needs[i] ? t : null));
  const got = grad(outs, wanted.filter((t): t is Tensor => t !== null), { gradOutputs: grads.slice(0, outs.length), createGraph: true, allowUnused: true });
  let k = 0;
  return wanted.map((t) => (t ? got[k++] ?? null : null));
}

// ---- the reference: the same layer as differentiable Tensor ops, step by step --------------

function lstmStep(xg: Tensor, h: Tensor, c: Tensor, whh: Tensor, whr: Tensor | null): [Tensor, Tensor] {
  const gates = h.matmul(whh.t()).add(xg);
  const [i, f, g, o] = gates.chunk(4, -1) as [Tensor, Tensor, Tensor, Tensor];
  const c2 = f.sigmoid().mul(c).add(i.sigmoid().mul(g.tanh()));
  let h2 = o.sigmoid().mul(c2.tanh());
  if (whr) h2 = h2.matmul(whr.t());
  return [h2, c2];
}

function gruStep(xg: Tensor, h: Tensor, whh: Tensor, bhh: Tensor | null): Tensor {
  const gh = linear(h, whh, bhh);
  const [xr, xz, xn] = xg.chunk(3, -1) as [Tensor, Tensor, Tensor];
  const [hr, hz, hn] = gh.chunk(3, -1) as [Tensor, Tensor, Tensor];
  const r = xr.add(hr).sigmoid();
  const z = xz.add(hz).sigmoid();
  const n = xn.add(r.mul(hn)).tanh();
  return n.add(z.mul(h.sub(n))); // (1 - z)·n + z·h
}

/**
 * rnnLayer composed from Tensor ops (autograd records every step): the reference the fused
 * layer is tested against, the createGraph path, and the path for empty sequences.
 */
export function rnnLayerReference(mode: RnnCellMode, x: Tensor, h0: Tensor, c0: Tensor | null, w: RnnLayerWeights, reverse: boolean): RnnLayerResult {
  const T = x.shape[0]!;
  const gru = mode === "gru";
  let xg = linear(x, w.wih, w.bih);
  if (!gru && w.bhh) xg = xg.add(w.bhh);
  let h = h0, c = c0;
  const outs: Tensor[] = new Array(T);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const xt = xg.select(0, t);
    if (mode === "lstm") [h, c] = lstmStep(xt, h, c!, w.whh, w.whr);
    else if (gru) h = gruStep(xt, h, w.whh, w.bhh);
    else {
      const pre = h.matmul(w.whh.t()).add(xt);
      h = mode === "relu" ? pre.relu() : pre.tanh();
    }
    outs[t] = h;
  }
  const output = T > 0 ? stack(outs, 0) : cat([h0.unsqueeze(0).narrow(0, 0, 0)], 0);
  return { output, h, c: mode === "lstm" ? c : null };
}
