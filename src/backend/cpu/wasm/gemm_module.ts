/**
 * Generates the WebAssembly SIMD float32 GEMM module: a register-blocked MR x NR
 * micro-kernel (NR = 4 * NV lanes), the cache-blocking loops around it, and the packing of
 * strided operands (copied into the module's memory by ./gemm.ts) into the panels it reads:
 *   A as row panels  [M/MR][K][MR]  (MR rows of A interleaved per k),
 *   B as column panels [N/NR][K][NR],
 *   C row-major with a padded leading dimension (M, N rounded up to MR, NR).
 * The module is generated rather than compiled from C so that it needs no toolchain, stays
 * a few KB (browsers compile modules under 4 KB synchronously on the main thread), and
 * comes in two flavours picked at run time: f32x4.relaxed_madd where the engine validates
 * relaxed-simd (one fused op and no temporary register: 6x8 fits x86's 16 vector
 * registers), f32x4.mul + f32x4.add otherwise.
 *
 * Summation order per output is fixed (k ascending, K blocks in order), whatever the
 * blocking or the column range a thread takes, so results are deterministic.
 */
import { encodeModule, FunctionBuilder, op, simd, type } from "./encoder.js";

export interface GemmModuleOptions {
  /** Rows per micro-tile. */
  mr: number;
  /** f32x4 vectors per micro-tile row (NR = 4 * nv). */
  nv: number;
  /** Use f32x4.relaxed_madd (relaxed-simd) instead of mul + add. */
  relaxed: boolean;
  /** Import a shared memory (threads); needs maximumPages. */
  shared?: boolean;
  maximumPages?: number;
  /** How many k steps the micro-kernel's main loop does per iteration. */
  unroll?: number;
}

const { i32, v128 } = type;

/**
 * kernel(kc, ap, bp, cp, ldcBytes, accumulate): the MR x NR tile at cp (rows ldcBytes
 * apart) is set to, or with accumulate != 0 incremented by, the product of the packed
 * panels ap (kc x MR) and bp (kc x NR).
 */
function microKernel(o: GemmModuleOptions): FunctionBuilder {
  const { mr, nv } = o;
  const unroll = o.unroll ?? 2;
  const f = new FunctionBuilder([i32, i32, i32, i32, i32, i32]);
  const [kc, ap, bp, cp, ldc, accumulate] = [0, 1, 2, 3, 4, 5];
  const acc: number[] = [];
  for (let i = 0; i < mr * nv; i++) acc.push(f.local(v128)); // locals start at zero
  const bv: number[] = [];
  for (let j = 0; j < nv; j++) bv.push(f.local(v128));
  const av = f.local(v128);
  const end = f.local(i32);

  /** One k step, reading the panels `u` steps past ap/bp. */
  const step = (u: number) => {
    for (let j = 0; j < nv; j++) f.get(bp).mem(simd.load, 4, (u * nv * 4 + j * 4) * 4).set(bv[j]!);
    for (let i = 0; i < mr; i++) {
      f.get(ap).mem(simd.load32Splat, 2, (u * mr + i) * 4).set(av);
      for (let j = 0; j < nv; j++) {
        const c = acc[i * nv + j]!;
        if (o.relaxed) f.get(av).get(bv[j]!).get(c).simd(simd.f32x4RelaxedMadd).set(c);
        else f.get(c).get(av).get(bv[j]!).simd(simd.f32x4Mul).simd(simd.f32x4Add).set(c);
      }
    }
  };
  /** while (ap != end) { `steps` k steps; advance } */
  const loop = (steps: number) => {
    f.ctl(op.block).get(ap).get(end).emit(op.i32Eq).br(op.brIf, 0);
    f.ctl(op.loop);
    for (let u = 0; u < steps; u++) step(u);
    f.get(ap).i32(steps * mr * 4).emit(op.i32Add).set(ap);
    f.get(bp).i32(steps * nv * 16).emit(op.i32Add).set(bp);
    f.get(ap).get(end).emit(op.i32Ne).br(op.brIf, 0);
    f.emit(op.end, op.end);
  };
  // end = ap + (kc rounded down to the unroll) * MR * 4
  f.get(ap).get(kc).i32(-unroll).emit(op.i32And).i32(mr * 4).emit(op.i32Mul, op.i32Add).set(end);
  loop(unroll);
  f.get(ap).get(kc).i32(unroll - 1).emit(op.i32And).i32(mr * 4).emit(op.i32Mul, op.i32Add).set(end);
  loop(1);
  // store (or add into) the tile, row by row
  const rows = (add: boolean) => {
    for (let i = 0; i < mr; i++) {
      for (let j = 0; j < nv; j++) {
        f.get(cp);
        if (add) f.get(cp).mem(simd.load, 4, j * 16).get(acc[i * nv + j]!).simd(simd.f32x4Add);
        else f.get(acc[i * nv + j]!);
        f.mem(simd.store, 4, j * 16);
      }
      if (i < mr - 1) f.get(cp).get(ldc).emit(op.i32Add).set(cp);
    }
  };
  f.get(accumulate).ctl(op.if);
  rows(true);
  f.emit(op.else);
  rows(false);
  f.emit(op.end);
  return f;
}

