/**
 * The WebGPU runtime: one device, its memory (GpuMemory handles over pooled GPU buffers,
 * released by `dispose()`/Backend.release or by a FinalizationRegistry when a storage is
 * collected), a cache of compute pipelines by kernel key (KernelCode: the WGSL text is built
 * only when its key is new), kernel launch and asynchronous read-back. Kernels (the other files
 * of this folder) see only `alloc`, `upload`, `launch`.
 *
 * Every kernel binds: 0 = a small read-only i32 "meta" array (sizes, strides, offsets,
 * parameters), 1..k = its inputs (read-only), k+1 = its output (read_write). Launches are
 * encoded into one compute pass and submitted together (a submission costs far more than a
 * dispatch): at the end of the current JavaScript task (a microtask), before any upload or
 * read, and every MAX_BATCH launches. Their meta arrays go to 256-byte slots of one arena
 * buffer written just before the submission, bound at a dynamic offset, so a launch reuses the
 * bind group of an earlier one that bound the same buffers (bind_groups.ts). The queue keeps
 * launches in order, so a buffer given back to the pool can be reused by the next launch while
 * the previous one runs; an upload flushes first, so it never overtakes a launch encoded before it.
 *
 * Kernels cannot raise. One that checks its inputs (a class index in range) reports a bad one
 * in a small device-side error flag, and the next read raises the error it registered, as
 * CUDA's device-side asserts surface in PyTorch: no value computed after a bad input is ever
 * read as if it were right.
 */
import { DeviceError, FluxionError } from "../../errors.js";
import type { DeviceMemory, Storage } from "../../tensor/storage.js";
import { BindGroups } from "./bind_groups.js";
import { MAP_READ, USAGE, type GpuBuffer, type GpuCommandEncoder, type GpuComputePass, type GpuComputePipeline, type GpuDevice } from "./gpu_types.js";

/**
 * Launches a batch holds at most before it is submitted: enough to amortize a submission, few
 * enough that the GPU starts while the step is still being encoded (TF.js's WebGPU backend
 * submits every 15 dispatches for the same reason).
 */
const MAX_BATCH = 16;
/** The meta arena's first size (16 launches of up to 4 KiB of meta each). */
const MIN_META_ARENA = 64 << 10;
/** The bytes of the arena a launch's meta binding spans (more for a larger meta): one size, so one bind group serves every launch over the same buffers. */
const META_BINDING = 4 << 10;

/**
 * A kernel's WGSL, named by a key that is cheaper to build than the text and determines it: the
 * text is built once, when the key is first launched. (A WGSL string is its own key: right for
 * constant kernels, but hashing a fresh string of a few KiB on every launch is not free.)
 */
export interface KernelCode {
  key: string;
  wgsl(): string;
}

/** A compiled kernel and the number of read-only and writable buffers its layout binds after the meta. */
interface Kernel {
  pipeline: GpuComputePipeline;
  inputs: number;
  outputs: number;
}

/** A storage's device memory: one pooled GPU buffer (null once released). */
export class GpuMemory implements DeviceMemory {
  constructor(
    public buffer: GpuBuffer | null,
    readonly byteLength: number,
  ) {}
}

/** Buffers by bucket size, reused instead of created: creating GPU buffers is slow. */
class BufferPool {
  private readonly free = new Map<number, GpuBuffer[]>();
  private cachedBytes = 0;
  constructor(
    private readonly device: GpuDevice,
    /** Free bytes kept for reuse at most; beyond, returned buffers are destroyed. */
    private readonly maxCachedBytes: number,
    /** Destroys a buffer once no unsubmitted launch uses it. */
    private readonly destroy: (buffer: GpuBuffer) => void,
  ) {}
  /** Buffer sizes: powers of two up to 64 MiB, then multiples of 16 MiB. */
  static bucket(bytes: number): number {
    const b = Math.max(16, bytes);
    if (b <= 64 << 20) return 2 ** Math.ceil(Math.log2(b));
    return Math.ceil(b / (16 << 20)) * (16 << 20);
  }
  take(bytes: number): GpuBuffer {
    const size = BufferPool.bucket(bytes);
    const list = this.free.get(size);
    if (list && list.length > 0) {
      this.cachedBytes -= size;
      return list.pop()!;
    }
    return this.device.createBuffer({ size, usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST });
  }
  give(buffer: GpuBuffer): void {
    if (this.cachedBytes + buffer.size > this.maxCachedBytes) {
      this.destroy(buffer);
      return;
    }
    let list = this.free.get(buffer.size);
    if (!list) this.free.set(buffer.size, (list = []));
    list.push(buffer);
    this.cachedBytes += buffer.size;
  }
}

