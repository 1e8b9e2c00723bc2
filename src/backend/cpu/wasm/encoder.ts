/**
 * A minimal WebAssembly binary writer: just what the generated kernels (./gemm_module.ts)
 * need — one imported memory, a few functions over i32 and v128 locals, structured
 * control flow, loads/stores and the SIMD arithmetic. Not a general assembler: no tables,
 * globals or data segments.
 */

/** Opcodes used by the kernels (single byte; SIMD ones follow the 0xfd prefix). */
export const op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, return: 0x0f, call: 0x10,
  select: 0x1b, localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Const: 0x41, i32Eqz: 0x45, i32Eq: 0x46, i32Ne: 0x47, i32LtU: 0x49, i32GtU: 0x4b, i32LeU: 0x4d, i32GeU: 0x4f,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32RemU: 0x70, i32And: 0x71, i32Shl: 0x74,
  f32Load: 0x2a, f32Store: 0x38, f32Const: 0x43,
} as const;

/** SIMD opcodes (LEB128-encoded after 0xfd). */
export const simd = {
  load: 0x00, load32Splat: 0x09, store: 0x0b, const: 0x0c,
  f32x4Add: 0xe4, f32x4Mul: 0xe6,
  /** relaxed-simd: a * b + c, fused or not as the hardware does it (deterministic per machine). */
  f32x4RelaxedMadd: 0x105,
} as const;

export const type = { i32: 0x7f, v128: 0x7b, void: 0x40 } as const;

function uleb(out: number[], v: number): void {
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
}

function sleb(out: number[], v: number): void {
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

/** One function body being written: locals are declared up front by type. */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly locals: number[] = [];

  constructor(readonly params: readonly number[], readonly results: readonly number[] = []) {}

  /** A new local of `t`; returns its index. */
  local(t: number): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }

  emit(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(i: number): this {
    this.code.push(op.localGet);
    uleb(this.code, i);
    return this;
  }
  set(i: number): this {
    this.code.push(op.localSet);
    uleb(this.code, i);
    return this;
  }
  i32(v: number): this {
    this.code.push(op.i32Const);
    sleb(this.code, v | 0);
    return this;
  }
  /** A control instruction with a block type (void unless given). */
  ctl(opcode: number, blockType: number = type.void): this {
    this.code.push(opcode, blockType);
    return this;
  }
  br(opcode: number, depth: number): this {
    this.code.push(opcode);
    uleb(this.code, depth);
    return this;
  }
  call(fn: number): this {
    this.code.push(op.call);
    uleb(this.code, fn);
    return this;
  }
  simd(opcode: number): this {
    this.code.push(0xfd);
    uleb(this.code, opcode);
    return this;
  }
  /** A scalar memory access (f32.load/f32.store) with its alignment (log2 bytes) and offset. */
  scalarMem(opcode: number, alignLog2: number, offset: number): this {
    this.code.push(opcode);
    uleb(this.code, alignLog2);
    uleb(this.code, offset);
    return this;
  }
  /** A SIMD memory access with its alignment (log2 bytes) and constant byte offset. */
  mem(opcode: number, alignLog2: number, offset: number): this {
    this.simd(opcode);
    uleb(this.code, alignLog2);
    uleb(this.code, offset);
    return this;
  }

  /** The encoded body: local declarations (run-length by type), code, end. */
  body(): number[] {
    const groups: [number, number][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const out: number[] = [];
    uleb(out, groups.length);
    for (const [n, t] of groups) {
      uleb(out, n);
      out.push(t);
    }
    out.push(...this.code, op.end);
    const sized: number[] = [];
    uleb(sized, out.length);
    return sized.concat(out);
  }
}

export interface ModuleSpec {
  /** The imported memory ("env"."memory"); shared memories need a maximum. */
  memory: { initialPages: number; maximumPages?: number; shared?: boolean };
  functions: { name?: string; fn: FunctionBuilder }[];
}

function section(out: number[], id: number, content: number[]): void {
  out.push(id);
  uleb(out, content.length);
  out.push(...content);
}

function name(out: number[], s: string): void {
  uleb(out, s.length);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
}

/** Encodes a module: one type per function, the memory import, the named exports. */
export function encodeModule(spec: ModuleSpec): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  uleb(types, spec.functions.length);
  for (const { fn } of spec.functions) {
    types.push(0x60);
    uleb(types, fn.params.length);
    types.push(...fn.params);
    uleb(types, fn.results.length);
    types.push(...fn.results);
  }
  section(out, 1, types);
  const imports: number[] = [1];
  name(imports, "env");
  name(imports, "memory");
  const m = spec.memory;
  imports.push(0x02, (m.maximumPages !== undefined ? 1 : 0) | (m.shared ? 2 : 0));
  uleb(imports, m.initialPages);
  if (m.maximumPages !== undefined) uleb(imports, m.maximumPages);
  section(out, 2, imports);
  const funcs: number[] = [];
  uleb(funcs, spec.functions.length);
  spec.functions.forEach((_, i) => uleb(funcs, i));
  section(out, 3, funcs);
  const exported = spec.functions.map((f, i) => [f.name, i] as const).filter((e): e is readonly [string, number] => e[0] !== undefined);
  const exports: number[] = [];
  uleb(exports, exported.length);
  for (const [n, i] of exported) {
    name(exports, n);
    exports.push(0x00);
    uleb(exports, i);
  }
  section(out, 7, exports);
  const code: number[] = [];
  uleb(code, spec.functions.length);
  for (const { fn } of spec.functions) code.push(...fn.body());
  section(out, 10, code);
  return Uint8Array.from(out);
}
