/**
 * DataLoader: batches of a map-style dataset (torch.utils.data.DataLoader). The order comes
 * from a sampler: SequentialSampler by default, RandomSampler with `shuffle` (seeded by
 * `generator`), or the user's `sampler` (any iterable of indices); batches come from a
 * BatchSampler over it, or from the user's `batchSampler`. Iterate with `for...of` (or
 * `for await`); `length` is the number of batches per epoch. Each new iteration is a new
 * epoch (a fresh shuffle).
 *
 * With the default collation, datasets that offer `getBatch` (TensorDataset, Subset of
 * one, MNIST) build each batch in one go instead of item by item.
 *
 * An iterable-style dataset (IterableDataset, or any iterable without `get(i)`) is batched
 * in the order its iterator yields: batchSize items at a time, the last batch shorter unless
 * dropLast. There is no order to shuffle or sample then, as in PyTorch.
 */
import { describeValue } from "../api/args.js";
import { declareArgs } from "../api/registry.js";
import { ArgumentError, FluxionError } from "../errors.js";
import type { Generator } from "../tensor/random.js";
import { defaultCollate, type Collated } from "./collate.js";
import { isIterableDataset, type Dataset, type IterableDataset } from "./dataset.js";
import { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { BatchSampler, RandomSampler, SequentialSampler, isIterable, sizeOf } from "./sampler.js";

/** torch.utils.data.DataLoader's signature (PyTorch 1.13), in its positional order. */
const DATA_LOADER =
  'DataLoader(Any dataset, int? batchSize=1, bool? shuffle=null, Any? sampler=null, Any? batchSampler=null, int numWorkers=0, Callable? collateFn=null, bool pinMemory=false, bool dropLast=false, float timeout=0, Callable? workerInitFn=null, Any? multiprocessingContext=null, Generator? generator=null, *, int prefetchFactor=2, bool persistentWorkers=false, str pinMemoryDevice="")';
const dataLoaderArgs = declareArgs(DATA_LOADER, "data");

/**
 * The options object: any of DataLoader's parameters by name. Fluxion has no worker processes
 * and no pinned memory: numWorkers > 0 and pinMemory are accepted (as in translated PyTorch
 * programs) and say once that they change nothing — the batches are the same; what would need
 * workers to mean something (workerInitFn, multiprocessingContext) is refused.
 */
export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1); null disables batching: each item is yielded as it is (or through collateFn). */
  batchSize?: number | null;
  /** Reshuffle the items at the start of every epoch (default false; not with a sampler). */
  shuffle?: boolean | null;
  /** The source of shuffling randomness (default: the global generator, see manualSeed). */
  generator?: Generator | null;
  /** Drop the last batch when it would be smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Makes a batch from a list of items (default: defaultCollate). */
  collateFn?: ((items: T[]) => B) | null;
  /** The indices to visit, in order: a Sampler, any iterable of indices, or an integer tensor (randperm(n)); not with shuffle. */
  sampler?: Iterable<number> | Tensor | null;
  /** The batches to make, as lists of indices: a BatchSampler or any iterable of index lists (instead of batchSize, shuffle, sampler and dropLast). */
  batchSampler?: Iterable<Iterable<number>> | null;
  /** Worker processes: batches are made in this thread whatever the count (> 0 warns once). */
  numWorkers?: number;
  /** Pinned host memory for an accelerator: none here (true warns once, as PyTorch without CUDA). */
  pinMemory?: boolean;
  /** Worker timeout in seconds (>= 0); there are no workers to wait for. */
  timeout?: number;
  /** Not supported: null only. */
  workerInitFn?: null;
  /** Not supported: null only. */
  multiprocessingContext?: null;
  /** Batches loaded ahead per worker (PyTorch 1.13: only with numWorkers > 0); no effect here. */
  prefetchFactor?: number;
  /** Keep workers between epochs (PyTorch: only with numWorkers > 0); no effect here. */
  persistentWorkers?: boolean;
  /** The device pinned memory is for: "" or "cpu" only. */
  pinMemoryDevice?: string;
}

