/**
 * Random numbers: xoshiro128** seeded through splitmix64, so the same seed gives the same
 * numbers on every platform. `manualSeed` reseeds the default generator; a `Generator` can
 * also be passed per call (`randn([2, 3], { generator })`), as in PyTorch.
 */
import { FluxionError } from "../errors.js";

export class Generator {
  private s = new Uint32Array(4);
  private spareNormal: number | null = null;
  private _seed = 0;
  /**
   * @internal Set while a compile()d call has recorded draws from this generator that have
   * not run yet: any other use of its state runs them first, so the numbers are eager's.
   */
  _lazy: { realize(): void } | null = null;

  constructor(seed?: number) {
    this.manualSeed(seed ?? Date.now() ^ Math.floor(Math.random() * 0x7fffffff));
  }

  /**
   * Reseeds the generator; returns it so `new Generator().manualSeed(1)` chains. Like
   * torch.manual_seed the seed is an integer (fractions are truncated; negatives are taken
   * as their 64-bit two's complement), and every 64-bit seed gives its own stream.
   */
  manualSeed(seed: number): this {
    if (this._lazy !== null) this._lazy.realize();
    if (!Number.isFinite(seed)) throw new FluxionError(`manualSeed: seed must be a finite number, got ${seed}`);
    this._seed = Math.trunc(seed);
    // splitmix64 over the 64-bit seed fills the 128-bit state; it is a bijection per output,
    // so distinct seeds give distinct states
    let z = BigInt.asUintN(64, BigInt(this._seed));
    for (let i = 0; i < 4; i += 2) {
      z = BigInt.asUintN(64, z + 0x9e3779b97f4a7c15n);
      let t = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
      t = BigInt.asUintN(64, (t ^ (t >> 27n)) * 0x94d049bb133111ebn);
      t ^= t >> 31n;
      this.s[i] = Number(t & 0xffffffffn);
      this.s[i + 1] = Number(t >> 32n);
    }
    if (this.s.every((w) => w === 0)) this.s[0] = 1; // xoshiro's one forbidden state
    this.spareNormal = null;
    return this;
  }

  initialSeed(): number {
    return this._seed;
  }

  /** The full state, for saving and restoring (getState/setState). */
  getState(): number[] {
    if (this._lazy !== null) this._lazy.realize();
    return [...this.s, this.spareNormal === null ? NaN : this.spareNormal];
  }
  setState(state: readonly number[]): void {
    if (this._lazy !== null) this._lazy.realize();
    if (state.length !== 5) throw new FluxionError(`Generator.setState: expected 5 numbers, got ${state.length}`);
    const words = state.slice(0, 4);
    if (!words.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)) {
      throw new FluxionError(`Generator.setState: the first 4 numbers must be unsigned 32-bit integers, got [${words.join(", ")}]`);
    }
    if (words.every((w) => w === 0)) throw new FluxionError("Generator.setState: the state words are all zero, which xoshiro128** never leaves");
    if (!Number.isNaN(state[4]) && !Number.isFinite(state[4])) throw new FluxionError(`Generator.setState: the 5th number (pending normal sample) must be finite or NaN, got ${state[4]}`);
    for (let i = 0; i < 4; i++) this.s[i] = state[i]!;
    this.spareNormal = Number.isNaN(state[4]) ? null : state[4]!;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    if (this._lazy !== null) this._lazy.realize();
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const hi = this.nextUint32() >>> 5, lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [0, 1) with 24 random bits: exactly representable in float32, never 1. */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /** Standard normal (Box-Muller, both outputs used). */
  nextNormal(): number {
    if (this._lazy !== null) this._lazy.realize();
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.nextDouble();
    const v = this.nextDouble();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [0, n) without modulo bias. */
  nextBelow(n: number): number {
    if (n <= 0x100000000) {
      const limit = 0x100000000 - (0x100000000 % n);
      let r: number;
      do r = this.nextUint32(); while (r >= limit);
      return r % n;
    }
    return Math.floor(this.nextDouble() * n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The generator used when a call passes none. */
export const defaultGenerator = new Generator(0x5eed);

/** Seeds the default generator (torch.manual_seed). */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
