/**
 * Recurrent layers: RNN (tanh/relu), LSTM (with optional projections) and GRU over whole
 * sequences, and the single-step RNNCell, LSTMCell and GRUCell — PyTorch 1.13's modules with
 * the same parameter names and shapes (weight_ih_l0, bias_hh_l1_reverse, ...), gate order
 * (i, f, g, o for LSTM; r, z, n for GRU), default init (uniform ±1/√hidden) and outputs, so
 * a PyTorch stateDict loads unchanged.
 *
 * Each (layer, direction) runs as one fused layer (src/nn/functional/rnn.ts): the input
 * projection of all timesteps is one GEMM, each step one recurrent GEMM and one fused cell
 * kernel, and the backward is written out; the cells are that layer over one step.
 * RNN, LSTM and GRU also take a PackedSequence (nn.utils.rnn.packPaddedSequence) and return
 * one, with each sequence's final state taken at its own last step
 * (src/nn/functional/rnn_packed.ts).
 */
import { FluxionError, ShapeError, DTypeError, fmtShape } from "../../errors.js";
import { empty, zeros } from "../../tensor/creation.js";
import type { DType } from "../../tensor/dtype.js";
import type { Tensor } from "../../tensor/tensor.js";
import { cat, stack } from "../../ops/shape_ops.js";
import { dropout as dropoutFn } from "../functional/dropout.js";
import { rnnLayer } from "../functional/rnn.js";
import { rnnLayerPacked } from "../functional/rnn_packed.js";
import { PackedSequence } from "../packed_sequence.js";
import type { RnnCellMode } from "../../backend/rnn_cell.js";
import * as init from "../init.js";
import { Module } from "../module.js";
import { Parameter } from "../parameter.js";
import { pyFloat } from "./repr.js";
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { checkLayerSizes, declareMethodArgs } from "../args.js";

/** The cell each module mode runs (the rnnCell primitive's modes). */
const CELL: Record<Mode, RnnCellMode> = { RNN_TANH: "tanh", RNN_RELU: "relu", LSTM: "lstm", GRU: "gru" };

type Mode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";
const GATES: Record<Mode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

function checkSizes(cls: string, inputSize: number, hiddenSize: number, device: string | null): void {
  checkLayerSizes(cls, { input_size: inputSize, hidden_size: hiddenSize }, device, ["input_size", "hidden_size"]);
}

/** More layers than any network has: each adds four parameter tensors, so 1e12 would never finish. */
const MAX_LAYERS = 65536;

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

function checkDType(cls: string, what: string, t: Tensor, dtype: DType): void {
  if (t.dtype !== dtype) {
    throw new DTypeError(`${cls}: expected ${what} of dtype ${dtype} (the dtype of the module's parameters), got ${t.dtype}; convert the module (module.to("${t.dtype}")) or the tensor (x.to("${dtype}"))`);
  }
}

// ---- sequence layers ----------------------------------------------------------------------

/** The options-object form of RNN/LSTM/GRU's arguments (`new nn.LSTM(10, 20, { numLayers: 2 })`). */
export interface RNNBaseOptions {
  /** Stacked layers (default 1); layer k > 0 reads the outputs of layer k - 1. */
  numLayers?: number;
  /** Use b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [N, T, *] instead of [T, N, *] (hidden states are not affected). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Also run each layer backwards in time and concatenate both directions (default false). */
  bidirectional?: boolean;
  dtype?: DType | null;
  device?: string | null;
}

