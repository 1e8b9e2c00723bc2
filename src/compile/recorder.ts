/**
 * Capture: the dispatch layer compile() installs for the duration of a compiled call.
 * Each primitive is recorded as an IR node instead of running; it returns lazy tensors with
 * the right shape, dtype, device and strides whose storage is pending (views share their
 * input's storage; in-place primitives return their input). External storages the graph
 * writes in place are watched: the first host access to any pending or watched storage (item(),
 * toTypedArray(), printing, a kernel that runs eagerly, an op reading values on the host), or
 * to a generator the graph draws from, runs the graph recorded so far, counted as a graph
 * break; recording then continues in a new graph. The end of the call runs the last graph.
 * An external storage the graph only reads is not watched: a host read of it sees the values
 * the graph will read, so it needs no break (cross-entropy's label checks read the labels).
 * Writing such a storage's typed array directly (not through an op) inside the call is not
 * seen in order — docs/compile.md lists it.
 *
 * A Recording holds one graph plus this call's bindings (its tensors, storages, attrs and
 * JS scalars), and the structural key the program cache is looked up by.
 */
import { FluxionError, DeviceError, ShapeError, fmtShape } from "../errors.js";
import { _publicOpStackRef, type DispatchCall, type DispatchLayer } from "../backend/dispatcher.js";
import { checkPrimitive } from "../backend/primitive_checks.js";
import type { PrimitiveAttrs } from "../backend/primitives.js";
import { Storage, type LazyStorageHook } from "../tensor/storage.js";
import { Tensor } from "../tensor/tensor.js";
import type { Generator } from "../tensor/random.js";
import { itemSize, type DType } from "../tensor/dtype.js";
import { backendFor } from "../backend/backend.js";
import { encodeAttrs, intern, type EncodeContext } from "./attrs.js";
import { autogradHoldsTensors, reachableTensors } from "./escape.js";
import { inUserCode } from "./state.js";
import type { BufferInfo, Effect, Graph, IRNode, ValueInfo } from "./ir.js";
import { metaRule, metaWrites } from "./meta.js";

const PLACEHOLDER = new Float32Array(0);

// The key's record kinds (a prefix code: each record starts with its kind; see attrs.ts's tags)
const KEY_BUFFER = -101, KEY_INPUT = -102, KEY_NODE = -103, KEY_VIEW = -104, KEY_RELEASED = -105, KEY_KEPT = -106;

function pushLayout(key: number[], shape: readonly number[], strides: readonly number[], offset: number): void {
  key.push(shape.length);
  for (let d = 0; d < shape.length; d++) key.push(shape[d]!, strides[d]!);
  key.push(offset);
}

/** A storage's length in elements of `dtype`, and what holds them (a typed array's class, or device memory). */
function extentOf(storage: Storage, dtype: DType): { numel: number; holder: string } {
  if (storage.memory === null) {
    const data = storage._peek();
    return { numel: data.length, holder: data.constructor.name };
  }
  const size = backendFor(storage.device).deviceItemSize?.(dtype) ?? itemSize(dtype);
  return { numel: Math.floor(storage.memory.byteLength / size), holder: "device" };
}

/** One graph being recorded, with the current call's bindings. */
export class Recording {
  readonly values: ValueInfo[] = [];
  readonly buffers: BufferInfo[] = [];
  readonly nodes: IRNode[] = [];
  /** Per value: this call's tensor for it. */
  readonly tensors: Tensor[] = [];
  /** Per buffer: this call's storage. */
  readonly storages: Storage[] = [];
  /** Per node: this call's attributes (its JS scalars). */
  readonly callAttrs: unknown[] = [];
  /** The structural key: numbers (attrs.ts encodes attributes and interns strings). */
  readonly key: number[] = [];
  readonly ctx: EncodeContext = { scalars: [], objects: new Map() };
  readonly generators: Generator[] = [];
  private readonly bufOf = new Map<Storage, number>();
  /** Internal buffers released while recording (autograd's and the optimizers' used-up temporaries). */
  readonly dead = new Set<number>();
  private readonly valueOf = new Map<Tensor, number>();
  /** The internal buffers the user can still reach after the call (null: all; see keepOnly). */
  private kept: Set<number> | null = null;
  kernels = 0;

