/**
 * Kernel bindings without a per-launch bind group. Every kernel binds the same shape of
 * layout (runtime.ts): 0 = its meta array, at a dynamic offset into the runtime's meta arena,
 * then its inputs (read-only), then its outputs (writable). So a layout depends only on how
 * many inputs and outputs a kernel has, and a bind group only on which GPU buffers a launch
 * binds, not on its meta: bind groups are kept by those buffers and reused when the same ones
 * recur, as they do in a loop whose temporaries go back to the buffer pool and come out again.
 *
 * A cached bind group is never stale: it names GPU buffers, not tensors. A pooled buffer that
 * now holds another tensor is still the buffer the group binds, so the group is right for any
 * launch binding that buffer; a destroyed buffer belongs to no live tensor, so no launch looks
 * its groups up again (buffer ids are never reused), and they wait for eviction.
 */
import { COMPUTE_STAGE, type GpuBindGroup, type GpuBindGroupLayout, type GpuBuffer, type GpuBufferLayoutEntry, type GpuDevice, type GpuPipelineLayout } from "./gpu_types.js";

/** Bind groups kept at most; beyond, the oldest go (a miss only costs a createBindGroup). */
const MAX_GROUPS = 4096;

interface Layout {
  group: GpuBindGroupLayout;
  pipeline: GpuPipelineLayout;
}

export class BindGroups {
  private readonly layouts = new Map<number, Layout>();
  private readonly groups = new Map<string, GpuBindGroup>();
  private readonly ids = new WeakMap<GpuBuffer, number>();
  private nextId = 1;
  /** Lookups and misses since creation (tests read them). */
  hits = 0;
  misses = 0;

  constructor(private readonly device: GpuDevice) {}

  /** The layout of kernels binding the meta, `inputs` read-only and `outputs` writable buffers. */
  private layout(inputs: number, outputs: number): Layout {
    const sig = inputs * 1024 + outputs;
    let l = this.layouts.get(sig);
    if (!l) {
      const entries: GpuBufferLayoutEntry[] = [{ binding: 0, visibility: COMPUTE_STAGE, buffer: { type: "read-only-storage", hasDynamicOffset: true } }];
      for (let i = 0; i < inputs + outputs; i++) {
        entries.push({ binding: i + 1, visibility: COMPUTE_STAGE, buffer: { type: i < inputs ? "read-only-storage" : "storage" } });
      }
      const group = this.device.createBindGroupLayout({ entries });
      l = { group, pipeline: this.device.createPipelineLayout({ bindGroupLayouts: [group] }) };
      this.layouts.set(sig, l);
    }
    return l;
  }

  pipelineLayout(inputs: number, outputs: number): GpuPipelineLayout {
    return this.layout(inputs, outputs).pipeline;
  }

  /**
   * The bind group of `metaSize` bytes of `meta` (from the dynamic offset the launch gives) and
   * `buffers`, the first `inputs` of them read-only and the rest writable.
   */
  group(meta: GpuBuffer, metaSize: number, buffers: readonly GpuBuffer[], inputs: number): GpuBindGroup {
    let key = `${inputs}:${metaSize}:${this.id(meta)}`;
    for (const b of buffers) key += `,${this.id(b)}`;
    let g = this.groups.get(key);
    if (g) {
      this.hits++;
      return g;
    }
    this.misses++;
    const entries = [{ binding: 0, resource: { buffer: meta, offset: 0, size: metaSize } }];
    buffers.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer, offset: 0, size: buffer.size } }));
    g = this.device.createBindGroup({ layout: this.layout(inputs, buffers.length - inputs).group, entries });
    if (this.groups.size >= MAX_GROUPS) this.groups.delete(this.groups.keys().next().value!);
    this.groups.set(key, g);
    return g;
  }

  private id(b: GpuBuffer): number {
    let id = this.ids.get(b);
    if (id === undefined) this.ids.set(b, (id = this.nextId++));
    return id;
  }
}
