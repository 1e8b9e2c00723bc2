/**
 * Samplers (torch.utils.data.sampler): the order in which a DataLoader visits a dataset's
 * indices. Sampler is the base (iterable, `length` where it has one); SequentialSampler,
 * RandomSampler, SubsetRandomSampler and WeightedRandomSampler yield indices, and
 * BatchSampler groups another sampler's indices into lists. Any iterable of indices (an
 * array, a generator) serves as a sampler too, as in PyTorch.
 *
 * The random ones draw from a Generator (the global one unless given), a permutation or a
 * batch of draws at a time as PyTorch does; the streams are Fluxion's, not PyTorch's, so the
 * same seed gives other indices than in PyTorch, from the same distributions.
 */
import { describeValue } from "../api/args.js";
import { declareArgs } from "../api/registry.js";
import { ArgumentError, FluxionError, fmtShape } from "../errors.js";
import { multinomial, searchsorted } from "../functional.js";
import { isFloating } from "../tensor/dtype.js";
import { rand, randint, randperm, tensor } from "../tensor/creation.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";

// torch.utils.data's signatures (PyTorch 1.13)
const samplerArgs = declareArgs("Sampler(Any? dataSource=null)", "data");
const sequentialArgs = declareArgs("SequentialSampler(Any dataSource)", "data");
const randomArgs = declareArgs("RandomSampler(Any dataSource, bool replacement=false, int? numSamples=null, Generator? generator=null)", "data");
const subsetRandomArgs = declareArgs("SubsetRandomSampler(Any indices, Generator? generator=null)", "data");
const weightedArgs = declareArgs("WeightedRandomSampler(Any weights, int numSamples, bool replacement=true, Generator? generator=null)", "data");
const batchArgs = declareArgs("BatchSampler(Any sampler, int batchSize, bool dropLast)", "data");

/** len(x) as PyTorch takes it of a dataset or sampler: its `length` (or `len()`, or a Set's size), or null when it has none. */
export function sizeOf(x: unknown): number | null {
  if (x === null || (typeof x !== "object" && typeof x !== "function")) return null;
  if (x instanceof Set || x instanceof Map) return x.size;
  const n = (x as { length?: unknown }).length;
  if (typeof n === "number") return n;
  const len = (x as { len?: unknown }).len;
  return typeof len === "function" ? (len.call(x) as number) : null;
}

/** Whether `x` can be iterated (strings aside: a string is no list of indices). */
export function isIterable(x: unknown): x is Iterable<unknown> {
  return x !== null && typeof x === "object" && typeof (x as Iterable<unknown>)[Symbol.iterator] === "function";
}

function sized(op: string, what: string, x: unknown): void {
  if (sizeOf(x) === null) throw new ArgumentError(`${op}(): argument '${what}' must have a length (a Dataset or an array), but got ${describeValue(x)}`);
}

/** Integer indices from an array, a typed array or a 1-D integer tensor. */
function indexList(op: string, what: string, raw: unknown): number[] {
  if (raw instanceof Tensor) {
    if (raw.ndim !== 1 || isFloating(raw.dtype) || raw.dtype === "bool") throw new ArgumentError(`${op}(): a Tensor of ${what} must be 1-D with an integer dtype, but got ${describeValue(raw)}`);
    return (raw.tolist() as (number | bigint)[]).map(Number);
  }
  if (Array.isArray(raw) || ArrayBuffer.isView(raw)) {
    const list = Array.from(raw as ArrayLike<number>);
    const bad = list.findIndex((i) => !Number.isInteger(i));
    if (bad < 0) return list;
    throw new ArgumentError(`${op}(): ${what} must be integers, but ${what}[${bad}] is ${describeValue(list[bad])}`);
  }
  throw new ArgumentError(`${op}(): argument '${what}' must be a list of ints (an array, a typed array or a 1-D integer Tensor), but got ${describeValue(raw)}`);
}

/** The generator a draw uses: the sampler's own, else the global one (manualSeed). */
function streamOf(generator: Generator | null): Generator {
  return generator ?? defaultGenerator;
}

