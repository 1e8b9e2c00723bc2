/**
 * Elementwise fusion: runs of float32 (or float16) unary/binary nodes over one iteration space (inputs
 * broadcast to it) become one `fusedProgram` node (src/backend/fused_program.ts), which the
 * backend runs as one kernel: each input read once, intermediates kept in registers (an
 * L1-sized block at a time on CPU), no dispatch or allocation per op. In-place binary nodes
 * and `assign` nodes (an optimizer's `mul_`, `add_`, `addcdiv_`) fuse too: their result is stored into the
 * buffer they write, so SGD's momentum update or Adam's whole step per parameter is one pass.
 *
 * A group is a run of fusable nodes in node order; inputs, views and `full` nodes may sit
 * between its members (they compute nothing the group reads through memory). It ends at any
 * other node, at a node of another shape, and where fusing would change what a member reads:
 * - a member reads a group member's result only as that value itself (a register), never
 *   through a view or a re-read of its buffer (the fused node has not stored it yet);
 * - a buffer the group writes in place is read from outside the group only before the write
 *   and at the written layout (per element, a program loads before it stores).
 * Outputs: every member's value that is read after the group, or after the graph (live,
 * over a buffer that is not free), and every in-place write. The node is placed where the
 * group ended (after its members' inputs exist, before any reader). A JS scalar a member
 * reads (addScaled's alpha, clamp's bounds) stays a graph input: the node records where it
 * came from (`scalarSrc`: recorded node, param index) and the executor fills `scalars` from
 * the current call's attributes.
 *
 * A tensor operand that is a JS scalar made a tensor (a `full` node of the program's dtype, or a view of
 * one, whose buffer nothing writes: momentum in `buf.mul_(momentum)`, Adam's betas, bias
 * corrections and eps, the 2 of `x.mul(2)`) is not loaded: the program reads it as a scalar operand, taken like
 * the params from the recorded `full` node's value each call (never baked in; the cache key
 * stays structural). A `full` no longer read by anything then runs no kernel and holds no
 * buffer: dead-code elimination drops it after fusion.
 */
import { FUSABLE_BINARY, FUSABLE_UNARY, type FusedInstr, type FusedOutput, type FusedProgramAttrs } from "../../backend/fused_program.js";
import { isLive, type Graph, type IRNode, type ValueInfo } from "../ir.js";
import { backendFor } from "../../backend/backend.js";
import { eliminateDeadCode } from "./dce.js";
import { producers, writtenBuffers } from "./util.js";

/** A program longer than this is split (the native interpreter's register file holds 64). */
const MAX_INSTRUCTIONS = 48;

/** Where a program's JS scalar comes from: param `i` of recorded node `src`, or (no `i`) the value of recorded `full` node `src`. */
export interface ScalarSource {
  src: number;
  i?: number;
}

/** The recorded `full` node whose value `v` (of a program's dtype) is everywhere (v is it or a view of it, never written), or null. */
type SplatOf = (v: number, dtype: FusedDType) => IRNode | null;

/** The dtypes programs are made in: a group's nodes all compute in one of them. */
type FusedDType = "float32" | "float16";

function splatResolver(g: Graph): SplatOf {
  const prod = producers(g);
  const written = writtenBuffers(g);
  return (v, dtype) => {
    const vi = g.values[v]!;
    if (vi.dtype !== dtype || written.has(vi.buf)) return null;
    let n = prod.get(v);
    while (n !== undefined && n.op === "view" && n.attrs.dtype === undefined) n = prod.get(n.inputs[0]!);
    if (n === undefined || n.op !== "full" || n.effect !== "pure" || n.src < 0 || typeof n.attrs.value !== "number") return null;
    return n;
  };
}

export interface FusedNodeAttrs extends FusedProgramAttrs {
  scalarSrc: ScalarSource[];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, d) => s === b[d]);
}

function layoutKey(v: ValueInfo): string {
  return `${v.offset}:${v.shape.join(",")}:${v.strides.join(",")}`;
}

/**
 * Whether `n` may join a program: a fusable op of float32 (or float16) operands and result on a
 * device whose backend runs fusedProgram as its own kernel (the CPU's interpreter, webgpu's
 * generated WGSL; elsewhere the decomposition would only undo the fusion) with a recorded
 * source (for its scalars).
 */
function fusable(g: Graph, n: IRNode): boolean {
  if (n.src < 0 || n.outputs.length !== 1) return false;
  const out = g.values[n.outputs[0]!]!;
  if (backendFor(out.device).ops.fusedProgram === undefined) return false;
  if ((out.dtype !== "float32" && out.dtype !== "float16") || !n.inputs.every((v) => g.values[v]!.dtype === out.dtype)) return false;
  // an in-place op's write (applyInPlace: addcmul_, addcdiv_, div_) is a store of its value
  if (n.op === "assign") return n.effect === "inplace" && sameShape(g.values[n.inputs[0]!]!.shape, g.values[n.inputs[1]!]!.shape);
  if (n.op === "unary") return n.effect === "pure" && FUSABLE_UNARY[n.attrs.op as keyof typeof FUSABLE_UNARY] !== undefined;
  if (n.op === "binary") {
    if (FUSABLE_BINARY[n.attrs.op as keyof typeof FUSABLE_BINARY] === undefined) return false;
    // div's rounding mode is keyed by value when 0 (attrs.ts), so a program without one stays right
    if (n.attrs.op === "div" && (n.attrs.params?.[0] ?? 0) !== 0) return false;
    return n.effect === (n.attrs.inPlace ? "inplace" : "pure");
  }
  return false;
}