/**
 * gemm(ap, bp, cp, Mp, K, ldc, jBegin, jEnd, kcBlock, mcBlock): C[0:Mp, jBegin:jEnd] =
 * A @ B for packed A (Mp rows) and B (ldc columns), K >= 1, Mp > 0 and jBegin < jEnd, all
 * multiples of the tile (byte pointers, element counts). Loops: K blocks of kcBlock; row
 * blocks of mcBlock (their A panels stay in L2); column panels (one B panel stays in L1);
 * the rows' micro-tiles.
 */
function driver(o: GemmModuleOptions): FunctionBuilder {
  const mr = o.mr, nr = o.nv * 4;
  const f = new FunctionBuilder([i32, i32, i32, i32, i32, i32, i32, i32, i32, i32]);
  const [ap, bp, cp, Mp, K, ldc, jBegin, jEnd, kcBlock, mcBlock] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const pc = f.local(i32), kcur = f.local(i32), ic = f.local(i32), icEnd = f.local(i32), jr = f.local(i32), ir = f.local(i32);
  const loopEnd = (counter: number, step: (g: FunctionBuilder) => void, limit: number) => {
    f.get(counter);
    step(f);
    f.emit(op.i32Add).set(counter).get(counter).get(limit).emit(op.i32LtU).br(op.brIf, 0).emit(op.end);
  };
  f.ctl(op.loop); // pc
  // kcur = min(kcBlock, K - pc)
  f.get(kcBlock).get(K).get(pc).emit(op.i32Sub).get(kcBlock).get(K).get(pc).emit(op.i32Sub).emit(op.i32LtU, op.select).set(kcur);
  f.i32(0).set(ic);
  f.ctl(op.loop); // ic
  // icEnd = min(ic + mcBlock, Mp)
  f.get(ic).get(mcBlock).emit(op.i32Add).get(Mp).get(ic).get(mcBlock).emit(op.i32Add).get(Mp).emit(op.i32LtU, op.select).set(icEnd);
  f.get(jBegin).set(jr);
  f.ctl(op.loop); // jr
  f.get(ic).set(ir);
  f.ctl(op.loop); // ir
  f.get(kcur);
  f.get(ap).get(ir).get(K).emit(op.i32Mul).get(pc).i32(mr).emit(op.i32Mul, op.i32Add).i32(4).emit(op.i32Mul, op.i32Add);
  f.get(bp).get(jr).get(K).emit(op.i32Mul).get(pc).i32(nr).emit(op.i32Mul, op.i32Add).i32(4).emit(op.i32Mul, op.i32Add);
  f.get(cp).get(ir).get(ldc).emit(op.i32Mul).get(jr).emit(op.i32Add).i32(4).emit(op.i32Mul, op.i32Add);
  f.get(ldc).i32(4).emit(op.i32Mul);
  f.get(pc);
  f.call(0);
  loopEnd(ir, (g) => g.i32(mr), icEnd);
  loopEnd(jr, (g) => g.i32(nr), jEnd);
  loopEnd(ic, (g) => g.get(mcBlock), Mp);
  loopEnd(pc, (g) => g.get(kcBlock), K);
  return f;
}