  /**
   * The graph as IR (shares this recording's arrays; holds no tensors). Free: the internal
   * buffers nobody reads after the graph (released while recording, or not kept by
   * keepOnly); their memory goes back after their last use. Live: every value except those
   * over a free buffer and read through no view (null when nothing is free: all).
   */
  graph(): Graph {
    const free = new Set(this.dead);
    const kept = this.kept;
    if (kept !== null) this.buffers.forEach((b, id) => {
      if (!b.external && !kept.has(id)) free.add(id);
    });
    let live: Set<number> | null = null;
    if (free.size > 0) {
      // a free buffer that views (or re-reads) share stays live: a view's tensor is bound
      // to its buffer's storage, so the passes may not rename the value it reads
      const valuesOf = new Map<number, number>();
      for (const v of this.values) valuesOf.set(v.buf, (valuesOf.get(v.buf) ?? 0) + 1);
      live = new Set();
      this.values.forEach((v, id) => {
        if (!free.has(v.buf) || valuesOf.get(v.buf)! > 1) live!.add(id);
      });
    }
    return { values: this.values, buffers: this.buffers, nodes: this.nodes, live, free: free.size > 0 ? free : null };
  }

  /**
   * The end of a compiled call: of the buffers this graph made, only those under `tensors`
   * (what the call returned and what the framework keeps: .grad, optimizer state) are read
   * afterwards. The others are free (graph()); reading one raises, saying to return it.
   */
  keepOnly(tensors: Iterable<Tensor>): void {
    const kept = new Set<number>();
    for (const t of tensors) {
      const buf = this.bufOf.get(t.storage);
      if (buf !== undefined && !this.buffers[buf]!.external) kept.add(buf);
    }
    this.kept = kept;
    this.key.push(KEY_KEPT, kept.size, ...[...kept].sort((a, b) => a - b)); // the program depends on it
  }

  /** `storage` was released (releaseStorage): an internal buffer's value need not be kept. */
  release(storage: Storage): void {
    const buf = this.bufOf.get(storage);
    if (buf === undefined || this.buffers[buf]!.external || this.dead.has(buf)) return;
    this.dead.add(buf);
    this.key.push(KEY_RELEASED, buf); // the program depends on what is live
  }

  /**
   * A hash of the structural key from its length and every 8th number: it only finds the
   * cache bucket (sameKey compares all of it), so it can afford to look at little.
   */
  keyHash(): number {
    const key = this.key;
    let h = Math.imul(0x811c9dc5 ^ key.length, 0x01000193);
    for (let i = 0; i < key.length; i += 8) h = Math.imul(h ^ (key[i]! | 0), 0x01000193);
    return h >>> 0;
  }

  /** Whether this recording's structural key is `other`. */
  sameKey(other: readonly number[]): boolean {
    const own = this.key;
    if (own.length !== other.length) return false;
    for (let i = own.length - 1; i >= 0; i--) if (own[i] !== other[i]) return false;
    return true;
  }

  /** The value id of `t` as it is now, adding an input node when the graph has none for it. */
  valueFor(t: Tensor, hook: LazyStorageHook): number {
    const known = this.valueOf.get(t);
    if (known !== undefined) {
      const v = this.values[known]!;
      if (v.version === this.buffers[v.buf]!.writes && this.storages[v.buf] === t.storage && v.offset === t.offset && v.shape === t.shape && v.strides === t.strides && v.dtype === t.dtype) return known;
    }
    const storage = t.storage;
    let buf = this.bufOf.get(storage);
    if (buf === undefined) {
      if (storage._lazy !== null && storage._lazy !== hook) {
        // a storage left pending by a graph that failed, or by another recording
        storage._lazy.realize(storage);
      }
      buf = this.buffers.length;
      const { numel, holder } = extentOf(storage, t.dtype);
      this.buffers.push({ external: true, numel, dtype: t.dtype, device: storage.device, writes: 0 });
      this.storages.push(storage);
      this.bufOf.set(storage, buf);
      // not watched until the graph writes it: reading it on the host before then sees the
      // same values the graph reads (see watchWrite)
      this.key.push(KEY_BUFFER, buf, intern(storage.device), numel, intern(holder));
    }
    const version = this.buffers[buf]!.writes;
    const id = this.addValue(t, buf, version);
    this.nodes.push({ op: "input", attrs: { buf, version }, inputs: [], outputs: [id], src: -1, effect: "input", publicOp: "" });
    this.callAttrs.push(null);
    this.key.push(KEY_INPUT, buf, version, intern(t.dtype));
    pushLayout(this.key, t.shape, t.strides, t.offset);
    return id;
  }

