/**
 * torch.einsum: sums of products named by subscripts ("bij,bjk->bik"), with implicit output
 * (the labels that appear once, in alphabetical order, uppercase first), ellipsis broadcasting,
 * repeated labels within an operand (diagonals), size-1 dims that broadcast, and PyTorch's
 * sublist form (einsum(a, [0, 1], b, [1, 2], [0, 2])).
 *
 * Nothing is computed through a broadcast product of all operands. Each operand first loses
 * its repeated labels (a diagonal view) and the labels nothing else needs (a sum); then
 * operands are contracted two at a time, the pair with the smallest result first (ties left
 * to right, PyTorch's order), each pair as one batched matmul: permuted and reshaped to
 * [batch, M, K] x [batch, K, N], where K runs over the labels the pair shares and nothing
 * else needs. The equation parser is einsum_equation.ts. Gradients flow through these ops.
 */
import { DTypeError, ShapeError, fmtShape } from "../errors.js";
import { defineOp } from "../api/registry.js";
import { numelOf } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { diagonal } from "./diagonal.js";
import { labelName, parseEquation, sublistEquation } from "./einsum_equation.js";

/** An operand during planning: its tensor and one label per dim (no repeats once prepared). */
interface Term {
  t: Tensor;
  labels: number[];
}

/** Sums `labels` out of a term. */
function sumOut(term: Term, labels: ReadonlySet<number>): Term {
  const dims = term.labels.flatMap((l, d) => (labels.has(l) ? [d] : []));
  if (dims.length === 0) return term;
  return { t: term.t.sum(dims), labels: term.labels.filter((l) => !labels.has(l)) };
}

/** Takes the diagonal of every label repeated within the term, until each label is on one dim. */
function takeDiagonals(term: Term, k: number): Term {
  let { t, labels } = term;
  for (;;) {
    const d1 = labels.findIndex((l, d) => labels.indexOf(l) !== d);
    if (d1 < 0) return { t, labels };
    const d0 = labels.indexOf(labels[d1]!);
    if (t.shape[d0] !== t.shape[d1]) {
      throw new ShapeError(`einsum(): subscript ${labelName(labels[d0]!)} is repeated for operand ${k} but the sizes don't match, ${t.shape[d1]} != ${t.shape[d0]} (operand shape ${fmtShape(term.t.shape)})`);
    }
    const l = labels[d0]!;
    t = diagonal(t, 0, d0, d1); // drops both dims, appends the diagonal
    labels = [...labels.filter((_, d) => d !== d0 && d !== d1), l];
  }
}

/** Product of the sizes of `labels` in a term. */
function sizeOf(sizes: ReadonlyMap<number, number>, labels: Iterable<number>): number {
  let n = 1;
  for (const l of labels) n *= sizes.get(l)!;
  return n;
}

/**
 * Contracts two terms, keeping the labels in `keep` (needed by the output or another term):
 * shared kept labels are batch dims, shared others are summed by the matmul, the rest are
 * each side's own rows and columns.
 */
function contractPair(a: Term, b: Term, keep: ReadonlySet<number>): Term {
  const inB = new Set(b.labels), inA = new Set(a.labels);
  // labels only one side has and nothing else needs: sum them first
  a = sumOut(a, new Set(a.labels.filter((l) => !inB.has(l) && !keep.has(l))));
  b = sumOut(b, new Set(b.labels.filter((l) => !inA.has(l) && !keep.has(l))));
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const summed = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const left = a.labels.filter((l) => !inB.has(l));
  const right = b.labels.filter((l) => !inA.has(l));
  const dimsOf = (term: Term, ls: readonly number[]) => ls.map((l) => term.labels.indexOf(l));
  const shapeOf = (term: Term, ls: readonly number[]) => ls.map((l) => term.t.shape[term.labels.indexOf(l)]!);
  const labels = [...batch, ...left, ...right];
  if (summed.length === 0) {
    // an outer product over the batch: broadcasting multiply, the same number of products
    const at = a.t.permute(dimsOf(a, [...batch, ...left])).reshape([...shapeOf(a, batch), ...shapeOf(a, left), ...right.map(() => 1)]);
    const bt = b.t.permute(dimsOf(b, [...batch, ...right])).reshape([...shapeOf(b, batch), ...left.map(() => 1), ...shapeOf(b, right)]);
    return { t: at.mul(bt), labels };
  }
  const [B, M, K, N] = [numelOf(shapeOf(a, batch)), numelOf(shapeOf(a, left)), numelOf(shapeOf(a, summed)), numelOf(shapeOf(b, right))];
  const am = a.t.permute(dimsOf(a, [...batch, ...left, ...summed])).reshape([B, M, K]);
  const bm = b.t.permute(dimsOf(b, [...batch, ...summed, ...right])).reshape([B, K, N]);
  return { t: am.matmul(bm).reshape([...shapeOf(a, batch), ...shapeOf(a, left), ...shapeOf(b, right)]), labels };
}