class Group {
  readonly members: IRNode[] = [];
  /** Value id -> register. */
  readonly regOf = new Map<number, number>();
  readonly code: FusedInstr[] = [];
  readonly inputs: number[] = [];
  readonly scalarSrc: ScalarSource[] = [];
  readonly scalars: number[] = [];
  /** Buffers members write in place -> the layout written. */
  readonly writes = new Map<number, string>();
  /** Buffers read from outside the group -> the layouts read. */
  readonly reads = new Map<number, Set<string>>();
  /** Buffers of members' new outputs. */
  readonly ownBufs = new Set<number>();
  /** Per buffer a member produces or writes: the members' values over it. */
  readonly bufValues = new Map<number, number[]>();
  constructor(readonly shape: readonly number[], readonly dtype: FusedDType, private readonly splatOf: SplatOf) {}

  /** Adds `n` if it keeps the group's meaning; false (group unchanged) when it would not. */
  tryAdd(g: Graph, n: IRNode): boolean {
    const out = g.values[n.outputs[0]!]!;
    if (!sameShape(out.shape, this.shape) || out.dtype !== this.dtype) return false;
    if (this.code.length + n.inputs.length + 1 > MAX_INSTRUCTIONS) return false;
    for (const v of n.inputs) {
      if (this.regOf.has(v)) continue;
      const vi = g.values[v]!;
      // a member's result through memory, or a buffer already written by a member
      if (this.ownBufs.has(vi.buf) || this.writes.has(vi.buf)) return false;
    }
    const inPlace = n.effect === "inplace";
    if (inPlace) {
      const target = g.values[n.inputs[0]!]!;
      const key = layoutKey(target);
      const read = this.reads.get(target.buf);
      if (read !== undefined && [...read].some((k) => k !== key)) return false;
      const prev = this.writes.get(target.buf);
      if (prev !== undefined && prev !== key) return false;
    }
    // commit
    // a scalar operand needs a tensor input beside it in the program (the program's device)
    const scalarOk = this.inputs.length > 0 || n.inputs.some((v) => !this.regOf.has(v) && this.splatOf(v, this.dtype) === null);
    const regs = n.inputs.map((v) => {
      const r = this.regOf.get(v);
      if (r !== undefined) return r;
      const full = scalarOk ? this.splatOf(v, this.dtype) : null;
      if (full !== null) {
        const reg = this.code.length;
        this.code.push({ op: "scalar", slot: this.scalars.length });
        this.scalars.push(full.attrs.value as number);
        this.scalarSrc.push({ src: full.src });
        this.regOf.set(v, reg);
        return reg;
      }
      const vi = g.values[v]!;
      let s = this.reads.get(vi.buf);
      if (s === undefined) this.reads.set(vi.buf, (s = new Set()));
      s.add(layoutKey(vi));
      const reg = this.code.length;
      this.code.push({ op: "load", input: this.inputs.length });
      this.inputs.push(v);
      this.regOf.set(v, reg);
      return reg;
    });
    if (n.op === "assign") {
      // no instruction: the written value is the source's register, stored into the target
      this.regOf.set(n.outputs[0]!, regs[1]!);
      const target = g.values[n.inputs[0]!]!;
      this.writes.set(target.buf, layoutKey(target));
      this.addMember(n, out.buf);
      return true;
    }
    const params: number[] = [];
    const p = n.attrs.params as readonly number[] | undefined;
    if (p !== undefined) {
      p.forEach((value, i) => {
        params.push(this.scalars.length);
        this.scalars.push(value);
        this.scalarSrc.push({ src: n.src, i });
      });
    }
    const reg = this.code.length;
    if (n.op === "unary") this.code.push({ op: "unary", fn: n.attrs.op, a: regs[0]!, ...(p ? { params } : {}) });
    else this.code.push({ op: "binary", fn: n.attrs.op, a: regs[0]!, b: regs[1]!, ...(p ? { params } : {}) });
    this.regOf.set(n.outputs[0]!, reg);
    if (inPlace) {
      const target = g.values[n.inputs[0]!]!;
      this.writes.set(target.buf, layoutKey(target));
    } else this.ownBufs.add(out.buf);
    this.addMember(n, out.buf);
    return true;
  }

  private addMember(n: IRNode, buf: number): void {
    let l = this.bufValues.get(buf);
    if (l === undefined) this.bufValues.set(buf, (l = []));
    l.push(n.outputs[0]!);
    this.members.push(n);
  }