// PyTorch 1.13's positional order (RNNBase's); RNN's nonlinearity is keyword-only there too
const RNN_DECL = 'RNN(int inputSize, int hiddenSize, int numLayers=1, bool bias=true, bool batchFirst=false, float dropout=0.0, bool bidirectional=false, *, "tanh"|"relu" nonlinearity="tanh", Device? device=null, ScalarType? dtype=null)';
const LSTM_DECL = "LSTM(int inputSize, int hiddenSize, int numLayers=1, bool bias=true, bool batchFirst=false, float dropout=0.0, bool bidirectional=false, int projSize=0, *, Device? device=null, ScalarType? dtype=null)";
const GRU_DECL = "GRU(int inputSize, int hiddenSize, int numLayers=1, bool bias=true, bool batchFirst=false, float dropout=0.0, bool bidirectional=false, *, Device? device=null, ScalarType? dtype=null)";
const rnnArgs = declareArgs(RNN_DECL, "nn");
const lstmArgs = declareArgs(LSTM_DECL, "nn");
const gruArgs = declareArgs(GRU_DECL, "nn");
// forward takes a Tensor or a PackedSequence; the Tensor forms type the module call (rnn(x))
const RNN_FORWARD = "RNN.forward(Tensor|PackedSequence input, Tensor? hx=null)";
const LSTM_FORWARD = "LSTM.forward(Tensor|PackedSequence input, Tensor[2]? hx=null)";
const GRU_FORWARD = "GRU.forward(Tensor|PackedSequence input, Tensor? hx=null)";
type RnnTensorArgs = CtorArgs<"RNN.forward(Tensor input, Tensor? hx=null)">;
type LstmTensorArgs = CtorArgs<"LSTM.forward(Tensor input, Tensor[2]? hx=null)">;
const rnnForwardArgs = declareMethodArgs(RNN_FORWARD);
const lstmForwardArgs = declareMethodArgs(LSTM_FORWARD);
const gruForwardArgs = declareMethodArgs(GRU_FORWARD);

/** A sequence layer's arguments after binding. */
interface RNNConfig {
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bias: boolean;
  batchFirst: boolean;
  dropout: number;
  bidirectional: boolean;
  projSize: number;
  device: string | null;
  dtype: DType | null;
}

/** Names of one (layer, direction)'s parameters. */
interface LayerWeights {
  wih: string;
  whh: string;
  bih: string | null;
  bhh: string | null;
  whr: string | null;
}

/**
 * Shared machinery of RNN, LSTM and GRU (torch.nn.RNNBase): parameter registration, input
 * and hidden-state checks, the layer/direction loop.
 */
export abstract class RNNBase extends Module {
  readonly mode: Mode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;
  /**
   * The per-layer parameters under PyTorch's names, typed for `gru.weight_hh_l0_reverse.grad`:
   * weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (with bias), weight_hr_l{k}
   * (LSTM with projSize), each with a _reverse twin when bidirectional. As with an array index,
   * TypeScript cannot tell whether the layer k exists.
   */
  [name: `${"weight_ih" | "weight_hh" | "weight_hr" | "bias_ih" | "bias_hh"}_l${number}${"" | "_reverse"}`]: Parameter;
  private readonly layerWeights: LayerWeights[] = [];

