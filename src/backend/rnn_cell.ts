/**
 * The fused recurrent-cell primitives, `rnnCell` and `rnnCellBackward`: one timestep's gate
 * nonlinearities and state update (LSTM, GRU, Elman tanh/relu) in one pass over the gates,
 * and its gradient in one more. The recurrent layers (src/nn/functional/rnn.ts) run the
 * input projection of all timesteps as one GEMM and, per step, the recurrent GEMM and this.
 *
 * They are optional ("fused") primitives: a backend may implement them (the CPU backend
 * does, natively and in TypeScript: cpu/rnn_cell.ts); where it does not, the dispatcher
 * runs the decomposition below, written with core primitives only, so every backend,
 * dtype and the compiler still see a small closed set.
 *
 * Shapes (N batch rows, H hidden units; all inputs of one floating dtype, any strides):
 *
 *   rnnCell {mode: "lstm"}  [xg [N,4H], hh [N,4H], c [N,H]]  -> [h' [N,H], c' [N,H], ws [N,4H]]
 *     gates = xg + hh in the order i, f, g, o; ws = (σ(i), σ(f), tanh(g), σ(o));
 *     c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c')
 *   rnnCell {mode: "gru"}   [xg [N,3H], hh [N,3H], h [N,H]]  -> [h' [N,H], ws [N,4H]]
 *     hh holds W_hh·h + b_hh; r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r·h_n),
 *     h' = (1 - z)·n + z·h; ws = (r, z, n, h_n)
 *   rnnCell {mode: "tanh" | "relu"}  [xg [N,H], hh [N,H]]  -> [h' = act(xg + hh)]
 *
 *   rnnCellBackward: `dh` is the sum of the two given gradients of h' (the layer's output
 *   at this step and the next step's recurrent gradient), added inside the kernel:
 *   lstm:  [dhA, dhB, dc', ws, c, c']  -> [dgates [N,4H], dc [N,H]]
 *   gru:   [dhA, dhB, ws, h]            -> [dxg [N,3H], dhh [N,3H], dh [N,H]] (dh: the direct z·dh' part)
 *   tanh/relu: [dhA, dhB, h']           -> [dpre [N,H]]
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../errors.js";
import { isFloating } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { dispatch } from "./dispatcher.js";

export type RnnCellMode = "lstm" | "gru" | "tanh" | "relu";

/** The attributes of rnnCell and rnnCellBackward. */
export interface RnnCellAttrs {
  mode: RnnCellMode;
}

/** The entries these primitives add to PrimitiveAttrs. */
export interface RnnCellPrimitiveAttrs {
  rnnCell: RnnCellAttrs;
  rnnCellBackward: RnnCellAttrs;
}
export const RNN_CELL_PRIMITIVES = ["rnnCell", "rnnCellBackward"] as const;

/** Gate blocks per mode in xg/hh, and in ws. */
export const GATES: Record<RnnCellMode, number> = { lstm: 4, gru: 3, tanh: 1, relu: 1 };
const WS_BLOCKS: Record<RnnCellMode, number> = { lstm: 4, gru: 4, tanh: 0, relu: 0 };

// ---- the contract, checked by the dispatcher ----------------------------------------------

const MODES: readonly RnnCellMode[] = ["lstm", "gru", "tanh", "relu"];

/** [input name, width in units of H] of each input, per mode and pass. */
function inputLayout(mode: RnnCellMode, backward: boolean): [string, number][] {
  const G = GATES[mode], W = WS_BLOCKS[mode];
  if (!backward) {
    if (mode === "lstm") return [["xg", G], ["hh", G], ["c", 1]];
    if (mode === "gru") return [["xg", G], ["hh", G], ["h", 1]];
    return [["xg", 1], ["hh", 1]];
  }
  if (mode === "lstm") return [["dhA", 1], ["dhB", 1], ["dc'", 1], ["ws", W], ["c", 1], ["c'", 1]];
  if (mode === "gru") return [["dhA", 1], ["dhB", 1], ["ws", W], ["h", 1]];
  return [["dhA", 1], ["dhB", 1], ["h'", 1]];
}

function checkCell(op: string, inputs: readonly unknown[], a: RnnCellAttrs, backward: boolean): void {
  if (a === null || typeof a !== "object" || !MODES.includes(a.mode)) throw new ArgumentError(`${op}: mode must be one of ${MODES.join(", ")}, got ${String(a?.mode)}`);
  const layout = inputLayout(a.mode, backward);
  if (!Array.isArray(inputs) || inputs.length !== layout.length || !inputs.every((t) => t instanceof Tensor)) {
    throw new ArgumentError(`${op} (${a.mode}): expected ${layout.length} input tensors (${layout.map(([n]) => n).join(", ")}), got ${Array.isArray(inputs) ? inputs.length : typeof inputs}`);
  }
  const ts = inputs as readonly Tensor[];
  const first = ts[0]!;
  const N = first.shape[0]!, H = first.ndim === 2 ? first.shape[1]! / layout[0]![1] : NaN;
  if (!isFloating(first.dtype)) throw new DTypeError(`${op} (${a.mode}): expected floating inputs, got ${first.dtype}`);
  ts.forEach((t, i) => {
    const [name, w] = layout[i]!;
    if (t.dtype !== first.dtype) throw new DTypeError(`${op} (${a.mode}): ${name} has dtype ${t.dtype}, expected ${first.dtype} like ${layout[0]![0]}`);
    if (t.ndim !== 2 || t.shape[0] !== N || t.shape[1] !== w * H) {
      throw new ShapeError(`${op} (${a.mode}): ${name} must be [N, ${w === 1 ? "H" : `${w}H`}] = [${N}, ${w * H}], got ${fmtShape(t.shape)} (inputs ${ts.map((x) => fmtShape(x.shape)).join(", ")})`);
    }
  });
}