  addValue(t: Tensor, buf: number, version: number): number {
    const id = this.values.length;
    this.values.push({ shape: t.shape, strides: t.strides, offset: t.offset, dtype: t.dtype, device: t.device, buf, version });
    this.tensors.push(t);
    this.valueOf.set(t, id);
    return id;
  }

  /** A new internal buffer and its pending storage. */
  newBuffer(numel: number, dtype: DType, device: string, hook: LazyStorageHook): { buf: number; storage: Storage } {
    const storage = new Storage(PLACEHOLDER, device);
    storage._lazy = hook;
    const buf = this.buffers.length;
    this.buffers.push({ external: false, numel, dtype, device, writes: 0 });
    this.storages.push(storage);
    this.bufOf.set(storage, buf);
    return { buf, storage };
  }

  /**
   * Drops this call's bindings once its graph has run (the graph's own arrays stay: a cache
   * miss keeps them as the program's IR). Everything a call records lives until the call
   * ends, so V8's allocation-site pretenuring soon allocates these containers (and the
   * recorder's `held`) in the old generation. A young GC treats every pointer from an old
   * object into the young generation as live, even from an old object that is garbage, so
   * an old container pinned each call's tensors and their buffers until the next full GC:
   * V8's external-memory accounting then ran a mark-compact every ~100 SimpleNet steps
   * (121 in 9000 steps instead of eager's 3; the median step ~10% slower). Emptied, they pin
   * nothing.
   */
  dispose(): void {
    this.tensors.length = 0;
    this.storages.length = 0;
    this.callAttrs.length = 0;
    this.generators.length = 0;
    this.bufOf.clear();
    this.valueOf.clear();
  }

  /** Stops watching: the graph is about to run (or was abandoned). */
  unwatch(): void {
    for (const s of this.storages) s._lazy = null;
    for (const g of this.generators) g._lazy = null;
  }
}

/** What the recorder hands a finished graph to (compile.ts: cache, passes, executor, stats). */
export interface GraphRunner {
  run(rec: Recording, breakReason: string | null): void;
}

/** A storage whose graph failed or was not kept: any read is an error, not stale numbers. */
export function deadStorageHook(message: string): LazyStorageHook {
  return {
    realize() {
      throw new FluxionError(message);
    },
  };
}

export class Recorder implements LazyStorageHook {
  rec = new Recording();
  /** True while a graph runs: its kernels' dispatches pass through. */
  executing = false;
  /** What framework code said outlives the call (keepAfterCall: .grad, optimizer state). */
  readonly held: unknown[] = [];
  readonly layer: DispatchLayer;

  constructor(private readonly runner: GraphRunner) {
    this.layer = (call, next) => (this.executing ? next(call) : this.record(call, next));
  }

  /** A pending storage released by its owner (autograd, an optimizer): not live. */
  release(storage: Storage): void {
    if (this.executing) return;
    this.rec.release(storage);
  }

  /** A host access to a pending or watched storage: a graph break. */
  realize(_storage?: Storage): void {
    if (this.executing) return;
    this.flush(breakReason());
  }

