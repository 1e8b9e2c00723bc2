/**
 * Random numbers: xoshiro128** seeded through splitmix32, so the same seed gives the same
 * numbers on every platform. `manualSeed` reseeds the default generator; a `Generator` can
 * also be passed per call (`randn([2, 3], { generator })`), as in PyTorch.
 */
import { FluxionError } from "../errors.js";

export class Generator {
  private s = new Uint32Array(4);
  private spareNormal: number | null = null;
  private _seed = 0;

  constructor(seed?: number) {
    this.manualSeed(seed ?? Date.now() ^ Math.floor(Math.random() * 0x7fffffff));
  }

  /** Reseeds the generator; returns it so `new Generator().manualSeed(1)` chains. */
  manualSeed(seed: number): this {
    if (!Number.isFinite(seed)) throw new FluxionError(`manualSeed: seed must be a finite number, got ${seed}`);
    this._seed = seed;
    // splitmix32 over the low and high 32 bits of the seed fills the state (never all zero)
    let z = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
    for (let i = 0; i < 4; i++) {
      z = (z + 0x9e3779b9) | 0;
      let t = z ^ (z >>> 16);
      t = Math.imul(t, 0x21f0aaad);
      t ^= t >>> 15;
      t = Math.imul(t, 0x735a2d97);
      t ^= t >>> 15;
      this.s[i] = t;
    }
    this.spareNormal = null;
    return this;
  }

  initialSeed(): number {
    return this._seed;
  }

  /** The full state, for saving and restoring (getState/setState). */
  getState(): number[] {
    return [...this.s, this.spareNormal === null ? NaN : this.spareNormal];
  }
  setState(state: readonly number[]): void {
    if (state.length !== 5) throw new FluxionError(`Generator.setState: expected 5 numbers, got ${state.length}`);
    for (let i = 0; i < 4; i++) this.s[i] = state[i]!;
    this.spareNormal = Number.isNaN(state[4]) ? null : state[4]!;
  }

  /** Next 32 random bits as an unsigned integer. */
  nextUint32(): number {
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
