/**
 * The einsum equation, parsed and checked against the operands' shapes (einsum.ts does the
 * arithmetic). Labels are numbered as PyTorch numbers them: "A"-"Z" are 0-25 and "a"-"z"
 * 26-51, so the implicit output's alphabetical order puts uppercase first; the dims an
 * ellipsis covers get labels from 52 up, right-aligned so that they broadcast as NumPy's do.
 * Also turns the sublist form (operands with lists of label numbers) into an equation.
 */
import { ShapeError, fmtShape } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";

/** The first label number of the ellipsis dims. */
const ELLIPSIS = 52;

export interface Equation {
  /** Per operand, the label of each dim. */
  inputs: number[][];
  /** The output's labels in order. */
  output: number[];
  /** Each label's size: a size-1 dim yields to another operand's size (broadcasting). */
  sizes: Map<number, number>;
}

/** How a label reads in messages: its letter, or the ellipsis dim it stands for. */
export function labelName(l: number): string {
  if (l >= ELLIPSIS) return `... (dim ${l - ELLIPSIS})`;
  return String.fromCharCode(l < 26 ? 65 + l : 97 + l - 26);
}

function labelOf(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 65 && code <= 90) return code - 65;
  if (code >= 97 && code <= 122) return code - 97 + 26;
  return -1;
}

/** One side's subscripts: its labels and where the ellipsis stood (-1: none). */
interface Subscripts {
  labels: number[];
  ellipsisAt: number;
}

/** Reads the subscripts of `text`, which starts at `start` in the equation (for error positions). */
function readSubscripts(text: string, start: number, what: string): Subscripts {
  const labels: number[] = [];
  let ellipsisAt = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === " ") continue;
    if (c === ".") {
      if (text.slice(i, i + 3) !== "...") throw new ShapeError(`einsum(): found '.' for ${what} that is not part of any ellipsis (at index ${start + i} in the equation)`);
      if (ellipsisAt >= 0) throw new ShapeError(`einsum(): found '.' for ${what} for which an ellipsis was already found`);
      ellipsisAt = labels.length;
      i += 2;
      continue;
    }
    const l = labelOf(c);
    if (l < 0) throw new ShapeError(`einsum(): invalid subscript given at index ${start + i} in the equation string, subscripts must be in [a-zA-Z]`);
    labels.push(l);
  }
  return { labels, ellipsisAt };
}

/** Parses `equation` for operands of `shapes`, checking every count and size. */
export function parseEquation(equation: string, shapes: readonly (readonly number[])[]): Equation {
  const arrow = equation.indexOf("->");
  if (arrow >= 0 && equation.indexOf("->", arrow + 2) >= 0) throw new ShapeError(`einsum(): the equation ${JSON.stringify(equation)} has more than one '->'`);
  const lhs = arrow >= 0 ? equation.slice(0, arrow) : equation;
  const parts: Subscripts[] = [];
  let pos = 0;
  for (const text of lhs.split(",")) {
    const k = parts.length;
    if (k >= shapes.length) throw new ShapeError(`einsum(): fewer operands were provided than specified in the equation (${lhs.split(",").length} in ${JSON.stringify(equation)}, ${shapes.length} operands)`);
    parts.push(readSubscripts(text, pos, `operand ${k}`));
    pos += text.length + 1;
  }
  if (parts.length < shapes.length) throw new ShapeError(`einsum(): more operands were provided than specified in the equation (${parts.length} in ${JSON.stringify(equation)}, ${shapes.length} operands)`);
  // ellipsis dims per operand, right-aligned over the most any operand has
  const ellipsisDims = parts.map((p, k) => {
    const nd = shapes[k]!.length, n = p.labels.length;
    if (p.ellipsisAt < 0 && n !== nd) throw new ShapeError(`einsum(): the number of subscripts in the equation (${n}) does not match the number of dimensions (${nd}) for operand ${k} and no ellipsis was given (operand shape ${fmtShape(shapes[k]!)})`);
    if (n > nd) throw new ShapeError(`einsum(): the number of subscripts in the equation (${n}) is more than the number of dimensions (${nd}) for operand ${k} (operand shape ${fmtShape(shapes[k]!)})`);
    return p.ellipsisAt < 0 ? 0 : nd - n;
  });
  const maxEllipsis = Math.max(0, ...ellipsisDims);
  const ellipsisLabels = (count: number) => Array.from({ length: count }, (_, j) => ELLIPSIS + maxEllipsis - count + j);
  const inputs = parts.map((p, k) => {
    if (p.ellipsisAt < 0) return p.labels;
    return [...p.labels.slice(0, p.ellipsisAt), ...ellipsisLabels(ellipsisDims[k]!), ...p.labels.slice(p.ellipsisAt)];
  });
  // sizes: equal within an operand, broadcastable (1 yields) across operands
  const sizes = new Map<number, number>();
  inputs.forEach((labels, k) => {
    const own = new Map<number, number>();
    labels.forEach((l, d) => {
      const n = shapes[k]![d]!;
      const mine = own.get(l);
      if (mine !== undefined && mine !== n) throw new ShapeError(`einsum(): subscript ${labelName(l)} is repeated for operand ${k} but the sizes don't match, ${n} != ${mine}`);
      own.set(l, n);
      const seen = sizes.get(l);
      if (seen !== undefined && seen !== n && seen !== 1 && n !== 1) {
        throw new ShapeError(l >= ELLIPSIS
          ? `einsum(): dimension ${l - ELLIPSIS} covered by ellipsis in operand ${k} has size ${n} which does not broadcast with previously seen ellipsis with size ${seen} for the respective dimension`
          : `einsum(): subscript ${labelName(l)} has size ${n} for operand ${k} which does not broadcast with previously seen size ${seen}`);
      }
      if (seen === undefined || seen === 1) sizes.set(l, n);
    });
  });
  return { inputs, output: arrow >= 0 ? explicitOutput(equation.slice(arrow + 2), arrow + 2, inputs, maxEllipsis) : implicitOutput(inputs, maxEllipsis), sizes };
}