/**
 * pack(src, strideP, strideK, count, K, dst) for panels of P lines of a strided matrix:
 * dst[(r - r % P) * K + k * P + r % P] = src[r * strideP + k * strideK] for r < count,
 * zero for count <= r < count rounded up to P. A (lines = rows: strideP is its row stride)
 * and B (lines = columns) alike. Byte pointers, element strides (negative ones included).
 * Written panel by panel, k by k, so dst fills in order and a row-major B is read in order.
 */
function pack(P: number): FunctionBuilder {
  const f = new FunctionBuilder([i32, i32, i32, i32, i32, i32]);
  const [src, strideP, strideK, count, K, dst] = [0, 1, 2, 3, 4, 5];
  const p0 = f.local(i32), w = f.local(i32), k = f.local(i32), line = f.local(i32), s = f.local(i32), i = f.local(i32);
  const stepP = f.local(i32), stepK = f.local(i32);
  const advance = (x: number, by: number) => f.get(x).get(by).emit(op.i32Add).set(x);
  const bump = (x: number, by: number) => f.get(x).i32(by).emit(op.i32Add).set(x);
  f.get(strideP).i32(4).emit(op.i32Mul).set(stepP);
  f.get(strideK).i32(4).emit(op.i32Mul).set(stepK);
  f.ctl(op.loop); // panels
  // w = min(P, count - p0); line = src + p0 * strideP * 4 (line p0 at k = 0)
  f.i32(P).get(count).get(p0).emit(op.i32Sub).i32(P).get(count).get(p0).emit(op.i32Sub).emit(op.i32LeU, op.select).set(w);
  f.get(src).get(p0).get(stepP).emit(op.i32Mul, op.i32Add).set(line);
  f.i32(0).set(k);
  f.ctl(op.loop); // k
  f.get(line).set(s);
  f.get(w).i32(P).emit(op.i32Eq).ctl(op.if);
  // a full panel: P copies, unrolled
  for (let j = 0; j < P; j++) {
    f.get(dst).get(s).scalarMem(op.f32Load, 2, 0).scalarMem(op.f32Store, 2, j * 4);
    if (j < P - 1) advance(s, stepP);
  }
  bump(dst, P * 4);
  f.emit(op.else);
  // the last, partial panel: w copies, then zeros
  f.i32(0).set(i);
  f.ctl(op.loop).get(dst).get(s).scalarMem(op.f32Load, 2, 0).scalarMem(op.f32Store, 2, 0);
  advance(s, stepP);
  bump(dst, 4);
  bump(i, 1);
  f.get(i).get(w).emit(op.i32LtU).br(op.brIf, 0).emit(op.end);
  f.ctl(op.loop).get(dst).emit(op.f32Const, 0, 0, 0, 0).scalarMem(op.f32Store, 2, 0);
  bump(dst, 4);
  bump(i, 1);
  f.get(i).i32(P).emit(op.i32LtU).br(op.brIf, 0).emit(op.end);
  f.emit(op.end);
  advance(line, stepK);
  bump(k, 1);
  f.get(k).get(K).emit(op.i32LtU).br(op.brIf, 0).emit(op.end);
  bump(p0, P);
  f.get(p0).get(count).emit(op.i32LtU).br(op.brIf, 0).emit(op.end);
  return f;
}

/** The module's bytes: exports "kernel" (function 0), "gemm", "packA" (MR lines a panel) and "packB" (NR); imports env.memory. */
export function gemmModule(o: GemmModuleOptions): Uint8Array {
  return encodeModule({
    memory: { initialPages: 1, maximumPages: o.maximumPages, shared: o.shared },
    functions: [{ name: "kernel", fn: microKernel(o) }, { name: "gemm", fn: driver(o) }, { name: "packA", fn: pack(o.mr) }, { name: "packB", fn: pack(o.nv * 4) }],
  });
}