  /**
   * The end of the call: runs the last graph, whose buffers that neither `result` nor the
   * held objects reach give their memory back after their last use (escape.ts).
   */
  finish(result: unknown): void {
    const kept = reachableTensors([result, ...this.held]);
    if (kept !== null && !autogradHoldsTensors(kept)) this.rec.keepOnly(kept);
    try {
      this.flush(null);
    } finally {
      this.held.length = 0; // see Recording.dispose
    }
  }

  /** Runs the graph recorded so far (if it computes anything) and starts a new one. */
  flush(reason: string | null): void {
    const rec = this.rec;
    this.rec = new Recording();
    rec.unwatch();
    if (rec.kernels === 0) return;
    this.executing = true;
    try {
      this.runner.run(rec, reason);
    } finally {
      this.executing = false;
    }
  }

  private record(call: DispatchCall, next: (c: DispatchCall) => Tensor[]): Tensor[] {
    const { op, inputs } = call;
    if (op === "fromHost") return next(call); // host data: made now, a graph input when used
    if (op === "view") return this.recordView(call as DispatchCall<"view">, next);
    const rule = metaRule(op);
    if (rule === undefined) {
      // not recordable (unique: data-dependent shape; a primitive without a rule): run the
      // graph so far, then this call eagerly
      this.flush(`${op}${op === "unique" ? " (output shape depends on the values)" : " (no compile rule)"}${publicSuffix()}`);
      return next(call);
    }
    checkPrimitive(call);
    const device = checkDevices(call);
    const rec = this.rec;
    const ins: number[] = [];
    for (let i = 0; i < inputs.length; i++) ins.push(rec.valueFor(inputs[i]!, this));
    const specs = rule(inputs, call.attrs as never);
    const outs: Tensor[] = [];
    const outIds: number[] = [];
    let effect: Effect = op === "random" ? "random" : "pure";
    for (const spec of specs) {
      if ("inPlace" in spec) {
        effect = "inplace";
        const t = inputs[spec.inPlace]!;
        const v = rec.values[ins[spec.inPlace]!]!;
        const buf = rec.buffers[v.buf]!;
        buf.writes++;
        if (buf.external) t.storage._lazy = this; // a host read must see this write: run the graph first
        outs.push(t);
        outIds.push(rec.addValue(t, v.buf, buf.writes));
      } else {
        let n = 1;
        for (const s of spec.shape) n *= s;
        const { buf, storage } = rec.newBuffer(n, spec.dtype, device, this);
        const t = Tensor._contiguous(storage, [...spec.shape], spec.dtype);
        outs.push(t);
        outIds.push(rec.addValue(t, buf, 0));
      }
    }
    const writes = metaWrites(op, call.attrs);
    for (const k of writes) {
      effect = "writes";
      const t = inputs[k]!;
      const buf = rec.buffers[rec.values[ins[k]!]!.buf]!;
      buf.writes++;
      if (buf.external) t.storage._lazy = this; // a host read must see this write: run the graph first
    }
    if (op === "random") {
      const g = (call.attrs as PrimitiveAttrs["random"]).generator;
      if (g._lazy !== this) {
        g._lazy = this;
        rec.generators.push(g);
      }
    }
    const node: IRNode = { op, attrs: call.attrs, inputs: ins, outputs: outIds, src: rec.nodes.length, effect, publicOp: call.publicOp };
    if (writes.length) node.writes = writes;
    if (inputs.length === 0) node.device = device;
    rec.nodes.push(node);
    rec.callAttrs.push(call.attrs);
    rec.kernels++;
    const key = rec.key;
    key.push(KEY_NODE, intern(op), ins.length);
    for (let i = 0; i < ins.length; i++) key.push(ins[i]!);
    encodeAttrs(op, call.attrs, rec.ctx, key);
    key.push(inputs.length === 0 ? intern(device) : -1);
    if (inUserCode()) this.held.push(outs); // dispatched by user code, which may keep it
    return outs;
  }