  /** The fused node, given which member values are read after the group. */
  build(g: Graph, usedLater: (v: number) => boolean): IRNode {
    const outputs: FusedOutput[] = [];
    const outValues: number[] = [];
    // per buffer only its last value is stored: an earlier one (a result later written in
    // place by another member) reads, after the group, as the buffer does, the last write
    const last = new Map<number, IRNode>();
    for (const m of this.members) last.set(g.values[m.outputs[0]!]!.buf, m);
    for (const m of this.members) {
      const v = m.outputs[0]!;
      const vi = g.values[v]!;
      if (last.get(vi.buf) !== m) continue;
      const reg = this.regOf.get(v)!;
      if (this.ownBufs.has(vi.buf)) {
        // a new buffer: stored if anything may read it (later in the graph, or after it
        // unless the buffer is free: nobody reads it then)
        const afterGraph = !g.free?.has(vi.buf);
        const anyRead = (this.bufValues.get(vi.buf) ?? []).some((w) => (afterGraph && isLive(g, w)) || usedLater(w));
        if (!anyRead) continue;
        outputs.push({ reg });
      } else {
        // an outside buffer written in place: into the input it was loaded as
        const layout = layoutKey(vi);
        const i = this.inputs.findIndex((w) => g.values[w]!.buf === vi.buf && layoutKey(g.values[w]!) === layout);
        if (i < 0) throw new Error("fuse_elementwise: internal error: an in-place target is not a program input");
        outputs.push({ reg, inPlace: i });
      }
      outValues.push(v);
    }
    const attrs: FusedNodeAttrs = { shape: this.shape, dtype: this.dtype, code: this.code, scalars: this.scalars, outputs, scalarSrc: this.scalarSrc };
    const publicOps = [...new Set(this.members.map((m) => m.publicOp).filter((s) => s))];
    return {
      op: "fusedProgram", attrs, inputs: this.inputs.slice(), outputs: outValues, src: -1,
      effect: outputs.some((o) => o.inPlace !== undefined) ? "inplace" : "pure",
      publicOp: publicOps.join(", "),
    };
  }
}

export function fuseElementwise(g: Graph): Graph {
  // uses of each value by position: a member's value read by a node after the group is an output
  const usePositions = new Map<number, number[]>();
  g.nodes.forEach((n, i) => {
    for (const v of n.inputs) {
      let l = usePositions.get(v);
      if (l === undefined) usePositions.set(v, (l = []));
      l.push(i);
    }
  });
  // values that share a member's buffer (views, re-reads) are read through memory
  const byBuf = new Map<number, number[]>();
  g.values.forEach((v, id) => {
    let l = byBuf.get(v.buf);
    if (l === undefined) byBuf.set(v.buf, (l = []));
    l.push(id);
  });
  const splatOf = splatResolver(g);
  const nodes: IRNode[] = [];
  let group: Group | null = null;
  let scalarOperands = false;
  let groupStart = 0;
  let changed = false;
  const flush = (endIndex: number) => {
    if (group === null) return;
    const grp: Group = group;
    group = null;
    if (grp.members.length < 2) {
      // nothing to fuse: the member goes back where it was (after the pass-through nodes is
      // fine: they do not read it). A lone op keeps its `full` operand: a one-instruction
      // program is no faster than the eager kernel (slower over short strided rows)
      nodes.push(...grp.members);
      return;
    }
    const members = new Set(grp.members);
    const usedLater = (v: number) => {
      for (const i of usePositions.get(v) ?? []) if (i >= endIndex || !members.has(g.nodes[i]!)) return true;
      // a view of it (or other value over its buffer) read anywhere after it
      const buf = g.values[v]!.buf;
      for (const other of byBuf.get(buf) ?? []) if (other !== v && (usePositions.get(other)?.length ?? 0) > 0 && !grp.regOf.has(other)) return true;
      return false;
    };
    nodes.push(grp.build(g, usedLater));
    if (grp.code.some((ins) => ins.op === "scalar")) scalarOperands = true;
    changed = true;
    void groupStart;
  };
  g.nodes.forEach((n, i) => {
    if (n.effect === "input" || n.effect === "view" || (n.op === "full" && n.effect === "pure")) {
      nodes.push(n);
      return;
    }
    if (fusable(g, n)) {
      const cur = group as Group | null;
      if (cur !== null && cur.tryAdd(g, n)) return;
      flush(i);
      const out = g.values[n.outputs[0]!]!;
      group = new Group(out.shape, out.dtype as FusedDType, splatOf);
      groupStart = i;
      if (!group.tryAdd(g, n)) {
        group = null;
        nodes.push(n);
      }
      return;
    }
    flush(i);
    nodes.push(n);
  });
  flush(g.nodes.length);
  if (!changed) return g;
  // the `full` nodes now read as scalar operands only: nothing left to compute them for
  return scalarOperands ? eliminateDeadCode({ ...g, nodes }) : { ...g, nodes };
}