  constructor(mode: Mode, c: RNNConfig) {
    super();
    const cls = new.target.name;
    const { inputSize, hiddenSize } = c;
    checkSizes(cls, inputSize, hiddenSize, c.device);
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = c.numLayers;
    this.bias = c.bias;
    this.batchFirst = c.batchFirst;
    this.dropout = c.dropout;
    this.bidirectional = c.bidirectional;
    this.projSize = c.projSize;
    if (this.numLayers < 1 || this.numLayers > MAX_LAYERS) throw new FluxionError(`${cls}: num_layers must be a positive integer${this.numLayers > MAX_LAYERS ? ` no larger than ${MAX_LAYERS}` : ""}, got ${this.numLayers}`);
    if (!(this.dropout >= 0 && this.dropout <= 1)) {
      throw new FluxionError(`${cls}: dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got ${this.dropout}`);
    }
    if (this.projSize < 0) throw new FluxionError(`${cls}: proj_size should be a non-negative integer, got ${this.projSize}`);
    if (this.projSize >= hiddenSize) throw new FluxionError(`${cls}: proj_size has to be smaller than hidden_size (got proj_size=${this.projSize}, hidden_size=${hiddenSize})`);
    if (this.projSize > 0 && mode !== "LSTM") throw new FluxionError(`${cls}: proj_size argument is only supported for LSTM, not RNN or GRU`);

    const gate = GATES[mode] * hiddenSize;
    const realHidden = this.projSize > 0 ? this.projSize : hiddenSize;
    const D = this.bidirectional ? 2 : 1;
    const create = { dtype: c.dtype, device: c.device };
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let dir = 0; dir < D; dir++) {
        const sfx = `_l${layer}${dir === 1 ? "_reverse" : ""}`;
        const layerIn = layer === 0 ? inputSize : realHidden * D;
        const names: LayerWeights = { wih: `weight_ih${sfx}`, whh: `weight_hh${sfx}`, bih: null, bhh: null, whr: null };
        this.registerParameter(names.wih, new Parameter(empty([gate, layerIn], create)));
        this.registerParameter(names.whh, new Parameter(empty([gate, realHidden], create)));
        if (this.bias) {
          this.registerParameter((names.bih = `bias_ih${sfx}`), new Parameter(empty([gate], create)));
          this.registerParameter((names.bhh = `bias_hh${sfx}`), new Parameter(empty([gate], create)));
        }
        if (this.projSize > 0) this.registerParameter((names.whr = `weight_hr${sfx}`), new Parameter(empty([this.projSize, hiddenSize], create)));
        this.layerWeights.push(names);
      }
    }
    this.resetParameters();
  }

  /** Every weight uniform in ±1/√hiddenSize, as PyTorch. */
  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) init.uniform_(p, -stdv, stdv);
  }

  /** A no-op kept for PyTorch code that calls it (torch's cuDNN weight compaction). */
  flattenParameters(): void {}

  /** The parameters per (layer, direction), in PyTorch's order (torch's all_weights). */
  get allWeights(): Parameter[][] {
    return this.layerWeights.map((w) => [w.wih, w.whh, w.bih, w.bhh, w.whr].filter((n): n is string => n !== null).map((n) => this.param(n)!));
  }

  private param(name: string | null): Parameter | null {
    return name === null ? null : ((this as any)[name] as Parameter);
  }

  /** Checks input and hidden states; returns them time-major and batched. */
  protected prepare(input: Tensor, hx: Tensor[] | null): { x: Tensor; h0: Tensor[]; batched: boolean } {
    const cls = this.constructor.name;
    if (input.ndim !== 2 && input.ndim !== 3) throw new ShapeError(`${cls}: Expected input to be 2-D or 3-D but received ${input.ndim}-D tensor (shape ${fmtShape(input.shape)})`);
    this.checkInputSize(input);
    const batched = input.ndim === 3;
    let x = batched ? input : input.unsqueeze(1);
    if (batched && this.batchFirst) x = x.transpose(0, 1);
    return { x, h0: this.initialStates(hx, x.shape[1]!, batched, input.device), batched };
  }

  /** input.size(-1) is inputSize and its dtype the parameters'. */
  private checkInputSize(input: Tensor): void {
    const cls = this.constructor.name;
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new ShapeError(`${cls}: input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${input.shape[input.ndim - 1]} (input shape ${fmtShape(input.shape)})`);
    }
    checkDType(cls, "input", input, this.param(this.layerWeights[0]!.wih)!.dtype);
  }

  /** The initial states hx (checked) as [numLayers · numDirections, N, H], zeros where not given. */
  private initialStates(hx: Tensor[] | null, N: number, batched: boolean, device: string): Tensor[] {
    const cls = this.constructor.name;
    const dtype = this.param(this.layerWeights[0]!.wih)!.dtype;
    const LD = this.numLayers * (this.bidirectional ? 2 : 1);
    const sizes = this.mode === "LSTM" ? [this.projSize > 0 ? this.projSize : this.hiddenSize, this.hiddenSize] : [this.hiddenSize];
    return sizes.map((H, i) => {
      const h = hx?.[i];
      if (!h) return zeros([LD, N, H], { dtype, device });
      if (batched && h.ndim !== 3) throw new ShapeError(`${cls}: For batched 3-D input, hx${this.mode === "LSTM" ? ` and cx` : ""} should also be 3-D but got ${h.ndim}-D tensor (shape ${fmtShape(h.shape)})`);
      if (!batched && h.ndim !== 2) throw new ShapeError(`${cls}: For unbatched 2-D input, hx${this.mode === "LSTM" ? ` and cx` : ""} should also be 2-D but got ${h.ndim}-D tensor (shape ${fmtShape(h.shape)})`);
      const hb = batched ? h : h.unsqueeze(1);
      if (!sameShape(hb.shape, [LD, N, H])) {
        const want = batched ? [LD, N, H] : [LD, H];
        throw new ShapeError(`${cls}: Expected hidden${this.mode === "LSTM" ? `[${i}]` : ""} size ${fmtShape(want)}, got ${fmtShape(h.shape)} (num_layers * num_directions, batch, ${i === 0 && this.projSize > 0 ? "proj_size" : "hidden_size"})`);
      }
      checkDType(cls, `hidden state${this.mode === "LSTM" ? `[${i}]` : ""}`, h, dtype);
      return hb;
    });
  }

  /**
   * Runs all layers over time-major x [T, N, I], or over packed rows x [rows, I] when
   * batchSizes is given; returns [output, hN(, cN)].
   */
  protected run(x: Tensor, h0: Tensor[], batchSizes: readonly number[] | null = null): { output: Tensor; hN: Tensor[] } {
    const D = this.bidirectional ? 2 : 1;
    const lstm = this.mode === "LSTM";
    const finals: Tensor[][] = h0.map(() => []);
    for (let layer = 0; layer < this.numLayers; layer++) {
      const dirOutputs: Tensor[] = [];
      for (let dir = 0; dir < D; dir++) {
        const idx = layer * D + dir;
        const w = this.layerWeights[idx]!;
        const weights = { wih: this.param(w.wih)!, whh: this.param(w.whh)!, bih: this.param(w.bih), bhh: this.param(w.bhh), whr: this.param(w.whr) };
        const h = h0[0]!.select(0, idx), c = lstm ? h0[1]!.select(0, idx) : null;
        const r = batchSizes ? rnnLayerPacked(CELL[this.mode], x, batchSizes, h, c, weights, dir === 1) : rnnLayer(CELL[this.mode], x, h, c, weights, dir === 1);
        dirOutputs.push(r.output);
        finals[0]!.push(r.h);
        if (lstm) finals[1]!.push(r.c!);
      }
      x = D === 2 ? cat(dirOutputs, x.ndim - 1) : dirOutputs[0]!;
      if (this.dropout > 0 && this.training && layer < this.numLayers - 1) x = dropoutFn(x, this.dropout, { training: true });
    }
    return { output: x, hN: finals.map((hs) => stack(hs, 0)) };
  }

  /**
   * All layers over a PackedSequence: hx (in the caller's batch order) is permuted to the
   * packed sorted order, and the final states back, as PyTorch's permute_hidden.
   */
  protected runPacked(packed: PackedSequence, hx: Tensor[] | null): { output: PackedSequence; hN: Tensor[] } {
    const cls = this.constructor.name;
    const data = packed.data;
    if (data.ndim !== 2) throw new ShapeError(`${cls}: a packed input's data must be 2-D [rows, input_size], got shape ${fmtShape(data.shape)}`);
    this.checkInputSize(data);
    const sizes = packed._batchSizes;
    if (sizes.length === 0) throw new FluxionError(`${cls}: the packed input holds no time steps`);
    let h0 = this.initialStates(hx, sizes[0]!, true, data.device);
    const sorted = packed.sortedIndices, unsorted = packed.unsortedIndices;
    if (hx && sorted) h0 = h0.map((h) => h.indexSelect(1, sorted));
    const r = this.run(data, h0, sizes);
    const hN = unsorted ? r.hN.map((h) => h.indexSelect(1, unsorted)) : r.hN;
    return { output: packed._withData(r.output), hN };
  }

  /** Back to the caller's layout: batch-first and/or unbatched. */
  protected finish(output: Tensor, hN: Tensor[], batched: boolean): { output: Tensor; hN: Tensor[] } {
    if (!batched) return { output: output.squeeze(1), hN: hN.map((h) => h.squeeze(1)) };
    return { output: this.batchFirst ? output.transpose(0, 1) : output, hN };
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += ", bias=False";
    if (this.batchFirst) s += ", batch_first=True";
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += ", bidirectional=True";
    return s;
  }
}