  /** A view shares its input's (possibly pending) storage: recorded, never run. */
  private recordView(call: DispatchCall<"view">, next: (c: DispatchCall) => Tensor[]): Tensor[] {
    const x = call.inputs[0];
    const a = call.attrs;
    if (!(x instanceof Tensor) || call.inputs.length !== 1 || (a.dtype !== undefined && a.dtype !== x.dtype)) {
      // a view as another dtype reinterprets bytes the graph may not have computed yet
      this.flush(`view as another dtype${publicSuffix()}`);
      return next(call);
    }
    const rec = this.rec;
    const input = rec.valueFor(x, this);
    checkViewExtent(a, rec.buffers[rec.values[input]!.buf]!.numel);
    const t = new Tensor(x.storage, [...a.shape], [...a.strides], a.offset, x.dtype);
    const v = rec.values[input]!;
    const out = rec.addValue(t, v.buf, v.version);
    rec.nodes.push({ op: "view", attrs: a, inputs: [input], outputs: [out], src: rec.nodes.length, effect: "view", publicOp: call.publicOp });
    rec.callAttrs.push(a);
    rec.key.push(KEY_VIEW, input);
    pushLayout(rec.key, a.shape, a.strides, a.offset);
    if (inUserCode()) this.held.push(t);
    return [t];
  }
}

/** The device check the dispatcher makes before a kernel runs. */
function checkDevices(call: DispatchCall): string {
  let device = call.device;
  for (const t of call.inputs) {
    if (device === undefined) device = t.device;
    else if (t.device !== device) {
      throw new DeviceError(`${call.op}: expected all tensors to be on the same device, but found ${device} and ${t.device} (shapes ${call.inputs.map((x) => fmtShape(x.shape)).join(", ")})`);
    }
  }
  return device ?? "cpu";
}

const isSafeInt = (v: unknown): boolean => typeof v === "number" && Number.isSafeInteger(v);

/** view's contract (primitive_checks.ts reads the storage's length, which would realize it). */
function checkViewExtent(a: PrimitiveAttrs["view"], numel: number): void {
  if (!Array.isArray(a.shape) || !a.shape.every((s) => isSafeInt(s) && s >= 0)) throw new ShapeError(`view: shape must be a list of non-negative integers, got ${String(a.shape)}`);
  if (!Array.isArray(a.strides) || a.strides.length !== a.shape.length || !a.strides.every(isSafeInt)) {
    throw new ShapeError(`view: strides must be ${a.shape.length} integers (one per dim of shape ${fmtShape(a.shape)}), got ${String(a.strides)}`);
  }
  if (!isSafeInt(a.offset) || a.offset < 0) throw new ShapeError(`view: offset must be an integer >= 0, got ${String(a.offset)}`);
  let lo = a.offset, hi = a.offset;
  for (let d = 0; d < a.shape.length; d++) {
    if (a.shape[d] === 0) return;
    const span = (a.shape[d]! - 1) * a.strides[d]!;
    if (span < 0) lo += span;
    else hi += span;
  }
  if (lo < 0 || hi >= numel) {
    throw new ShapeError(`view: shape ${fmtShape(a.shape)} with strides ${fmtShape(a.strides)} and offset ${a.offset} reaches elements ${lo}..${hi}, outside a storage of ${numel} elements`);
  }
}

function publicSuffix(): string {
  const stack = _publicOpStackRef();
  return stack.length ? ` in ${stack[stack.length - 1]}` : "";
}

/**
 * What made a host read: the innermost public op running (an op that reads values on the
 * host: "F.crossEntropy"), else the Tensor method the user called ("Tensor.item").
 */
function breakReason(): string {
  const stack = _publicOpStackRef();
  if (stack.length) return `host read in ${stack[stack.length - 1]}`;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const trace = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  // the outermost frame of a Tensor method or formatTensor: the read the user asked for.
  // Bundlers may rename them (esbuild: `var Tensor = class _Tensor`, `formatTensor2`).
  let name = "";
  for (const line of trace.split("\n")) {
    const m = /at (?:Proxy\.|Object\.)?(?:(_?Tensor\d*\.)([\w$]+)|(formatTensor)\d*)(?:\.[\w$<>]+)? \(/.exec(line);
    if (m) name = m[1] ? `Tensor.${m[2]}` : m[3]!;
  }
  return `host read${name ? ` in ${name}` : ""}`;
}