/** Each note once per process: a training loop makes a DataLoader per epoch. */
const warned = new Set<string>();
function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(message);
}

/** Refuses a worker option that is not at its default, naming it and its value. */
function refuse(name: string, value: unknown, fallback: unknown, why: string): void {
  if (value !== fallback) throw new ArgumentError(`DataLoader(): ${name} is not supported (${why}); leave it ${JSON.stringify(fallback)}, got ${describeValue(value)}`);
}

/**
 * Iterates a dataset in batches.
 * @example
 * const loader = new data.DataLoader(trainSet, 64, true); // or (trainSet, { batchSize: 64, shuffle: true, generator: new Generator(0) })
 * for (const [x, y] of loader) {
 *   optimizer.zeroGrad();
 *   criterion.forward(model.forward(x), y).backward();
 *   optimizer.step();
 * }
 * // or with a sampler: oversample by weight
 * const weighted = new data.DataLoader(trainSet, { batchSize: 64, sampler: new data.WeightedRandomSampler(weights, trainSet.length) });
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  /** The dataset given (typed as map-style, the common case; an IterableDataset when iterableStyle). */
  readonly dataset: Dataset<T>;
  /** Items per batch; null when batching is disabled or a batchSampler makes the batches. */
  readonly batchSize: number | null;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: Generator | undefined;
  /** The indices in visiting order: the one given, else a RandomSampler (shuffle) or SequentialSampler. */
  readonly sampler: Iterable<number>;
  /** The batches as lists of indices: the one given, else a BatchSampler over `sampler`; null when batching is disabled. */
  readonly batchSampler: Iterable<Iterable<number>> | null;
  private readonly collateFn: ((items: T[]) => B) | undefined;

  constructor(dataset: Dataset<T> | IterableDataset<T>, opts?: DataLoaderOptions<T, B>);
  constructor(dataset: Dataset<T> | IterableDataset<T>, batchSize: number | null | undefined, opts?: DataLoaderOptions<T, B>);
  constructor(dataset: Dataset<T> | IterableDataset<T>, batchSize: number | null | undefined, shuffle: boolean | null | undefined, opts?: DataLoaderOptions<T, B>);
  constructor(
    dataset: Dataset<T> | IterableDataset<T>, batchSize?: number | null, shuffle?: boolean | null, sampler?: Iterable<number> | Tensor | null, batchSampler?: Iterable<Iterable<number>> | null, numWorkers?: number,
    collateFn?: ((items: T[]) => B) | null, pinMemory?: boolean, dropLast?: boolean, timeout?: number, workerInitFn?: null, multiprocessingContext?: null, generator?: Generator | null,
  );
  constructor(...args: unknown[]) {
    const [given, batchSizeArg, shuffle, sampler, batchSampler, numWorkers, collateFn, pinMemory, dropLastArg, timeout, workerInitFn, mpContext, generator, kw] = dataLoaderArgs.bind(args);
    // a tensor is a map-style dataset of its rows, as in PyTorch (DataLoader(t) batches t[i])
    const dataset = given instanceof Tensor ? tensorRows(given) : given;
    const iterable = isIterableDataset(dataset);
    if (!iterable && (dataset === null || typeof dataset !== "object" || typeof dataset.get !== "function" || typeof dataset.length !== "number")) {
      throw new FluxionError(`DataLoader: expected a Dataset (an object with \`length\` and \`get(i)\`) or an IterableDataset, got ${describeValue(dataset)}`);
    }
    if (iterable) {
      // PyTorch's rules: an iterable dataset has no indices to shuffle or sample
      if (shuffle) throw new FluxionError(`DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=${shuffle}`);
      if (sampler !== null) throw new FluxionError(`DataLoader with IterableDataset: expected unspecified sampler option, but got sampler=${describeValue(sampler)}`);
      if (batchSampler !== null) throw new FluxionError(`DataLoader with IterableDataset: expected unspecified batchSampler option, but got batchSampler=${describeValue(batchSampler)}`);
    }
    if (sampler !== null && !isIterable(sampler)) throw new ArgumentError(`DataLoader(): sampler must be an iterable of indices (a Sampler or an array), but got ${describeValue(sampler)}`);
    if (batchSampler !== null && !isIterable(batchSampler)) throw new ArgumentError(`DataLoader(): batchSampler must be an iterable of lists of indices (a BatchSampler or an array of arrays), but got ${describeValue(batchSampler)}`);
    // PyTorch's rules, in its order
    if (sampler !== null && shuffle) throw new FluxionError("DataLoader: sampler option is mutually exclusive with shuffle");
    let batchSize = batchSizeArg, dropLast = dropLastArg;
    if (batchSampler !== null) {
      if (batchSize !== 1 || shuffle || sampler !== null || dropLast) {
        throw new FluxionError("DataLoader: batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast");
      }
      batchSize = null;
      dropLast = false;
    } else if (batchSize === null && dropLast) {
      throw new FluxionError("DataLoader: batchSize=null disables batching and cannot be combined with dropLast=true");
    }
    if (batchSize !== null && batchSize < 1) throw new FluxionError(`DataLoader: batchSize should be a positive integer, got ${batchSize}`);
    // PyTorch's checks of the worker options, then what they mean here: nothing
    if (numWorkers < 0) throw new ArgumentError(`DataLoader(): numWorkers option should be non-negative; use numWorkers=0 to disable multiprocessing, got ${numWorkers}`);
    if (!(timeout >= 0)) throw new ArgumentError(`DataLoader(): timeout option should be non-negative, got ${timeout}`);
    if (numWorkers === 0 && kw.prefetchFactor !== 2) throw new ArgumentError("DataLoader(): prefetchFactor option could only be specified in multiprocessing. let numWorkers > 0 to enable multiprocessing");
    if (!(kw.prefetchFactor >= 1)) throw new ArgumentError(`DataLoader(): prefetchFactor option should be a positive integer, got ${kw.prefetchFactor}`);
    if (numWorkers === 0 && kw.persistentWorkers) throw new ArgumentError("DataLoader(): persistentWorkers option needs numWorkers > 0");
    refuse("workerInitFn", workerInitFn, null, "there are no worker processes to initialise");
    refuse("multiprocessingContext", mpContext, null, "there are no worker processes");
    if (kw.pinMemoryDevice !== "" && kw.pinMemoryDevice !== "cpu") refuse("pinMemoryDevice", kw.pinMemoryDevice, "", "there is no accelerator to pin memory for");
    if (numWorkers > 0) {
      warnOnce("numWorkers", `fluxion: DataLoader(numWorkers=${numWorkers}): Fluxion loads batches in the calling thread (there are no worker processes); the batches are the same as with numWorkers=0`);
    }
    if (pinMemory) warnOnce("pinMemory", "fluxion: DataLoader: 'pinMemory' argument is set as true but no accelerator is found, then device pinned memory won't be used (as PyTorch without CUDA)");
    this.dataset = given as Dataset<T>;
    this.source = dataset as Dataset<T>;
    this.batchSize = batchSize;
    this.shuffle = shuffle ?? false;
    this.dropLast = dropLast;
    this.generator = generator ?? undefined;
    this.collateFn = (collateFn ?? undefined) as ((items: T[]) => B) | undefined;
    this.iterableStyle = iterable;
    // an iterable dataset's sampler only counts (PyTorch's _InfiniteConstantSampler): never iterated here
    this.sampler = (sampler as Iterable<number> | null) ?? (iterable ? [] : this.shuffle ? new RandomSampler(dataset, false, null, generator) : new SequentialSampler(dataset));
    this.batchSampler = iterable ? null : (batchSampler as Iterable<Iterable<number>> | null) ?? (batchSize !== null ? new BatchSampler(this.sampler, batchSize, dropLast) : null);
  }
  /** Whether the dataset is iterable-style: batches come from its iterator, in its order. */
  readonly iterableStyle: boolean;
  /** What items are read from: the dataset, or for a tensor the dataset of its rows. */
  private readonly source: Dataset<T>;

  /** Batches per epoch (torch's len(loader)): len(batchSampler), or len(sampler) when batching is disabled. */
  get length(): number {
    if (this.iterableStyle) {
      const n = (this.source as { length?: unknown }).length;
      if (typeof n !== "number") throw new FluxionError(`DataLoader: the number of batches is unknown: the IterableDataset ${describeValue(this.dataset)} has no length`);
      if (this.batchSize === null) return n;
      return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
    }
    const source = this.batchSampler ?? this.sampler;
    const n = sizeOf(source);
    if (n === null) {
      throw new FluxionError(`DataLoader: the number of batches is unknown: its ${this.batchSampler !== null ? "batchSampler" : "sampler"} (${describeValue(source)}) has no length`);
    }
    return n;
  }
  len(): number {
    return this.length;
  }

  private collate(items: T[]): B {
    return this.collateFn ? this.collateFn(items) : (defaultCollate(items) as B);
  }

  private makeBatch(indices: number[]): B {
    const ds = this.source;
    if (!this.collateFn && ds.getBatch) return ds.getBatch(indices) as B;
    return this.collate(indices.map((i) => ds.get(i)));
  }

  /** An iterable dataset's items, batchSize at a time (or one by one without batching). */
  private *streamBatches(items: Iterable<T>): Iterator<B> {
    const convert = this.collateFn as unknown as ((item: T) => B) | undefined;
    if (this.batchSize === null) {
      for (const item of items) yield convert ? convert(item) : (item as unknown as B);
      return;
    }
    let batch: T[] = [];
    for (const item of items) {
      batch.push(item);
      if (batch.length === this.batchSize) {
        yield this.collate(batch);
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield this.collate(batch);
  }

  *[Symbol.iterator](): Iterator<B> {
    if (this.iterableStyle) {
      yield* { [Symbol.iterator]: () => this.streamBatches(this.source as unknown as Iterable<T>) };
      return;
    }
    const ds = this.source;
    if (this.batchSampler === null) {
      // no batching: items as they are, or each through collateFn (PyTorch's default_convert keeps them)
      const convert = this.collateFn as unknown as ((item: T) => B) | undefined;
      for (const i of this.sampler) {
        const item = ds.get(indexValue(i));
        yield convert ? convert(item) : (item as unknown as B);
      }
      return;
    }
    for (const batch of this.batchSampler) {
      if (!isIterable(batch)) throw new FluxionError(`DataLoader: the batchSampler yielded ${describeValue(batch)}, not a list of indices`);
      yield this.makeBatch(Array.from(batch, indexValue));
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    for (const batch of this) yield batch;
  }
}

/**
 * torch.utils.data.get_worker_info: the worker's id, count and dataset copy inside a worker
 * process, null in the main process. Fluxion makes every batch in the calling thread, so it is
 * always null, and an IterableDataset that splits its stream by worker yields all of it.
 */
export function getWorkerInfo(...args: unknown[]): null {
  if (args.length !== 0) throw new ArgumentError(`getWorkerInfo() takes no arguments, but got ${args.length}`);
  return null;
}

/** A tensor as a map-style dataset: item i is row t[i], a batch the rows gathered at once. */
function tensorRows(t: Tensor): Dataset<Tensor> {
  if (t.ndim === 0) throw new FluxionError("DataLoader: a 0-d tensor has no rows to load (len() of a 0-d tensor)");
  return {
    length: t.shape[0]!,
    get: (i: number) => t.select(0, i),
    getBatch: (indices: readonly number[]) => t.indexSelect(0, tensor([...indices], { dtype: "int64" })),
  } as unknown as Dataset<Tensor>;
}

/**
 * A sampler's index as a number: a sampler may be a tensor (randperm(n)), whose elements
 * iterate as 0-d integer tensors, as PyTorch's do.
 */
function indexValue(i: unknown): number {
  return i instanceof Tensor && i.ndim === 0 && !i.isFloatingPoint() && i.dtype !== "bool" ? Number(i.item()) : (i as number);
}
