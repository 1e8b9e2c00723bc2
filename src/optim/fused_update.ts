/**
 * Adam/AdamW's per-parameter update as one `fusedProgram` dispatch instead of ~12 (PyTorch's
 * `fused=True` idea), and SGD's with momentum, weight decay or maximize (2-5 dispatches): the
 * same instructions the op-by-op updates in adam.ts and sgd.ts dispatch, in the same order,
 * with the same roundings (fused programs compute each instruction exactly as the eager
 * kernel of its primitive does, src/backend/fused_program.ts), so the results are the same
 * bits; only the passes over memory and the dispatches go. On a TransformerEncoder LM step
 * (AdamW, 1 thread) the optimizer's ~300 small kernels were ~10% of the step.
 *
 * Taken where it is plain: float32, parameter and state contiguous on one device, the
 * gradient of the parameter's shape and dtype and sharing no memory with what the update
 * writes, and not inside compile(), which records the op-by-op update and fuses it itself
 * (its graphs treat lr and the bias corrections as inputs).
 */
import { dispatch } from "../backend/dispatcher.js";
import type { FusedInstr, FusedOutput } from "../backend/fused_program.js";
import { isRecording } from "../compile/state.js";
import type { BinaryOpName, UnaryOpName } from "../ops/elementwise_table.js";
import type { Tensor } from "../tensor/tensor.js";
import { shapesEqual } from "../tensor/shape.js";
import type { SGDOptions } from "./sgd.js";

/** A straight-line program under construction: each method returns the register it defines. */
class Program {
  readonly code: FusedInstr[] = [];
  readonly scalars: number[] = [];
  private slot(v: number): number {
    this.scalars.push(v);
    return this.scalars.length - 1;
  }
  private emit(ins: FusedInstr): number {
    this.code.push(ins);
    return this.code.length - 1;
  }
  load(input: number): number {
    return this.emit({ op: "load", input });
  }
  /** A JS scalar as an operand (rounded to float32, as a 0-d float32 tensor operand is). */
  scalar(v: number): number {
    return this.emit({ op: "scalar", slot: this.slot(v) });
  }
  unary(fn: UnaryOpName, a: number): number {
    return this.emit({ op: "unary", fn, a });
  }
  binary(fn: BinaryOpName, a: number, b: number, param?: number): number {
    return this.emit(param === undefined ? { op: "binary", fn, a, b } : { op: "binary", fn, a, b, params: [this.slot(param)] });
  }
}

export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
  maximize: boolean;
  /** 1 - beta1^t and sqrt(1 - beta2^t) of this step */
  biasCorrection1: number;
  biasCorrection2Sqrt: number;
}

let enabled = true;
/** Turns the fused update off (tests compare it with the op-by-op one); returns the old setting. */
export function setFusedOptimizerUpdates(on: boolean): boolean {
  const old = enabled;
  enabled = on;
  return old;
}

/**
 * Each parameter's program (its instructions and outputs), kept while the variant stays the
 * same: the native interpreter caches a program's bytecode and its operands' layout block on
 * the instruction array, so a step reuses both and only the scalars (lr, bias corrections)
 * change. The instructions of a variant are always the same: rebuilt each call, then
 * dropped for the kept ones.
 */
const programs = new WeakMap<Tensor, { key: string; code: readonly FusedInstr[]; outputs: readonly FusedOutput[] }>();

function run(param: Tensor, inputs: Tensor[], p: Program, outputs: FusedOutput[], key: string): void {
  let kept = programs.get(param);
  if (kept === undefined || kept.key !== key) programs.set(param, (kept = { key, code: p.code, outputs }));
  dispatch("fusedProgram", inputs, { shape: param.shape, dtype: "float32", code: kept.code, scalars: p.scalars, outputs: kept.outputs });
}

function plain(t: Tensor, like: Tensor): boolean {
  return t.dtype === "float32" && t.device === like.device && t.isContiguous() && shapesEqual(t.shape, like.shape);
}

/** A gradient the program may read: float32 on the parameter's device and of its shape, sharing memory with none of the tensors the update writes (op by op, a write would reach it between its reads). */
function readableGrad(grad: Tensor, param: Tensor, written: readonly (Tensor | null)[]): boolean {
  if (grad.dtype !== "float32" || grad.device !== param.device || !shapesEqual(grad.shape, param.shape)) return false;
  return written.every((t) => t === null || t.storage !== grad.storage);
}

/**
 * Runs one Adam/AdamW update of `param` (and its moments, and maxExpAvgSq for amsgrad) as one
 * fused program; false (nothing touched) where the op-by-op update must run instead.
 */
