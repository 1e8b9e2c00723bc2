/**
 * Random numbers: a counter-based generator, Philox4x32-10 (philox.ts has the algorithm and the
 * exact mapping to values), so the same seed gives the same numbers on every platform and
 * device, and a kernel can draw any element on its own (in parallel, on a GPU). The state is a
 * 64-bit key (the seed) and a 64-bit offset that each draw advances past the blocks it used,
 * like PyTorch's philox seed and offset. `manualSeed` reseeds the default generator; a
 * `Generator` can also be passed per call (`randn([2, 3], { generator })`), as in PyTorch.
 */
import { FluxionError } from "../errors.js";
import { describeValue } from "../api/args.js";
import { below64, normal53, philoxBlock, u53, type PhiloxDraw } from "./philox.js";

const TWO_POW_32 = 4294967296;

/**
 * A Philox random stream: seed (key) and offset. Pass one per call or use the default.
 * @example const g = new Generator(0); const s = g.getState(); randn([3], { generator: g }); g.setState(s) // replays
 */
export class Generator {
  private key0 = 0;
  private key1 = 0;
  private offset0 = 0;
  private offset1 = 0;
  private _seed = 0;
  /** One block's words for the scalar draws (nextUint32 and the rest). */
  private readonly words = new Uint32Array(4);
  /**
   * @internal Set while a compile()d call has recorded draws from this generator that have
   * not run yet: any other use of its state runs them first, so the numbers are eager's.
   */
  _lazy: { realize(): void } | null = null;

  constructor(seed?: number) {
    this.manualSeed(seed ?? Date.now() ^ Math.floor(Math.random() * 0x7fffffff));
  }

  /**
   * Reseeds the generator (the key becomes the seed, the offset 0); returns it so
   * `new Generator().manualSeed(1)` chains. Like torch.manual_seed the seed is an integer
   * (fractions are truncated; negatives are taken as their 64-bit two's complement), and every
   * 64-bit seed gives its own stream.
   */
  manualSeed(seed: number): this {
    if (this._lazy !== null) this._lazy.realize();
    if (!Number.isFinite(seed)) throw new FluxionError(`manualSeed: seed must be a finite number, got ${seed}`);
    this._seed = Math.trunc(seed);
    const key = BigInt.asUintN(64, BigInt(this._seed));
    this.key0 = Number(key & 0xffffffffn);
    this.key1 = Number(key >> 32n);
    this.offset0 = this.offset1 = 0;
    return this;
  }

  initialSeed(): number {
    return this._seed;
  }

  /**
   * The full state, for saving and restoring: [key low, key high, offset low, offset high],
   * four unsigned 32-bit words (the offset counts 128-bit Philox blocks). setState also takes
   * the uint8 tensor getRngState() returns (torch.Generator.set_state's ByteTensor).
   */
  getState(): number[] {
    if (this._lazy !== null) this._lazy.realize();
    return [this.key0, this.key1, this.offset0, this.offset1];
  }
  setState(state: readonly number[] | { readonly dtype: string; readonly shape: readonly number[]; toTypedArray(): unknown }): void {
    if (this._lazy !== null) this._lazy.realize();
    // a uint8 state tensor from getRngState() (16 bytes: the same four words, little-endian)
    if (state !== null && typeof state === "object" && !Array.isArray(state) && "dtype" in state && typeof state.toTypedArray === "function") {
      const t = state as { readonly dtype: string; readonly shape: readonly number[]; toTypedArray(): unknown };
      if (t.dtype !== "uint8" || t.shape.length !== 1 || t.shape[0] !== 16) {
        throw new FluxionError(`Generator.setState: a state tensor must be uint8 of shape [16] (from getRngState()), got ${t.dtype} of shape [${t.shape.join(", ")}]`);
      }
      state = Array.from(new Uint32Array(Uint8Array.from(t.toTypedArray() as Uint8Array).buffer));
    }
    if (!Array.isArray(state)) throw new FluxionError(`Generator.setState: expected an array of 4 numbers (from getState()), got ${describeValue(state)}`);
    if (state.length !== 4) throw new FluxionError(`Generator.setState: expected 4 numbers (key low, key high, offset low, offset high), got ${state.length}`);
    if (!state.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32)) {
      throw new FluxionError(`Generator.setState: the state must be 4 unsigned 32-bit integers, got [${state.join(", ")}]`);
    }
    [this.key0, this.key1, this.offset0, this.offset1] = state as [number, number, number, number];
    // the seed the key came from, as manualSeed would have taken it (negative when the top bit is set)
    this._seed = Number(BigInt.asIntN(64, (BigInt(this.key1) << 32n) | BigInt(this.key0)));
  }

  /**
   * @internal Reserves `blocks` Philox blocks for one draw and advances the offset past them:
   * the draw's key and first block (element i of the draw depends on these and i only).
   */
  _reserve(blocks: number): PhiloxDraw {
    if (this._lazy !== null) this._lazy.realize();
    const draw = { key0: this.key0, key1: this.key1, offset0: this.offset0, offset1: this.offset1 };
    const lo = this.offset0 + blocks; // blocks < 2^53 / 2: exact
    this.offset0 = lo % TWO_POW_32;
    this.offset1 = (this.offset1 + Math.floor(lo / TWO_POW_32)) % TWO_POW_32;
    return draw;
  }

  /** The words of one fresh block (each scalar draw below uses one block). */
  private block(): Uint32Array {
    philoxBlock(this._reserve(1), 0, this.words);
    return this.words;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    return this.block()[0]!;
  }

  /** Uniform in [0, 1) with 53 random bits: `rand([1], { dtype: "float64" })`'s value. */
  nextDouble(): number {
    const w = this.block();
    return u53(w[0]!, w[1]!);
  }

  /** Uniform in [0, 1) with 24 random bits: exactly representable in float32, never 1 (`rand([1])`'s value). */
  nextFloat(): number {
    return (this.block()[0]! >>> 8) / 16777216;
  }

  /** Standard normal (Box-Muller on 53-bit uniforms): `randn([1], { dtype: "float64" })`'s value. */
  nextNormal(): number {
    return normal53(this.block(), 0);
  }

  /** Uniform integer in [0, n) (64 random bits scaled: bias at most n / 2^64): `randint(0, n, [1])`'s value. */
  nextBelow(n: number): number {
    const w = this.block();
    return below64(w[0]!, w[1]!, n);
  }
}

/** The generator used when a call passes none. */
export const defaultGenerator = new Generator(0x5eed);

/** Seeds the default generator (torch.manual_seed). */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