/**
 * The base of all samplers: an iterable of indices (or, for BatchSampler, of lists of
 * indices). Subclasses implement `[Symbol.iterator]` and, where they can, a `length` getter.
 * The constructor takes PyTorch's `dataSource` argument and ignores it, as PyTorch does.
 * @example
 * class EvenFirst extends data.Sampler {
 *   constructor(readonly n: number) { super(); }
 *   get length() { return this.n; }
 *   *[Symbol.iterator]() { for (let i = 0; i < this.n; i += 2) yield i; for (let i = 1; i < this.n; i += 2) yield i; }
 * }
 */
export abstract class Sampler<T = number> implements Iterable<T> {
  constructor(...args: [dataSource?: unknown]) {
    samplerArgs.bind(args);
  }

  abstract [Symbol.iterator](): Iterator<T>;

  /** Number of indices (torch's len(sampler)); a sampler without a `length` has none. */
  len(): number {
    const n = (this as { length?: unknown }).length;
    if (typeof n !== "number") throw new FluxionError(`${this.constructor.name} has no length (define a \`length\` getter)`);
    return n;
  }
}

/**
 * Indices 0, 1, ..., len(dataSource) − 1 in order.
 * @example [...new data.SequentialSampler(dataset)] // [0, 1, 2, ...]
 */
export class SequentialSampler extends Sampler<number> {
  readonly dataSource: unknown;
  constructor(dataSource: unknown);
  constructor(...args: unknown[]) {
    super();
    const [dataSource] = sequentialArgs.bind(args);
    sized("SequentialSampler", "dataSource", dataSource);
    this.dataSource = dataSource;
  }
  get length(): number {
    return sizeOf(this.dataSource)!;
  }
  *[Symbol.iterator](): Iterator<number> {
    const n = this.length;
    for (let i = 0; i < n; i++) yield i;
  }
}

/**
 * Random indices into dataSource: a new permutation per pass (numSamples of them, several
 * permutations one after another if numSamples exceeds the length), or, with replacement,
 * numSamples independent uniform draws.
 * @example
 * const sampler = new data.RandomSampler(dataset, { generator: new Generator(0) });
 * const loader = new data.DataLoader(dataset, { batchSize: 32, sampler });
 */
export class RandomSampler extends Sampler<number> {
  readonly dataSource: unknown;
  readonly replacement: boolean;
  readonly generator: Generator | null;
  readonly #numSamples: number | null;
  constructor(dataSource: unknown, opts?: { replacement?: boolean; numSamples?: number | null; generator?: Generator | null });
  constructor(dataSource: unknown, replacement?: boolean, numSamples?: number | null, generator?: Generator | null);
  constructor(...args: unknown[]) {
    super();
    const [dataSource, replacement, numSamples, generator] = randomArgs.bind(args);
    sized("RandomSampler", "dataSource", dataSource);
    this.dataSource = dataSource;
    this.replacement = replacement;
    this.#numSamples = numSamples;
    this.generator = generator;
    if (!(this.numSamples > 0)) throw new FluxionError(`RandomSampler: numSamples should be a positive integer value, but got numSamples=${this.numSamples}`);
  }
  /** The samples per pass: as given, else the data source's current length. */
  get numSamples(): number {
    return this.#numSamples ?? sizeOf(this.dataSource)!;
  }
  get length(): number {
    return this.numSamples;
  }
  *[Symbol.iterator](): Iterator<number> {
    const n = sizeOf(this.dataSource)!;
    const k = this.numSamples;
    if (n <= 0) throw new FluxionError(`RandomSampler: cannot draw ${k} samples from an empty data source`);
    const generator = streamOf(this.generator);
    if (this.replacement) {
      // in draws of 32, as PyTorch does
      for (let done = 0; done < k; done += 32) yield* randint(n, [Math.min(32, k - done)], { generator }).toTypedArray<Int32Array>();
    } else {
      for (let i = 0; i < Math.floor(k / n); i++) yield* randperm(n, { generator }).toTypedArray<Int32Array>();
      // (PyTorch also draws this permutation when k % n is 0, and uses none of it)
      if (k % n > 0) yield* randperm(n, { generator }).toTypedArray<Int32Array>().subarray(0, k % n);
    }
  }
}