/** Labels needed outside the terms `skip`: by the output or any other term. */
function neededBeyond(terms: readonly Term[], skip: readonly number[], output: readonly number[]): Set<number> {
  const need = new Set(output);
  terms.forEach((t, k) => {
    if (!skip.includes(k)) for (const l of t.labels) need.add(l);
  });
  return need;
}

/**
 * Evaluates an einsum equation (see the file comment).
 * @example einsum("ij,jk->ik", a, b)   // a.matmul(b)
 * @example einsum("bii->b", x)         // the traces of a batch of matrices
 * @example einsum("...ij,...jk", a, b) // batched matmul with broadcasting batch dims
 */
export function einsum(equation: string, operands: readonly Tensor[]): Tensor {
  if (operands.length === 0) throw new ShapeError("einsum(): must specify the equation string and at least one operand, or use the sublist format");
  const dtype = operands[0]!.dtype;
  operands.forEach((t, k) => {
    if (!(t instanceof Tensor)) throw new DTypeError(`einsum(): operand ${k} is not a Tensor`);
    if (t.dtype !== dtype) throw new DTypeError(`einsum(): expected all operands to have the same dtype, but operand 0 is ${dtype} and operand ${k} is ${t.dtype}`);
  });
  const eq = parseEquation(equation, operands.map((t) => t.shape));
  let terms: Term[] = operands.map((t, k) => takeDiagonals({ t, labels: eq.inputs[k]! }, k));
  // a size-1 dim of a label that is larger elsewhere broadcasts: the same as dropping it here
  terms = terms.map((term) => {
    const drop = term.labels.flatMap((l, d) => (term.t.shape[d] === 1 && eq.sizes.get(l)! !== 1 ? [d] : []));
    return drop.length === 0 ? term : { t: term.t.squeeze(drop), labels: term.labels.filter((_, d) => !drop.includes(d)) };
  });
  terms = terms.map((term, k) => sumOut(term, new Set(term.labels.filter((l) => !neededBeyond(terms, [k], eq.output).has(l)))));
  while (terms.length > 1) {
    // the pair whose result is smallest (PyTorch's left-to-right order among equals)
    let best: [number, number] = [0, 1], bestSize = Infinity;
    for (let i = 0; i < terms.length; i++) {
      for (let j = i + 1; j < terms.length; j++) {
        const keep = neededBeyond(terms, [i, j], eq.output);
        const kept = new Set([...terms[i]!.labels, ...terms[j]!.labels].filter((l) => keep.has(l)));
        const size = sizeOf(eq.sizes, kept);
        if (size < bestSize) [best, bestSize] = [[i, j], size];
      }
    }
    const [i, j] = best;
    const merged = contractPair(terms[i]!, terms[j]!, neededBeyond(terms, [i, j], eq.output));
    terms = [...terms.slice(0, i), merged, ...terms.slice(i + 1, j), ...terms.slice(j + 1)];
  }
  const last = sumOut(terms[0]!, new Set(terms[0]!.labels.filter((l) => !eq.output.includes(l))));
  return last.t.permute(eq.output.map((l) => last.labels.indexOf(l)));
}

const DECLS = [
  "einsum(str equation, Tensor... tensors) -> Tensor",
  "einsum.list(str equation, Tensor[] tensors) -> Tensor",
  "einsum.sublist(Tensor operand, Any... sublistsAndOperands) -> Tensor",
] as const;

/** einsum(eq, a, b), einsum(eq, [a, b]) or the sublist form einsum(a, [0, 1], b, [1, 2], [0, 2]). */
export const EINSUM_FNS = {
  einsum: defineOp(DECLS, [
    (equation: string, tensors: Tensor[]) => einsum(equation, tensors),
    (equation: string, tensors: Tensor[]) => einsum(equation, tensors),
    (operand: Tensor, rest: unknown[]) => {
      const { equation, operands } = sublistEquation([operand, ...rest]);
      return einsum(equation, operands);
    },
  ]),
};
