/**
 * Datasets (torch.utils.data): the map-style abstract Dataset, TensorDataset, Subset,
 * ConcatDataset and randomSplit; the iterable-style IterableDataset (a stream of items with
 * no index) and ChainDataset.
 *
 * A dataset may also offer `getBatch(indices)`, returning an already collated batch; the
 * DataLoader uses it instead of `get` + collate when no custom collateFn is given. That is
 * the fast path: TensorDataset gathers whole rows with one copy per batch, so an epoch of
 * 60000 small items costs ~1000 copies rather than 60000 item tensors.
 */
import { describeValue } from "../api/args.js";
import { declareArgs } from "../api/registry.js";
import { ArgumentError, FluxionError, IndexError, ShapeError, fmtShape } from "../errors.js";
import { isFloating } from "../tensor/dtype.js";
import { randperm } from "../tensor/creation.js";
import type { Generator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import type { Collated } from "./collate.js";
import { gatherRows } from "./host.js";

// torch.utils.data's signatures; the datasets themselves are checked below (an object with length and get)
const tensorDatasetArgs = declareArgs("TensorDataset(Tensor... tensors)", "data");
const subsetArgs = declareArgs("Subset(Any dataset, Any indices)", "data");
const concatDatasetArgs = declareArgs("ConcatDataset(Any[] datasets)", "data");
const chainDatasetArgs = declareArgs("ChainDataset(Any[] datasets)", "data");
const randomSplitArgs = declareArgs("randomSplit(Any dataset, float[] lengths, Generator? generator=null) -> Any", "data");

/** Throws unless `d` looks like a map-style dataset (what DataLoader and Subset use of it). */
function checkDataset(op: string, what: string, d: unknown): asserts d is Dataset<unknown> {
  if (d === null || typeof d !== "object" || typeof (d as Dataset<unknown>).get !== "function" || typeof (d as Dataset<unknown>).length !== "number") {
    throw new ArgumentError(`${op}(): ${what} must be a Dataset (an object with \`length\` and \`get(i)\`), but got ${describeValue(d)}`);
  }
}

/**
 * A map-style dataset: `length` items, item i from `get(i)`. Subclass it and implement both
 * (torch's `__len__` and `__getitem__`).
 * @example
 * class Squares extends data.Dataset<[Tensor, number]> {
 *   get length() { return 100; }
 *   get(i: number): [Tensor, number] { return [tensor([i]), i * i]; }
 * }
 */
export abstract class Dataset<T> {
  /** Number of items. */
  abstract readonly length: number;
  /** Item i, for 0 <= i < length. */
  abstract get(index: number): T;
  /** Optional fast path: the collated batch of these items (what defaultCollate would make). */
  getBatch?(indices: readonly number[]): Collated<T>;

  /** Number of items (torch's len(dataset)). */
  len(): number {
    return this.length;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  /** @internal Throws a clear IndexError unless 0 <= i < length (negative i counts from the end). */
  protected checkIndex(i: number): number {
    const n = this.length;
    if (!Number.isInteger(i) || i < -n || i >= n) throw new IndexError(`${this.constructor.name}.get: index ${i} is out of range for a dataset of ${n} items`);
    return i < 0 ? i + n : i;
  }
}

/**
 * An iterable-style dataset: items come from iterating it, in its own order (a stream, a
 * generator over files). Subclass it and implement `[Symbol.iterator]` (torch's `__iter__`);
 * a `length` is optional. The DataLoader batches what the iterator yields, so shuffle,
 * sampler and batchSampler do not apply.
 * @example
 * class Counter extends data.IterableDataset<number> {
 *   *[Symbol.iterator]() { for (let i = 0; i < 10; i++) yield i; }
 * }
 * for (const batch of new data.DataLoader(new Counter(), 4)) ... // tensors of 4, 4, 2 items
 */
export abstract class IterableDataset<T> implements Iterable<T> {
  // a subclass may define `length` (torch's optional __len__): len(loader) then works
  abstract [Symbol.iterator](): Iterator<T>;
}

/** Whether `d` is used as an iterable-style dataset: an IterableDataset, or an iterable without `get(i)`. */
export function isIterableDataset(d: unknown): d is IterableDataset<unknown> {
  if (d instanceof IterableDataset) return true;
  if (d === null || typeof d !== "object" || typeof (d as { get?: unknown }).get === "function") return false;
  return typeof (d as Iterable<unknown>)[Symbol.iterator] === "function";
}

/** Iterable datasets one after the other (torch's ChainDataset); its length is the sum when each has one. */
export class ChainDataset<T> extends IterableDataset<T> {
  readonly datasets: readonly Iterable<T>[];
  constructor(datasets: Iterable<Iterable<T>>);
  constructor(...args: unknown[]) {
    super();
    const [datasets] = chainDatasetArgs.bind(args) as [unknown[]];
    datasets.forEach((d, i) => {
      if (!isIterableDataset(d)) throw new ArgumentError(`ChainDataset(): ChainDataset only supports IterableDataset, but datasets[${i}] is ${describeValue(d)}`);
    });
    this.datasets = datasets as Iterable<T>[];
  }
  *[Symbol.iterator](): Iterator<T> {
    for (const d of this.datasets) yield* d;
  }
  get length(): number {
    let n = 0;
    for (const d of this.datasets) {
      const len = (d as { length?: unknown }).length;
      if (typeof len !== "number") throw new FluxionError(`ChainDataset: the length is unknown: ${describeValue(d)} has no length`);
      n += len;
    }
    return n;
  }
}

/**
 * A dataset of tensors sharing their first dim: item i is `[t0[i], t1[i], ...]`.
 * Batches are gathered with one copy per tensor (the DataLoader fast path).
 * @example
 * const ds = new data.TensorDataset(randn([100, 784]), randint(0, 10, [100]));
 * const [x, y] = ds.get(0); // x: [784], y: 0-d int32
 */
export class TensorDataset<T extends Tensor[] = Tensor[]> extends Dataset<T> {
  readonly tensors: T;

  constructor(...args: T) {
    super();
    // the bound list, not the raw arguments: a trailing undefined is no tensor
    const [tensors] = tensorDatasetArgs.bind(args) as unknown as [T];
    if (tensors.length === 0) throw new FluxionError("TensorDataset: expected at least one tensor");
    tensors.forEach((t, k) => {
      if (t.ndim === 0) throw new ShapeError(`TensorDataset: tensor ${k} is 0-d; every tensor needs a first dim indexing items`);
    });
    const n = tensors[0]!.shape[0]!;
    const bad = tensors.findIndex((t) => t.shape[0] !== n);
    if (bad >= 0) {
      throw new ShapeError(`TensorDataset: size mismatch between tensors: tensor 0 has shape ${fmtShape(tensors[0]!.shape)}, tensor ${bad} has shape ${fmtShape(tensors[bad]!.shape)} (the first dims must match)`);
    }
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  get(index: number): T {
    const i = this.checkIndex(index);
    return this.tensors.map((t) => t.select(0, i)) as T;
  }

  override getBatch(indices: readonly number[]): Collated<T> {
    return this.tensors.map((t) => gatherRows("TensorDataset.getBatch", t.detach(), indices)) as Collated<T>;
  }
}

/**
 * The items of `dataset` at `indices` (an array, a typed array or a 1-D integer Tensor),
 * in that order.
 * @example
 * const firstHundred = new data.Subset(train, [...Array(100).keys()]);
 */
export class Subset<T> extends Dataset<T> {
  readonly dataset: Dataset<T>;
  readonly indices: readonly number[];

  constructor(dataset: Dataset<T>, indices: ArrayLike<number> | Tensor);
  constructor(...args: unknown[]) {
    super();
    const [dataset, raw] = subsetArgs.bind(args) as [Dataset<T>, unknown];
    checkDataset("Subset", "argument 'dataset'", dataset);
    let indices: ArrayLike<number>;
    if (raw instanceof Tensor) {
      if (raw.ndim !== 1 || isFloating(raw.dtype) || raw.dtype === "bool") throw new ArgumentError(`Subset(): a Tensor of indices must be 1-D with an integer dtype, but got ${describeValue(raw)}`);
      indices = raw.tolist() as number[];
    } else if (typeof raw === "object" && raw !== null && typeof (raw as ArrayLike<number>).length === "number" && !(raw instanceof Dataset)) {
      indices = raw as ArrayLike<number>;
    } else {
      throw new ArgumentError(`Subset(): argument 'indices' must be a list of ints (an array, a typed array or a 1-D integer Tensor), but got ${describeValue(raw)}`);
    }
    this.dataset = dataset;
    const n = dataset.length;
    this.indices = Array.from(indices, (i) => {
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new IndexError(`Subset: index ${i} is out of range for a dataset of ${n} items`);
      return i;
    });
    if (dataset.getBatch) this.getBatch = (idx) => dataset.getBatch!(idx.map((i) => this.indices[this.checkIndex(i)]!));
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    return this.dataset.get(this.indices[this.checkIndex(index)]!);
  }
}

/**
 * Several datasets one after another.
 * @example
 * const all = new data.ConcatDataset([trainSet, extraSet]);
 */
export class ConcatDataset<T> extends Dataset<T> {
  /** The running totals of the datasets' lengths (torch's `cumulative_sizes`): dataset k holds items [cumulativeSizes[k-1], cumulativeSizes[k]). */
  readonly cumulativeSizes: readonly number[];

  readonly datasets: readonly Dataset<T>[];

  constructor(datasets: readonly Dataset<T>[]);
  constructor(...args: unknown[]) {
    super();
    const [datasets] = concatDatasetArgs.bind(args) as [Dataset<T>[]];
    datasets.forEach((d, i) => checkDataset("ConcatDataset", `datasets[${i}]`, d));
    if (datasets.length === 0) throw new FluxionError("ConcatDataset: expected at least one dataset");
    this.datasets = [...datasets];
    let total = 0;
    this.cumulativeSizes = Object.freeze(datasets.map((d) => (total += d.length)));
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1]!;
  }

  get(index: number): T {
    const i = this.checkIndex(index);
    const ends = this.cumulativeSizes;
    const k = ends.findIndex((e) => i < e);
    return this.datasets[k]!.get(i - (k === 0 ? 0 : ends[k - 1]!));
  }
}

/**
 * Splits a dataset into non-overlapping random subsets (torch.utils.data.random_split).
 * `lengths` are item counts summing to the dataset's length, or fractions summing to 1
 * (floored, with the remainder handed out one by one from the first subset on).
 * The same generator seed gives the same split.
 * @example
 * const [train, val] = data.randomSplit(full, [0.9, 0.1], new Generator(42)); // or { generator: new Generator(42) }
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], opts?: { generator?: Generator | null }): Subset<T>[];
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], generator?: Generator | null): Subset<T>[];
export function randomSplit<T>(...args: unknown[]): Subset<T>[] {
  const [dataset, lengths, generator] = randomSplitArgs.bind(args) as [Dataset<T>, number[], Generator | null];
  checkDataset("randomSplit", "argument 'dataset'", dataset);
  const n = dataset.length;
  const sum = lengths.reduce((a, b) => a + b, 0);
  let counts: number[];
  if (lengths.length > 0 && Math.abs(sum - 1) < 1e-9 && lengths.every((f) => f >= 0 && f <= 1)) {
    counts = lengths.map((f) => Math.floor(n * f));
    let rest = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % counts.length, rest--) counts[i]!++;
  } else {
    if (!lengths.every((c) => Number.isInteger(c) && c >= 0)) {
      throw new FluxionError(`randomSplit: lengths must be non-negative integers or fractions summing to 1, got [${lengths.join(", ")}]`);
    }
    if (sum !== n) throw new FluxionError(`randomSplit: sum of input lengths (${sum}) does not equal the length of the input dataset (${n})`);
    counts = [...lengths];
  }
  const perm = randperm(n, { generator: generator ?? undefined }).toTypedArray();
  const out: Subset<T>[] = [];
  let start = 0;
  for (const c of counts) {
    out.push(new Subset(dataset, perm.subarray(start, start + c)));
    start += c;
  }
  return out;
}