export function fusedAdamUpdate(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor | null, s: AdamStep): boolean {
  if (!enabled || isRecording() || !plain(param, param) || !plain(expAvg, param) || !plain(expAvgSq, param) || (maxExpAvgSq !== null && !plain(maxExpAvgSq, param))) return false;
  if (!readableGrad(grad, param, [param, expAvg, expAvgSq, maxExpAvgSq])) return false;
  const f = Math.fround;
  const p = new Program();
  const P = p.load(0), M = p.load(1), V = p.load(2);
  let G = p.load(3);
  if (s.maximize) G = p.unary("neg", G);
  let P1 = P;
  if (s.decoupled) P1 = p.binary("mul", P, p.scalar(1 - s.lr * s.weightDecay));
  else if (s.weightDecay !== 0) G = p.binary("add", G, p.binary("mul", P, p.scalar(s.weightDecay)));
  const M2 = p.binary("addScaled", p.binary("mul", M, p.scalar(s.beta1)), G, f(1 - s.beta1));
  const V2 = p.binary("addScaled", p.binary("mul", V, p.scalar(s.beta2)), p.binary("mul", G, G), f(1 - s.beta2));
  const outputs: FusedOutput[] = [];
  let avg = V2;
  if (maxExpAvgSq !== null) {
    avg = p.binary("maximum", p.load(4), V2);
    outputs.push({ reg: avg, inPlace: 4 });
  }
  const denom = p.binary("add", p.binary("div", p.unary("sqrt", avg), p.scalar(s.biasCorrection2Sqrt)), p.scalar(s.eps));
  const P2 = p.binary("addScaled", P1, p.binary("div", M2, denom), f(-(s.lr / s.biasCorrection1)));
  outputs.push({ reg: P2, inPlace: 0 }, { reg: M2, inPlace: 1 }, { reg: V2, inPlace: 2 });
  const inputs = maxExpAvgSq === null ? [param, expAvg, expAvgSq, grad] : [param, expAvg, expAvgSq, grad, maxExpAvgSq];
  run(param, inputs, p, outputs, `adam ${s.decoupled} ${s.maximize} ${s.weightDecay !== 0} ${maxExpAvgSq !== null}`);
  for (const t of [param, expAvg, expAvgSq, maxExpAvgSq]) if (t) t.storage.version++;
  return true;
}

/** x + alpha·y as the in-place ops dispatch it: add for alpha 1, else addScaled (alpha as float32). */
function addAlpha(p: Program, x: number, y: number, alpha: number): number {
  return alpha === 1 ? p.binary("add", x, y) : p.binary("addScaled", x, y, Math.fround(alpha));
}

/**
 * Runs one SGD update of `param` (and its momentum buffer, once it exists: the first step
 * copies the gradient into it) as one fused program; false (nothing touched) where the
 * op-by-op update must run instead, or where it is one dispatch anyway (plain SGD).
 */
export function fusedSgdUpdate(param: Tensor, grad: Tensor, buf: Tensor | null, s: SGDOptions): boolean {
  if (buf === null && s.weightDecay === 0 && !s.maximize) return false;
  if (!enabled || isRecording() || !plain(param, param) || (buf !== null && !plain(buf, param))) return false;
  if (!readableGrad(grad, param, [param, buf])) return false;
  const p = new Program();
  const P = p.load(0);
  let G = p.load(1);
  if (s.maximize) G = p.unary("neg", G);
  // g + λθ as the out-of-place add with alpha dispatches it: θ·λ, then the sum
  if (s.weightDecay !== 0) G = p.binary("add", G, p.binary("mul", P, p.scalar(s.weightDecay)));
  const outputs: FusedOutput[] = [];
  if (buf !== null) {
    const B = addAlpha(p, p.binary("mul", p.load(2), p.scalar(s.momentum)), G, 1 - s.dampening);
    outputs.push({ reg: B, inPlace: 2 });
    G = s.nesterov ? p.binary("add", G, p.binary("mul", B, p.scalar(s.momentum))) : B;
  }
  outputs.unshift({ reg: addAlpha(p, P, G, -s.lr), inPlace: 0 });
  const key = `sgd ${s.maximize} ${s.weightDecay !== 0} ${buf !== null} ${s.nesterov} ${s.dampening === 0} ${s.lr === -1}`;
  run(param, buf === null ? [param, grad] : [param, grad, buf], p, outputs, key);
  param.storage.version++;
  if (buf !== null) buf.storage.version++;
  return true;
}