export class WebGPURuntime {
  private readonly kernels = new Map<string, Kernel>();
  readonly bindGroups: BindGroups;
  private readonly pool: BufferPool;
  /** GPU buffers of storages the garbage collector took: back to the pool. */
  private readonly collected: FinalizationRegistry<GpuBuffer>;
  /** The first validation or out-of-memory error the device reported since the last read. */
  private deviceError: string | null = null;
  private lostReason: string | null = null;
  readonly maxWorkgroups: number;
  /** [code, value, 0, 0]: the first failing check's code (see check()) and the value it saw. */
  private readonly errorFlag: GpuMemory;
  /** The errors of the checking launches not yet known to have passed, by sequence number. */
  private readonly checks = new Map<number, (value: number) => FluxionError>();
  private checkSeq = 0;
  /** The launches encoded since the last submission (null: none). */
  private batch: { encoder: GpuCommandEncoder; pass: GpuComputePass; launches: number; pipeline: GpuComputePipeline | null } | null = null;
  /** The meta arrays of the batch: host staging, and the arena buffer it is written to. */
  private metaStaging = new Int32Array(MIN_META_ARENA / 4);
  private metaArena: GpuBuffer;
  private metaUsed = 0;
  private readonly metaAlign: number;
  /** Buffers the pool let go while a batch was open: destroyed after its submission. */
  private doomed: GpuBuffer[] = [];