/** The output after '->': each label once, and only labels of the inputs. */
function explicitOutput(text: string, start: number, inputs: readonly number[][], maxEllipsis: number): number[] {
  const { labels, ellipsisAt } = readSubscripts(text, start, "the output");
  const used = new Set(inputs.flat());
  labels.forEach((l, i) => {
    if (labels.indexOf(l) !== i) throw new ShapeError(`einsum(): output subscript ${labelName(l)} appears more than once in the output`);
    if (!used.has(l)) throw new ShapeError(`einsum(): output subscript ${labelName(l)} does not appear in the equation for any input operand`);
  });
  if (ellipsisAt < 0) return labels; // dims under an ellipsis the output omits are summed
  const ell = Array.from({ length: maxEllipsis }, (_, j) => ELLIPSIS + j);
  return [...labels.slice(0, ellipsisAt), ...ell, ...labels.slice(ellipsisAt)];
}

/** The implicit output: the ellipsis dims, then the labels used exactly once, in label order. */
function implicitOutput(inputs: readonly number[][], maxEllipsis: number): number[] {
  const count = new Map<number, number>();
  for (const l of inputs.flat()) count.set(l, (count.get(l) ?? 0) + 1);
  const once = [...count].filter(([l, n]) => n === 1 && l < ELLIPSIS).map(([l]) => l).sort((a, b) => a - b);
  return [...Array.from({ length: maxEllipsis }, (_, j) => ELLIPSIS + j), ...once];
}

/**
 * The sublist form, einsum(a, [0, 1], b, [1, 2], [0, 2]): operands each followed by their
 * label numbers (0-51, or "..." for an ellipsis), then optionally the output's.
 */
export function sublistEquation(args: readonly unknown[]): { equation: string; operands: Tensor[] } {
  const operands: Tensor[] = [];
  const terms: string[] = [];
  const subscripts = (list: unknown, what: string): string => {
    if (!Array.isArray(list)) throw new ShapeError(`einsum(): in the sublist format, ${what} must be a list of subscripts (ints in [0, 52) or "..."), got ${typeof list}`);
    return list.map((v) => {
      if (v === "...") return "...";
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= 52) throw new ShapeError(`einsum(): expected subscript to be within the range [0, 52), but got ${String(v)}`);
      return labelName(v);
    }).join("");
  };
  let i = 0;
  for (; i + 1 < args.length; i += 2) {
    if (!(args[i] instanceof Tensor)) throw new ShapeError(`einsum(): in the sublist format, argument ${i} must be a Tensor, got ${typeof args[i]}`);
    operands.push(args[i] as Tensor);
    terms.push(subscripts(args[i + 1], `the sublist of operand ${operands.length - 1}`));
  }
  if (i < args.length && args[i] instanceof Tensor) throw new ShapeError(`einsum(): in the sublist format, operand ${operands.length} has no sublist`);
  const output = i < args.length ? `->${subscripts(args[i], "the output sublist")}` : "";
  return { equation: terms.join(",") + output, operands };
}