export const RNN_CELL_CHECKS = {
  rnnCell: (inputs: readonly unknown[], a: RnnCellAttrs) => checkCell("rnnCell", inputs, a, false),
  rnnCellBackward: (inputs: readonly unknown[], a: RnnCellAttrs) => checkCell("rnnCellBackward", inputs, a, true),
};

// ---- the decomposition into core primitives ------------------------------------------------

const un = (op: "sigmoid" | "tanh" | "relu", x: Tensor) => dispatch("unary", [x], { op });
const bin = (op: "add" | "sub" | "mul", x: Tensor, y: Tensor) => dispatch("binary", [x, y], { op });
const one = (x: Tensor) => dispatch("full", [], { shape: [], dtype: x.dtype, value: 1 }, x.device);
/** Columns [k·H, (k+1)·H) of a 2-D tensor. */
function block(x: Tensor, k: number, H: number): Tensor {
  return dispatch("view", [x], { shape: [x.shape[0]!, H], strides: x.strides, offset: x.offset + k * H * x.strides[1]! });
}
const join = (parts: Tensor[]) => dispatch("cat", parts, { axis: 1 });
/** σ'(x) from y = σ(x): y·(1 - y); tanh'(x) from y = tanh(x): 1 - y². */
const dsig = (y: Tensor) => bin("mul", y, bin("sub", one(y), y));
const dtanh = (y: Tensor) => bin("sub", one(y), bin("mul", y, y));

/** rnnCell with core primitives only (backends without the fused kernel, other dtypes). */
export function rnnCellDecomposed(inputs: readonly Tensor[], a: RnnCellAttrs): Tensor[] {
  if (a.mode === "lstm") {
    const [xg, hh, c] = inputs as [Tensor, Tensor, Tensor];
    const H = c.shape[1]!;
    const gates = bin("add", xg, hh);
    const i = un("sigmoid", block(gates, 0, H)), f = un("sigmoid", block(gates, 1, H));
    const g = un("tanh", block(gates, 2, H)), o = un("sigmoid", block(gates, 3, H));
    const c2 = bin("add", bin("mul", f, c), bin("mul", i, g));
    return [bin("mul", o, un("tanh", c2)), c2, join([i, f, g, o])];
  }
  if (a.mode === "gru") {
    const [xg, hh, h] = inputs as [Tensor, Tensor, Tensor];
    const H = h.shape[1]!;
    const r = un("sigmoid", bin("add", block(xg, 0, H), block(hh, 0, H)));
    const z = un("sigmoid", bin("add", block(xg, 1, H), block(hh, 1, H)));
    const hn = dispatch("copy", [block(hh, 2, H)], {});
    const n = un("tanh", bin("add", block(xg, 2, H), bin("mul", r, hn)));
    return [bin("add", n, bin("mul", z, bin("sub", h, n))), join([r, z, n, hn])];
  }
  const [xg, hh] = inputs as [Tensor, Tensor];
  return [un(a.mode, bin("add", xg, hh))];
}

/** rnnCellBackward with core primitives only. */
export function rnnCellBackwardDecomposed(inputs: readonly Tensor[], a: RnnCellAttrs): Tensor[] {
  const dh = bin("add", inputs[0]!, inputs[1]!);
  const H = dh.shape[1]!;
  if (a.mode === "lstm") {
    const [, , dc2, ws, c, c2] = inputs as Tensor[];
    const i = block(ws!, 0, H), f = block(ws!, 1, H), g = block(ws!, 2, H), o = block(ws!, 3, H);
    const tc = un("tanh", c2!);
    const dct = bin("add", dc2!, bin("mul", bin("mul", dh, o), dtanh(tc)));
    const di = bin("mul", bin("mul", dct, g), dsig(i));
    const df = bin("mul", bin("mul", dct, c!), dsig(f));
    const dg = bin("mul", bin("mul", dct, i), dtanh(g));
    const dO = bin("mul", bin("mul", dh, tc), dsig(o));
    return [join([di, df, dg, dO]), bin("mul", dct, f)];
  }
  if (a.mode === "gru") {
    const [, , ws, h] = inputs as Tensor[];
    const r = block(ws!, 0, H), z = block(ws!, 1, H), n = block(ws!, 2, H), hn = block(ws!, 3, H);
    const dnp = bin("mul", bin("mul", dh, bin("sub", one(z), z)), dtanh(n));
    const drp = bin("mul", bin("mul", dnp, hn), dsig(r));
    const dzp = bin("mul", bin("mul", dh, bin("sub", h!, n)), dsig(z));
    return [join([drp, dzp, dnp]), join([drp, dzp, bin("mul", dnp, r)]), bin("mul", dh, z)];
  }
  const y = inputs[2]!;
  if (a.mode === "tanh") return [bin("mul", dh, dtanh(y))];
  // relu's gradient: 0 where y <= 0 (torch's threshold_backward)
  return [dispatch("binary", [dh, y], { op: "reluGrad" })];
}

