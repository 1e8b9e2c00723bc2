/**
 * The slice of the WebGPU API this backend uses, typed structurally. Fluxion's published
 * declarations must not depend on `@webgpu/types` (a user's `tsc` would need it), so the few
 * interfaces are written here; `navigator.gpu` and Dawn's `create()` both satisfy them.
 */
export interface GpuBuffer {
  readonly size: number;
  destroy(): void;
  mapAsync(mode: number, offset?: number, size?: number): Promise<void>;
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  unmap(): void;
}
export interface GpuBindGroupLayout {
  readonly __brand?: "GPUBindGroupLayout";
}
export interface GpuPipelineLayout {
  readonly __brand?: "GPUPipelineLayout";
}
export interface GpuBindGroup {
  readonly __brand?: "GPUBindGroup";
}
export interface GpuComputePipeline {
  getBindGroupLayout(index: number): GpuBindGroupLayout;
}
/** A storage-buffer entry of a bind group layout ("read-only-storage" or "storage", visible to compute). */
export interface GpuBufferLayoutEntry {
  binding: number;
  visibility: number;
  buffer: { type: "read-only-storage" | "storage"; hasDynamicOffset?: boolean };
}
export interface GpuComputePass {
  setPipeline(p: GpuComputePipeline): void;
  setBindGroup(index: number, group: GpuBindGroup, dynamicOffsets?: number[]): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}
export interface GpuCommandEncoder {
  beginComputePass(): GpuComputePass;
  copyBufferToBuffer(src: GpuBuffer, srcOffset: number, dst: GpuBuffer, dstOffset: number, size: number): void;
  finish(): unknown;
}
export interface GpuLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly maxStorageBuffersPerShaderStage: number;
  readonly minStorageBufferOffsetAlignment: number;
}
export interface GpuDevice {
  readonly limits: GpuLimits;
  readonly queue: {
    writeBuffer(buffer: GpuBuffer, offset: number, data: ArrayBufferView | ArrayBuffer, dataOffset?: number, size?: number): void;
    submit(commands: unknown[]): void;
    onSubmittedWorkDone(): Promise<void>;
  };
  readonly lost: Promise<{ reason: string; message: string }>;
  onuncapturederror: ((ev: { error: { message: string } }) => void) | null;
  createBuffer(desc: { size: number; usage: number; mappedAtCreation?: boolean }): GpuBuffer;
  createShaderModule(desc: { code: string }): unknown;
  createComputePipeline(desc: { layout: "auto" | GpuPipelineLayout; compute: { module: unknown; entryPoint: string } }): GpuComputePipeline;
  createBindGroupLayout(desc: { entries: GpuBufferLayoutEntry[] }): GpuBindGroupLayout;
  createPipelineLayout(desc: { bindGroupLayouts: GpuBindGroupLayout[] }): GpuPipelineLayout;
  createBindGroup(desc: { layout: GpuBindGroupLayout; entries: { binding: number; resource: { buffer: GpuBuffer; offset?: number; size?: number } }[] }): GpuBindGroup;
  createCommandEncoder(): GpuCommandEncoder;
  destroy(): void;
}
export interface GpuAdapter {
  readonly features?: { has(name: string): boolean };
  readonly info?: { vendor?: string; architecture?: string; description?: string; device?: string };
  readonly limits: GpuLimits;
  requestDevice(desc?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<GpuDevice>;
}
export interface Gpu {
  requestAdapter(options?: { powerPreference?: "high-performance" | "low-power" }): Promise<GpuAdapter | null>;
}

/** GPUBufferUsage and GPUMapMode flags (the spec's values; Dawn's globals need not be installed). */
export const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80 } as const;
export const MAP_READ = 0x1;
/** GPUShaderStage.COMPUTE. */
export const COMPUTE_STAGE = 0x4;