/** The options-object form of RNN's arguments. */
export interface RNNOptions extends RNNBaseOptions {
  /** "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
}

/**
 * Elman RNN: h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh) (or relu), over a sequence.
 * Input [T, N, inputSize] ([N, T, inputSize] with batchFirst, or unbatched [T, inputSize]);
 * hx [numLayers · numDirections, N, hiddenSize] (zeros when omitted).
 * Returns [output [T, N, numDirections · hiddenSize], hN].
 * @example
 * const rnn = new nn.RNN(10, 20, 2); // two layers; also new nn.RNN(10, 20, { numLayers: 2 })
 * const [output, hN] = rnn.forward(randn([5, 3, 10])); // output [5, 3, 20], hN [2, 3, 20]
 */
export class RNN extends RNNBase {
  readonly nonlinearity: "tanh" | "relu";
  constructor(...args: CtorArgs<typeof RNN_DECL>) {
    const [inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, { nonlinearity, device, dtype }] = rnnArgs.bind(args);
    super(nonlinearity === "tanh" ? "RNN_TANH" : "RNN_RELU", { inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize: 0, device, dtype });
    this.nonlinearity = nonlinearity;
  }
  forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  forward(...args: RnnTensorArgs): [Tensor, Tensor];
  forward(...args: unknown[]): [Tensor | PackedSequence, Tensor] {
    const [x0, h] = rnnForwardArgs.bind(args);
    if (x0 instanceof PackedSequence) {
      const p = this.runPacked(x0, h ? [h] : null);
      return [p.output, p.hN[0]!];
    }
    const { x, h0, batched } = this.prepare(x0, h ? [h] : null);
    const r = this.run(x, h0);
    const { output, hN } = this.finish(r.output, r.hN, batched);
    return [output, hN[0]!];
  }
}

/** Calling the module with a PackedSequence (`rnn(packed)`), typed as forward's overload of that form. */
export interface RNN {
  (input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
}

/** The options-object form of LSTM's arguments. */
export interface LSTMOptions extends RNNBaseOptions {
  /** When > 0, h_t is projected to projSize by weight_hr (an LSTM with projections). */
  projSize?: number;
}

/**
 * Long short-term memory over a sequence, gates i, f, g, o stacked in that order in
 * weight_ih/weight_hh ([4 · hiddenSize, *]):
 * c_t = σ(f) ⊙ c_{t-1} + σ(i) ⊙ tanh(g), h_t = σ(o) ⊙ tanh(c_t).
 * Returns [output, [hN, cN]].
 * @example
 * const lstm = new nn.LSTM(10, 20, 2, true, true); // PyTorch's order: numLayers, bias, batchFirst
 * const [out, [hN, cN]] = lstm.forward(randn([3, 5, 10])); // out [3, 5, 20], hN and cN [2, 3, 20]
 * String(lstm); // "LSTM(10, 20, num_layers=2, batch_first=True)"
 */
export class LSTM extends RNNBase {
  constructor(...args: CtorArgs<typeof LSTM_DECL>) {
    const [inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize, { device, dtype }] = lstmArgs.bind(args);
    super("LSTM", { inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize, device, dtype });
  }
  forward(input: PackedSequence, hx?: readonly [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  forward(...args: LstmTensorArgs): [Tensor, [Tensor, Tensor]];
  forward(...args: unknown[]): [Tensor | PackedSequence, [Tensor, Tensor]] {
    const [x0, h] = lstmForwardArgs.bind(args);
    if (x0 instanceof PackedSequence) {
      const p = this.runPacked(x0, h ? [...h] : null);
      return [p.output, [p.hN[0]!, p.hN[1]!]];
    }
    const { x, h0, batched } = this.prepare(x0, h ? [...h] : null);
    const r = this.run(x, h0);
    const { output, hN } = this.finish(r.output, r.hN, batched);
    return [output, [hN[0]!, hN[1]!]];
  }
}

/** Calling the module with a PackedSequence (`lstm(packed)`), typed as forward's overload of that form. */
export interface LSTM {
  (input: PackedSequence, hx?: readonly [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
}

/**
 * Gated recurrent unit over a sequence, gates r, z, n stacked in that order:
 * r = σ(W_ir x + b_ir + W_hr h + b_hr), z likewise, n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
 * h' = (1 - z) ⊙ n + z ⊙ h. Returns [output, hN].
 * @example
 * const gru = new nn.GRU(8, 16, { bidirectional: true });
 * const [out, hN] = gru.forward(randn([7, 2, 8])); // out [7, 2, 32], hN [2, 2, 16]
 */
export class GRU extends RNNBase {
  constructor(...args: CtorArgs<typeof GRU_DECL>) {
    const [inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, { device, dtype }] = gruArgs.bind(args);
    super("GRU", { inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize: 0, device, dtype });
  }
  forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  forward(...args: RnnTensorArgs): [Tensor, Tensor];
  forward(...args: unknown[]): [Tensor | PackedSequence, Tensor] {
    const [x0, h] = gruForwardArgs.bind(args);
    if (x0 instanceof PackedSequence) {
      const p = this.runPacked(x0, h ? [h] : null);
      return [p.output, p.hN[0]!];
    }
    const { x, h0, batched } = this.prepare(x0, h ? [h] : null);
    const r = this.run(x, h0);
    const { output, hN } = this.finish(r.output, r.hN, batched);
    return [output, hN[0]!];
  }
}

/** Calling the module with a PackedSequence (`gru(packed)`), typed as forward's overload of that form. */
export interface GRU {
  (input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
}

// ---- cells ----------------------------------------------------------------------------------

/** The options-object form of the cells' arguments. */
export interface RNNCellOptions {
  bias?: boolean;
  dtype?: DType | null;
  device?: string | null;
}

const RNN_CELL = 'RNNCell(int inputSize, int hiddenSize, bool bias=true, "tanh"|"relu" nonlinearity="tanh", *, Device? device=null, ScalarType? dtype=null)';
const LSTM_CELL = "LSTMCell(int inputSize, int hiddenSize, bool bias=true, *, Device? device=null, ScalarType? dtype=null)";
const GRU_CELL = "GRUCell(int inputSize, int hiddenSize, bool bias=true, *, Device? device=null, ScalarType? dtype=null)";
const rnnCellArgs = declareArgs(RNN_CELL, "nn");
const lstmCellArgs = declareArgs(LSTM_CELL, "nn");
const gruCellArgs = declareArgs(GRU_CELL, "nn");
const RNN_CELL_FORWARD = "RNNCell.forward(Tensor input, Tensor? hx=null)";
const LSTM_CELL_FORWARD = "LSTMCell.forward(Tensor input, Tensor[2]? hx=null)";
const GRU_CELL_FORWARD = "GRUCell.forward(Tensor input, Tensor? hx=null)";
const rnnCellForwardArgs = declareMethodArgs(RNN_CELL_FORWARD);
const lstmCellForwardArgs = declareMethodArgs(LSTM_CELL_FORWARD);
const gruCellForwardArgs = declareMethodArgs(GRU_CELL_FORWARD);

/** Shared code of the cells (torch.nn.RNNCellBase): weight_ih, weight_hh, bias_ih, bias_hh. */
export abstract class RNNCellBase extends Module {
  declare weight_ih: Parameter;
  declare weight_hh: Parameter;
  declare bias_ih: Parameter | null;
  declare bias_hh: Parameter | null;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;

  constructor(inputSize: number, hiddenSize: number, numChunks: number, c: { bias: boolean; device: string | null; dtype: DType | null }) {
    super();
    checkSizes(new.target.name, inputSize, hiddenSize, c.device);
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bias = c.bias;
    const create = { dtype: c.dtype, device: c.device };
    this.registerParameter("weight_ih", new Parameter(empty([numChunks * hiddenSize, inputSize], create)));
    this.registerParameter("weight_hh", new Parameter(empty([numChunks * hiddenSize, hiddenSize], create)));
    this.registerParameter("bias_ih", this.bias ? new Parameter(empty([numChunks * hiddenSize], create)) : null);
    this.registerParameter("bias_hh", this.bias ? new Parameter(empty([numChunks * hiddenSize], create)) : null);
    this.resetParameters();
  }

  /** Every weight uniform in ±1/√hiddenSize, as PyTorch. */
  resetParameters(): void {
    const stdv = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) init.uniform_(p, -stdv, stdv);
  }

  /** Checks input [N, I] or [I] and hidden states [N, H] or [H]; returns them batched. */
  protected prepare(input: Tensor, hx: (Tensor | null | undefined)[]): { x: Tensor; h: Tensor[]; batched: boolean } {
    const cls = this.constructor.name;
    if (input.ndim !== 1 && input.ndim !== 2) throw new ShapeError(`${cls}: Expected input to be 1-D or 2-D but received ${input.ndim}-D tensor (shape ${fmtShape(input.shape)})`);
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new ShapeError(`${cls}: input has inconsistent input_size: got ${input.shape[input.ndim - 1]} expected ${this.inputSize} (input shape ${fmtShape(input.shape)})`);
    }
    checkDType(cls, "input", input, this.weight_ih.dtype);
    const batched = input.ndim === 2;
    const x = batched ? input : input.unsqueeze(0);
    const N = x.shape[0]!;
    const h = hx.map((t, i) => {
      if (!t) return zeros([N, this.hiddenSize], { dtype: x.dtype, device: x.device });
      const want = batched ? [N, this.hiddenSize] : [this.hiddenSize];
      if (!sameShape(t.shape, want)) throw new ShapeError(`${cls}: Expected hidden${hx.length > 1 ? `[${i}]` : ""} size ${fmtShape(want)}, got ${fmtShape(t.shape)}`);
      checkDType(cls, "hidden state", t, this.weight_ih.dtype);
      return batched ? t : t.unsqueeze(0);
    });
    return { x, h, batched };
  }

  /** One step: the sequence layer over a sequence of length 1 (the same fused kernels). */
  protected step(mode: RnnCellMode, x: Tensor, h: Tensor, c: Tensor | null): { h: Tensor; c: Tensor | null } {
    const w = { wih: this.weight_ih, whh: this.weight_hh, bih: this.bias_ih, bhh: this.bias_hh, whr: null };
    return rnnLayer(mode, x.unsqueeze(0), h, c, w, false);
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (!this.bias) s += ", bias=False";
    return s;
  }
}

/**
 * One step of an Elman RNN: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu).
 * @example
 * const cell = new nn.RNNCell(10, 20);
 * let h = zeros([3, 20]);
 * for (const xt of x.unbind(0)) h = cell.forward(xt, h); // x [T, 3, 10]
 */
export class RNNCell extends RNNCellBase {
  readonly nonlinearity: "tanh" | "relu";
  constructor(...args: CtorArgs<typeof RNN_CELL>) {
    const [inputSize, hiddenSize, bias, nonlinearity, { device, dtype }] = rnnCellArgs.bind(args);
    super(inputSize, hiddenSize, 1, { bias, device, dtype });
    this.nonlinearity = nonlinearity;
  }
  forward(...args: CtorArgs<typeof RNN_CELL_FORWARD>): Tensor {
    const [x0, h0] = rnnCellForwardArgs.bind(args);
    const { x, h, batched } = this.prepare(x0, [h0]);
    const out = this.step(this.nonlinearity === "relu" ? "relu" : "tanh", x, h[0]!, null).h;
    return batched ? out : out.squeeze(0);
  }
  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity !== "tanh" ? `, nonlinearity=${this.nonlinearity}` : "");
  }
}

/**
 * One LSTM step; returns [h', c'].
 * @example
 * const cell = new nn.LSTMCell(10, 20);
 * const [h, c] = cell.forward(randn([3, 10])); // zero initial states; h and c [3, 20]
 */
export class LSTMCell extends RNNCellBase {
  constructor(...args: CtorArgs<typeof LSTM_CELL>) {
    const [inputSize, hiddenSize, bias, { device, dtype }] = lstmCellArgs.bind(args);
    super(inputSize, hiddenSize, 4, { bias, device, dtype });
  }
  forward(...args: CtorArgs<typeof LSTM_CELL_FORWARD>): [Tensor, Tensor] {
    const [x0, hc] = lstmCellForwardArgs.bind(args);
    const { x, h, batched } = this.prepare(x0, [hc?.[0], hc?.[1]]);
    const { h: h2, c: c2 } = this.step("lstm", x, h[0]!, h[1]!);
    return batched ? [h2, c2!] : [h2.squeeze(0), c2!.squeeze(0)];
  }
}

/**
 * One GRU step; returns h'.
 * @example
 * const cell = new nn.GRUCell(10, 20);
 * const h = cell.forward(randn([3, 10]), zeros([3, 20])); // [3, 20]
 */
export class GRUCell extends RNNCellBase {
  constructor(...args: CtorArgs<typeof GRU_CELL>) {
    const [inputSize, hiddenSize, bias, { device, dtype }] = gruCellArgs.bind(args);
    super(inputSize, hiddenSize, 3, { bias, device, dtype });
  }
  forward(...args: CtorArgs<typeof GRU_CELL_FORWARD>): Tensor {
    const [x0, h0] = gruCellForwardArgs.bind(args);
    const { x, h, batched } = this.prepare(x0, [h0]);
    const out = this.step("gru", x, h[0]!, null).h;
    return batched ? out : out.squeeze(0);
  }
}