/**
 * The given indices in a random order (a new permutation per pass): a random subset of a
 * dataset, e.g. for a validation split.
 * @example
 * const valSampler = new data.SubsetRandomSampler([...Array(1000).keys()], { generator: new Generator(1) });
 */
export class SubsetRandomSampler extends Sampler<number> {
  readonly indices: readonly number[];
  readonly generator: Generator | null;
  constructor(indices: ArrayLike<number> | Tensor, opts?: { generator?: Generator | null });
  constructor(indices: ArrayLike<number> | Tensor, generator?: Generator | null);
  constructor(...args: unknown[]) {
    super();
    const [indices, generator] = subsetRandomArgs.bind(args);
    this.indices = indexList("SubsetRandomSampler", "indices", indices);
    this.generator = generator;
  }
  get length(): number {
    return this.indices.length;
  }
  *[Symbol.iterator](): Iterator<number> {
    const perm = randperm(this.indices.length, { generator: streamOf(this.generator) }).toTypedArray<Int32Array>();
    for (const i of perm) yield this.indices[i]!;
  }
}

/**
 * numSamples indices drawn with probabilities proportional to `weights` (which need not sum
 * to 1): with replacement (the default), independent draws; without, each index at most once
 * (sequential draws without replacement, as torch.multinomial).
 * @example
 * // oversample a rare class: weight each item by 1 / (its class's count)
 * const sampler = new data.WeightedRandomSampler(itemWeights, itemWeights.length);
 * const loader = new data.DataLoader(train, { batchSize: 64, sampler });
 */
