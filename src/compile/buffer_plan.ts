/**
 * The buffer plan of a prepared program (made once per program, reused by every call that
 * runs it). Its free internal buffers (Graph.free: temporaries nobody reads after the graph)
 * on the host get a fixed place in an arena: a buffer's place is
 * reserved from the node that makes it to its last use, and buffers whose spans do not
 * overlap share bytes (first fit by offset, in node order). The executor offers each
 * kernel the places of its outputs (backend/planned_outputs.ts), so in steady state the
 * program allocates nothing for its temporaries and leaves no garbage for them. All programs
 * share one arena (see `shared`), grown to the largest program's need.
 *
 * What never goes into the arena: external buffers (parameters, inputs, optimizer state),
 * kept buffers (returned values, .grad, what user code was handed: the next call would
 * overwrite them), constants, device (WebGPU) memory. Those free buffers that are not in the
 * arena give their memory back to the caching allocator after their last use, as before.
 */
import { arrayOver, itemSize, type DType, type StorageArray } from "../tensor/dtype.js";
import { onHost, type Graph } from "./ir.js";
import { hostArena } from "../backend/cpu/util.js";

/** Places start on cache-line boundaries (the native kernels' vector loads like that). */
const ALIGN = 64;

export interface BufferPlan {
  /** After node i: free buffers outside the arena whose memory goes back to the allocator. */
  releaseAfter: Map<number, number[]>;
  /** After node i: arena buffers whose values are dead from then on (nothing to give back). */
  dieAfter: Map<number, number[]>;
  /** Byte offset in the arena of each arena buffer. */
  offsets: Map<number, number>;
  /** Arena size in bytes (0: no arena). */
  bytes: number;
  /** Per node: its outputs' places (null entries for outputs outside it); null when none. */
  offerOf: ((StorageArray | null)[] | null)[];
  /** Per node: the dtypes of offerOf's entries. */
  offerDtypes: (DType[] | null)[];
  /** Per buffer: its view of the arena (made on the program's first run, and again when the shared arena grew). */
  views: Map<number, StorageArray>;
  /** The shared arena its views are over (null until the first run, or when nothing is in it). */
  arena: ArrayBuffer | null;
}

const plans = new WeakMap<Graph, BufferPlan>();

/**
 * The one arena every program's places are in. A place holds a free buffer (its value is dead
 * after its last use, and nothing reads it after the program), so nothing in the arena is
 * live once a program has run, and programs never run at the same time (a compiled call runs
 * its graphs one after another; a nested compiled call records into the outer graph): they
 * can all share these bytes. The arena is as large as the largest program's need, rather
 * than one arena per cached program (a step's first-call program, never run again, kept 20
 * MB of the TransformerEncoder LM step alive beside the steady-state program's).
 */
let shared: ArrayBuffer | null = null;

/** The plan of `prog`, made on first use; its places are views of the shared arena (grown when it is too small). */
export function bufferPlan(prog: Graph): BufferPlan {
  let plan = plans.get(prog);
  if (plan === undefined) {
    plan = makePlan(prog);
    plans.set(prog, plan);
  }
  if (plan.bytes > 0 && (plan.arena === null || plan.arena !== shared)) attachArena(prog, plan);
  return plan;
}

/** The free buffers: what the program's values need not keep after it ran. */
function freeBuffers(prog: Graph, lastUse: Map<number, number>): number[] {
  if (prog.live === null) return [];
  const keep = new Set<number>();
  if (!prog.free) for (const v of prog.live) keep.add(prog.values[v]!.buf);
  // a constant is the program's own array: never given back
  for (const n of prog.nodes) if (n.op === "const") for (const v of n.outputs) keep.add(prog.values[v]!.buf);
  const out: number[] = [];
  for (const buf of lastUse.keys()) {
    if (prog.buffers[buf]!.external || keep.has(buf) || (prog.free && !prog.free.has(buf))) continue;
    out.push(buf);
  }
  return out;
}

function makePlan(prog: Graph): BufferPlan {
  const lastUse = new Map<number, number>();
  /** The node that makes each internal buffer (a new output, not an in-place write). */
  const def = new Map<number, number>();
  prog.nodes.forEach((n, i) => {
    for (const v of n.inputs) lastUse.set(prog.values[v]!.buf, i);
    if (n.effect === "input" || n.effect === "view" || n.op === "const") {
      for (const v of n.outputs) lastUse.set(prog.values[v]!.buf, i);
      return;
    }
    for (const v of n.outputs) {
      const b = prog.values[v]!.buf;
      lastUse.set(b, i);
      if (!def.has(b) && !n.inputs.some((w) => prog.values[w]!.buf === b)) def.set(b, i);
    }
  });
  const free = freeBuffers(prog, lastUse);
  const inArena = free.filter((b) => {
    const info = prog.buffers[b]!;
    return def.has(b) && onHost(info.device) && info.numel > 0;
  });
  inArena.sort((a, b) => def.get(a)! - def.get(b)! || a - b);
  // first fit: the lowest offset clear of every placed buffer whose span overlaps
  const placed: { buf: number; from: number; to: number; lo: number; hi: number }[] = [];
  const offsets = new Map<number, number>();
  let bytes = 0;
  for (const b of inArena) {
    const from = def.get(b)!, to = lastUse.get(b)!;
    const size = Math.ceil((prog.buffers[b]!.numel * itemSize(prog.buffers[b]!.dtype)) / ALIGN) * ALIGN;
    const busy = placed.filter((p) => p.from <= to && from <= p.to).sort((p, q) => p.lo - q.lo);
    let lo = 0;
    for (const p of busy) {
      if (lo + size <= p.lo) break;
      lo = Math.max(lo, p.hi);
    }
    placed.push({ buf: b, from, to, lo, hi: lo + size });
    offsets.set(b, lo);
    bytes = Math.max(bytes, lo + size);
  }
  const releaseAfter = new Map<number, number[]>(), dieAfter = new Map<number, number[]>();
  for (const b of free) {
    const m = offsets.has(b) ? dieAfter : releaseAfter;
    const i = lastUse.get(b)!;
    let l = m.get(i);
    if (l === undefined) m.set(i, (l = []));
    l.push(b);
  }
  return {
    releaseAfter, dieAfter, offsets,
    // one spare cache line: no place spans the whole ArrayBuffer, so releasing a storage
    // over one (util.ts releaseStorage) can never detach the arena
    bytes: bytes > 0 ? bytes + ALIGN : 0,
    offerOf: [], offerDtypes: [], views: new Map(), arena: null,
  };
}

/** Makes `plan`'s views over the shared arena, growing it first when the plan needs more bytes. */
function attachArena(prog: Graph, plan: BufferPlan): void {
  if (shared === null || shared.byteLength < plan.bytes) shared = hostArena(plan.bytes);
  const arena = shared;
  plan.views.clear();
  for (const [b, off] of plan.offsets) plan.views.set(b, arrayOver(prog.buffers[b]!.dtype, arena, off, prog.buffers[b]!.numel));
  prog.nodes.forEach((n, i) => {
    if (n.effect === "input" || n.effect === "view" || n.op === "const" || !n.outputs.some((v) => plan.views.has(prog.values[v]!.buf))) {
      plan.offerOf[i] = null;
      plan.offerDtypes[i] = null;
      return;
    }
    plan.offerOf[i] = n.outputs.map((v) => plan.views.get(prog.values[v]!.buf) ?? null);
    plan.offerDtypes[i] = n.outputs.map((v) => prog.values[v]!.dtype);
  });
  plan.arena = arena;
}