  constructor(
    readonly device: GpuDevice,
    /** The adapter, in words ("SwiftShader driver 5.0.0"). */
    readonly description: string,
    /** What every shader starts with (HALF_HEADER where the device stores float16). */
    private readonly header = "",
  ) {
    this.bindGroups = new BindGroups(device);
    this.pool = new BufferPool(device, 512 << 20, (b) => (this.batch === null ? b.destroy() : this.doomed.push(b)));
    this.metaAlign = Math.max(16, device.limits.minStorageBufferOffsetAlignment ?? 256);
    this.metaArena = device.createBuffer({ size: MIN_META_ARENA, usage: USAGE.STORAGE | USAGE.COPY_DST });
    this.collected = new FinalizationRegistry((buffer) => this.pool.give(buffer));
    this.maxWorkgroups = device.limits.maxComputeWorkgroupsPerDimension;
    device.onuncapturederror = (ev) => {
      this.deviceError ??= ev.error.message;
    };
    void device.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message}`;
    });
    this.errorFlag = new GpuMemory(device.createBuffer({ size: 16, usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST }), 16);
    this.upload(this.errorFlag, new Int32Array(4));
  }

  /**
   * Registers a check for the next launch (pass `checks: true` to it) and returns its code, to
   * put in the kernel's meta: a failing invocation calls `fail(code, value)` (ERROR_FLAG_WGSL),
   * and the next read raises `error(value)`. Earlier launches win (their codes are larger).
   */
  check(error: (value: number) => FluxionError): number {
    const seq = this.checkSeq++;
    this.checks.set(seq, error);
    return 0x7fffffff - (seq % 0x7fffffff);
  }

  /** New device memory of `byteLength` bytes (contents undefined: kernels write every element). */
  alloc(byteLength: number): GpuMemory {
    this.checkAlive("alloc");
    const limit = this.device.limits.maxStorageBufferBindingSize;
    if (byteLength > limit) {
      throw new DeviceError(`webgpu: a tensor of ${byteLength} bytes exceeds this device's largest storage buffer (${limit} bytes)`);
    }
    const buffer = this.pool.take(byteLength);
    const mem = new GpuMemory(buffer, byteLength);
    this.collected.register(mem, buffer, mem);
    return mem;
  }

  /** Gives `mem`'s buffer back to the pool now; later uses of it raise. */
  release(mem: GpuMemory): void {
    if (mem.buffer === null) return;
    this.collected.unregister(mem);
    this.pool.give(mem.buffer);
    mem.buffer = null;
  }

  upload(mem: GpuMemory, data: ArrayBufferView, byteOffset = 0): void {
    if (data.byteLength === 0) return;
    this.flush(); // the write must not overtake launches encoded before it
    if (data.byteLength % 4 !== 0) {
      // writes go in whole words (float16's odd counts): padded, within the pooled buffer's bucket
      const padded = new Uint8Array(Math.ceil(data.byteLength / 4) * 4);
      padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      data = padded;
    }
    this.device.queue.writeBuffer(buffer(mem), byteOffset, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  }

  /** The pipeline of `code`, whose layout binds `inputs` read-only and `outputs` writable buffers after the meta. */
  private pipeline(code: string | KernelCode, inputs: number, outputs: number): GpuComputePipeline {
    const key = typeof code === "string" ? code : code.key;
    let k = this.kernels.get(key);
    if (!k) {
      const module = this.device.createShaderModule({ code: this.header + (typeof code === "string" ? code : code.wgsl()) });
      const layout = this.bindGroups.pipelineLayout(inputs, outputs);
      k = { pipeline: this.device.createComputePipeline({ layout, compute: { module, entryPoint: "main" } }), inputs, outputs };
      this.kernels.set(key, k);
    } else if (k.inputs !== inputs || k.outputs !== outputs) {
      // a key must determine the text, bindings included: this is a bug in the kernel's key
      throw new FluxionError(`webgpu: kernel "${key.slice(0, 80)}" binds ${k.inputs} inputs and ${k.outputs} outputs, but was launched with ${inputs} and ${outputs}`);
    }
    return k.pipeline;
  }

  /**
   * Runs the WGSL `code` over `groups` workgroups (x, y, z) with meta (binding 0), the input
   * buffers (read-only) and the output buffers (then the error flag with `checks`) bound in order.
   */
  launch(code: string | KernelCode, meta: Int32Array, inputs: readonly GpuMemory[], output: GpuMemory | readonly GpuMemory[], groups: readonly [number, number, number], checks = false): void {
    this.checkAlive("launch");
    if (groups[0] === 0 || groups[1] === 0 || groups[2] === 0) return;
    const outputs = output instanceof GpuMemory ? [output] : output;
    const buffers: GpuBuffer[] = [];
    for (const m of inputs) buffers.push(buffer(m));
    for (const m of outputs) buffers.push(buffer(m));
    if (checks) buffers.push(buffer(this.errorFlag));
    const pipeline = this.pipeline(code, inputs.length, buffers.length - inputs.length);
    const metaBytes = Math.max(16, meta.byteLength);
    const slot = Math.ceil(metaBytes / this.metaAlign) * this.metaAlign;
    const span = metaBytes <= META_BINDING ? META_BINDING : 2 ** Math.ceil(Math.log2(metaBytes));
    if (this.metaUsed + span > this.metaStaging.byteLength) {
      this.flush();
      if (span > this.metaStaging.byteLength) this.growMetaArena(span);
    }
    const metaOffset = this.metaUsed;
    this.metaStaging.set(meta, metaOffset / 4);
    this.metaUsed += slot;
    const group = this.bindGroups.group(this.metaArena, span, buffers, inputs.length);
    if (this.batch === null) {
      const encoder = this.device.createCommandEncoder();
      this.batch = { encoder, pass: encoder.beginComputePass(), launches: 0, pipeline: null };
      queueMicrotask(() => this.flush()); // the rest of this task's launches join the batch
    }
    const pass = this.batch.pass;
    if (this.batch.pipeline !== pipeline) pass.setPipeline((this.batch.pipeline = pipeline));
    pass.setBindGroup(0, group, [metaOffset]);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    if (++this.batch.launches >= MAX_BATCH) this.flush();
  }

  /** Submits the launches encoded so far (their meta arena first). */
  flush(): void {
    const batch = this.batch;
    if (batch === null) return;
    this.batch = null;
    batch.pass.end();
    this.device.queue.writeBuffer(this.metaArena, 0, this.metaStaging.buffer as ArrayBuffer, 0, this.metaUsed);
    this.device.queue.submit([batch.encoder.finish()]);
    this.metaUsed = 0;
    for (const b of this.doomed) b.destroy(); // after the submission that used them
    this.doomed = [];
  }

  /** A meta arena of at least `bytes` (called between batches, so the old one is free to go). */
  private growMetaArena(bytes: number): void {
    const size = 2 ** Math.ceil(Math.log2(bytes));
    this.metaArena.destroy();
    this.metaArena = this.device.createBuffer({ size, usage: USAGE.STORAGE | USAGE.COPY_DST });
    this.metaStaging = new Int32Array(size / 4);
  }

  /** Workgroup counts (x, y) covering `n` workgroups within the per-dimension limit. */
  grid(n: number): [number, number, number] {
    if (n <= this.maxWorkgroups) return [n, 1, 1];
    const y = Math.ceil(n / this.maxWorkgroups);
    if (y > this.maxWorkgroups) throw new DeviceError(`webgpu: ${n} workgroups exceed this device's grid (${this.maxWorkgroups}²)`);
    return [Math.ceil(n / y), y, 1];
  }

  /** `byteLength` bytes of `mem` from `byteOffset`, once the queued work has written them. */
  async read(mem: GpuMemory, byteOffset: number, byteLength: number): Promise<ArrayBuffer> {
    this.checkAlive("read");
    this.flush();
    this.throwDeviceError();
    if (byteLength === 0) return new ArrayBuffer(0);
    // copies go in whole words: a float16 range may start or end in the middle of one
    const start = byteOffset - (byteOffset % 4);
    const size = Math.ceil((byteOffset + byteLength - start) / 4) * 4;
    // the error flag comes back with the values: it holds the checks of every launch before this read
    const staging = this.device.createBuffer({ size: size + 16, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(buffer(mem), start, staging, 0, size);
    enc.copyBufferToBuffer(buffer(this.errorFlag), 0, staging, size, 16);
    const checked = this.checkSeq;
    this.device.queue.submit([enc.finish()]);
    try {
      await staging.mapAsync(MAP_READ);
      this.throwDeviceError();
      const all = staging.getMappedRange();
      const flag = new Int32Array(all.slice(size, size + 16));
      if (flag[0] !== 0) {
        this.upload(this.errorFlag, new Int32Array(4));
        const error = this.checks.get(0x7fffffff - flag[0]!);
        this.checks.clear();
        throw error ? error(flag[1]!) : new FluxionError("webgpu: a kernel reported an invalid input (its check is no longer known)");
      }
      for (const seq of this.checks.keys()) if (seq < checked) this.checks.delete(seq);
      return all.slice(byteOffset - start, byteOffset - start + byteLength);
    } finally {
      staging.destroy();
    }
  }

  /** A kernel the device refused (a bug here, or out of memory) must not pass for a result. */
  private throwDeviceError(): void {
    const e = this.deviceError;
    if (e === null) return;
    this.deviceError = null;
    throw new FluxionError(`webgpu: the device reported an error, so the results read now may be wrong: ${e}`);
  }

  private checkAlive(what: string): void {
    if (this.lostReason !== null) throw new DeviceError(`webgpu ${what}: the GPU device was lost (${this.lostReason}); call initWebGPU() again`);
  }
}

/** The WGSL of a checking kernel's error flag, bound after its output (launch with checks). */
export function errorFlagWgsl(binding: number): string {
  return [
    `@group(0) @binding(${binding}) var<storage, read_write> err: array<atomic<i32>, 4>;`,
    `fn fail(code: i32, value: i32) { let old = atomicMax(&err[0], code); if (old < code) { atomicStore(&err[1], value); } }`,
  ].join("\n");
}

function buffer(mem: GpuMemory): GpuBuffer {
  if (mem.buffer === null) throw new DeviceError("webgpu: this tensor's memory was released (dispose()) and cannot be used any more");
  return mem.buffer;
}

/** The GpuMemory of a webgpu storage. */
export function memoryOf(s: Storage): GpuMemory {
  if (!(s.memory instanceof GpuMemory)) throw new DeviceError(`webgpu: a storage on ${s.device} holds no WebGPU memory`);
  return s.memory;
}