export class WeightedRandomSampler extends Sampler<number> {
  /** The weights as a float64 tensor. */
  readonly weights: Tensor;
  readonly numSamples: number;
  readonly replacement: boolean;
  readonly generator: Generator | null;
  /** Running sums of the weights, the inverse CDF's table (with replacement). */
  readonly #cdf: Tensor;
  /** The last index with a positive weight: where a draw that rounds to the total lands. */
  readonly #lastPositive: number;
  constructor(weights: ArrayLike<number> | Tensor, numSamples: number, opts?: { replacement?: boolean; generator?: Generator | null });
  constructor(weights: ArrayLike<number> | Tensor, numSamples: number, replacement?: boolean, generator?: Generator | null);
  constructor(...args: unknown[]) {
    super();
    const name = "WeightedRandomSampler";
    const [raw, numSamples, replacement, generator] = weightedArgs.bind(args);
    if (numSamples <= 0) throw new FluxionError(`${name}: numSamples should be a positive integer value, but got numSamples=${numSamples}`);
    const weights = toWeights(raw);
    if (weights.ndim !== 1) throw new FluxionError(`${name}: weights should be a 1d sequence but given weights have shape ${fmtShape(weights.shape)}`);
    // torch.multinomial's checks, made here (PyTorch makes them when iterating): the
    // weights are the user's host data, read once
    const w = weights.toTypedArray<Float64Array>();
    const bad = w.findIndex((x) => !(x >= 0 && x < Infinity));
    if (bad >= 0) throw new FluxionError(`${name}: weights must be finite and non-negative, but weights[${bad}] is ${w[bad]}`);
    const positive = w.reduce((c, x) => c + (x > 0 ? 1 : 0), 0);
    if (positive === 0) throw new FluxionError(`${name}: invalid distribution: the weights sum to 0 (${w.length} weights)`);
    if (!replacement && numSamples > positive) {
      throw new FluxionError(`${name}: cannot draw numSamples=${numSamples} samples without replacement from ${positive} indices with a positive weight`);
    }
    this.weights = weights;
    this.numSamples = numSamples;
    this.replacement = replacement;
    this.generator = generator;
    this.#cdf = weights.cumsum(0);
    let last = w.length - 1;
    while (!(w[last]! > 0)) last--;
    this.#lastPositive = last;
  }
  get length(): number {
    return this.numSamples;
  }
  *[Symbol.iterator](): Iterator<number> {
    const generator = streamOf(this.generator);
    let idx: Tensor;
    if (this.replacement) {
      // inverse CDF: the index i with cdf[i-1] <= u < cdf[i] for u uniform in [0, total), by
      // binary search (torch.multinomial's k × n comparison would not fit for large datasets)
      const n = this.weights.shape[0]!;
      const total = this.#cdf.narrow(0, n - 1, 1);
      const u = rand([this.numSamples], { dtype: "float64", generator }).mul(total);
      idx = searchsorted(this.#cdf, u, { right: true, outInt32: true }).clampMax(this.#lastPositive);
    } else {
      idx = multinomial(this.weights, this.numSamples, false, { generator }).int();
    }
    yield* idx.toTypedArray<Int32Array>();
  }
}

/** WeightedRandomSampler's weights as a float64 tensor (torch.as_tensor(weights, dtype=double)). */
function toWeights(raw: unknown): Tensor {
  if (raw instanceof Tensor) {
    if (!(isFloating(raw.dtype) || raw.dtype.startsWith("int") || raw.dtype === "uint8")) throw new ArgumentError(`WeightedRandomSampler(): weights must be numbers, but got ${describeValue(raw)}`);
    return raw.detach().to("float64").clone();
  }
  if (ArrayBuffer.isView(raw) && !(raw instanceof DataView) && typeof (raw as unknown as ArrayLike<unknown>)[0] !== "bigint") return tensor(Array.from(raw as unknown as ArrayLike<number>), { dtype: "float64" });
  if (Array.isArray(raw)) {
    if (raw.every((x) => typeof x === "number")) return tensor(raw, { dtype: "float64" });
    // a nested list: its shape for the 1-d message, when it has one
    let t: Tensor | null = null;
    try {
      t = tensor(raw, { dtype: "float64" });
    } catch {
      // not a tensor's worth of numbers either: the message below
    }
    if (t !== null) return t;
  }
  throw new ArgumentError(`WeightedRandomSampler(): argument 'weights' must be a list of numbers or a Tensor, but got ${describeValue(raw)}`);
}

/**
 * Groups the indices of `sampler` into lists of batchSize (the last one shorter, or dropped
 * with dropLast). Pass it to DataLoader as `batchSampler`.
 * @example
 * const batches = new data.BatchSampler(new data.SequentialSampler(dataset), 3, false); // or { batchSize: 3, dropLast: false }
 * [...batches] // [[0, 1, 2], [3, 4, 5], [6]] for 7 items
 */
export class BatchSampler extends Sampler<number[]> {
  readonly sampler: Iterable<number>;
  readonly batchSize: number;
  readonly dropLast: boolean;
  constructor(sampler: Iterable<number>, batchSize: number, dropLast: boolean);
  constructor(sampler: Iterable<number>, opts: { batchSize: number; dropLast: boolean });
  constructor(sampler: Iterable<number>, batchSize: number, opts: { dropLast: boolean });
  constructor(...args: unknown[]) {
    super();
    const [sampler, batchSize, dropLast] = batchArgs.bind(args);
    if (!isIterable(sampler)) throw new ArgumentError(`BatchSampler(): argument 'sampler' must be an iterable of indices (a Sampler or an array), but got ${describeValue(sampler)}`);
    if (batchSize <= 0) throw new FluxionError(`BatchSampler: batchSize should be a positive integer value, but got batchSize=${batchSize}`);
    this.sampler = sampler as Iterable<number>;
    this.batchSize = batchSize;
    this.dropLast = dropLast;
  }
  /** Batches per pass: len(sampler) / batchSize, rounded down with dropLast, else up. */
  get length(): number {
    const n = sizeOf(this.sampler);
    if (n === null) throw new FluxionError(`BatchSampler: its sampler (${describeValue(this.sampler)}) has no length, so neither has the BatchSampler`);
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const idx of this.sampler) {
      batch.push(idx);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}
