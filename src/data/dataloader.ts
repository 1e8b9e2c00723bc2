/**
 * DataLoader: batches of a map-style dataset, optionally shuffled with a seeded Generator
 * (torch.utils.data.DataLoader). Iterate with `for...of` (or `for await`); `length` is the
 * number of batches per epoch. Each new iteration is a new epoch with a fresh shuffle.
 *
 * With the default collation, datasets that offer `getBatch` (TensorDataset, Subset of
 * one, MNIST) build each batch in one go instead of item by item.
 */
import { describeValue } from "../api/args.js";
import { declareArgs } from "../api/registry.js";
import { ArgumentError, FluxionError } from "../errors.js";
import { randperm } from "../tensor/creation.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { defaultCollate, type Collated } from "./collate.js";
import type { Dataset } from "./dataset.js";

/** torch.utils.data.DataLoader's signature (PyTorch 1.13), in its positional order. */
const DATA_LOADER =
  'DataLoader(Any dataset, int? batchSize=1, bool? shuffle=null, Any? sampler=null, Any? batchSampler=null, int numWorkers=0, Callable? collateFn=null, bool pinMemory=false, bool dropLast=false, float timeout=0, Callable? workerInitFn=null, Any? multiprocessingContext=null, Generator? generator=null, *, int prefetchFactor=2, bool persistentWorkers=false, str pinMemoryDevice="")';
const dataLoaderArgs = declareArgs(DATA_LOADER, "data");

/**
 * The options object: any of DataLoader's parameters by name. Those for samplers, worker
 * processes and pinned memory exist only to be refused clearly: they take their PyTorch
 * default and nothing else.
 */
export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1); null disables batching: each item is yielded as it is (or through collateFn). */
  batchSize?: number | null;
  /** Reshuffle the items at the start of every epoch (default false). */
  shuffle?: boolean | null;
  /** The source of shuffling randomness (default: the global generator, see manualSeed). */
  generator?: Generator | null;
  /** Drop the last batch when it would be smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Makes a batch from a list of items (default: defaultCollate). */
  collateFn?: ((items: T[]) => B) | null;
  /** Not supported (shuffle with `shuffle` and `generator`, or take a Subset): null only. */
  sampler?: null;
  /** Not supported: null only. */
  batchSampler?: null;
  /** Not supported (batches are made in this thread): 0 only. */
  numWorkers?: 0;
  /** Not supported: false only. */
  pinMemory?: false;
  /** Worker timeout; there are no workers: 0 only. */
  timeout?: 0;
  /** Not supported: null only. */
  workerInitFn?: null;
  /** Not supported: null only. */
  multiprocessingContext?: null;
  /** Not supported: 2 (PyTorch's default) only. */
  prefetchFactor?: 2;
  /** Not supported: false only. */
  persistentWorkers?: false;
  /** Not supported: "" only. */
  pinMemoryDevice?: "";
}

/** Refuses a worker/sampler option that is not at its default, naming it and its value. */
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
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  readonly dataset: Dataset<T>;
  /** Items per batch; null when batching is disabled. */
  readonly batchSize: number | null;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: Generator | undefined;
  private readonly collateFn: ((items: T[]) => B) | undefined;

  constructor(dataset: Dataset<T>, opts?: DataLoaderOptions<T, B>);
  constructor(dataset: Dataset<T>, batchSize: number | null | undefined, opts?: DataLoaderOptions<T, B>);
  constructor(dataset: Dataset<T>, batchSize: number | null | undefined, shuffle: boolean | null | undefined, opts?: DataLoaderOptions<T, B>);
  constructor(
    dataset: Dataset<T>, batchSize?: number | null, shuffle?: boolean | null, sampler?: null, batchSampler?: null, numWorkers?: 0,
    collateFn?: ((items: T[]) => B) | null, pinMemory?: false, dropLast?: boolean, timeout?: 0, workerInitFn?: null, multiprocessingContext?: null, generator?: Generator | null,
  );
  constructor(...args: unknown[]) {
    const [dataset, bs, shuffle, sampler, batchSampler, numWorkers, collateFn, pinMemory, dropLast, timeout, workerInitFn, mpContext, generator, kw] = dataLoaderArgs.bind(args);
    if (dataset === null || typeof dataset !== "object" || typeof dataset.get !== "function" || typeof dataset.length !== "number") {
      throw new FluxionError(`DataLoader: expected a Dataset (an object with \`length\` and \`get(i)\`), got ${describeValue(dataset)}`);
    }
    if (bs !== null && bs < 1) throw new FluxionError(`DataLoader: batchSize should be a positive integer, got ${bs}`);
    if (bs === null && dropLast) throw new FluxionError("DataLoader: batchSize=null disables batching and cannot be combined with dropLast=true");
    refuse("sampler", sampler, null, "use shuffle and generator, or a Subset");
    refuse("batchSampler", batchSampler, null, "use batchSize, shuffle and dropLast");
    refuse("numWorkers", numWorkers, 0, "batches are made in the calling thread");
    refuse("pinMemory", pinMemory, false, "there is no pinned host memory");
    refuse("timeout", timeout, 0, "there are no worker processes to wait for");
    refuse("workerInitFn", workerInitFn, null, "there are no worker processes");
    refuse("multiprocessingContext", mpContext, null, "there are no worker processes");
    refuse("prefetchFactor", kw.prefetchFactor, 2, "there are no worker processes");
    refuse("persistentWorkers", kw.persistentWorkers, false, "there are no worker processes");
    refuse("pinMemoryDevice", kw.pinMemoryDevice, "", "there is no pinned host memory");
    this.dataset = dataset as Dataset<T>;
    this.batchSize = bs;
    this.shuffle = shuffle ?? false;
    this.dropLast = dropLast;
    this.generator = generator ?? undefined;
    this.collateFn = (collateFn ?? undefined) as ((items: T[]) => B) | undefined;
  }

  /** Batches per epoch (torch's len(loader)); items when batching is disabled. */
  get length(): number {
    const n = this.dataset.length;
    if (this.batchSize === null) return n;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
  len(): number {
    return this.length;
  }

  /** The item order of one epoch: 0..n-1, or a permutation drawn from the generator. */
  private epochOrder(): ArrayLike<number> {
    const n = this.dataset.length;
    if (!this.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
    return randperm(n, { generator: this.generator ?? defaultGenerator }).toTypedArray<Int32Array>();
  }

  private makeBatch(indices: number[]): B {
    const ds = this.dataset;
    if (!this.collateFn && ds.getBatch) return ds.getBatch(indices) as B;
    const items = indices.map((i) => ds.get(i));
    return this.collateFn ? this.collateFn(items) : (defaultCollate(items) as B);
  }

  *[Symbol.iterator](): Iterator<B> {
    const order = this.epochOrder();
    const n = order.length, bs = this.batchSize;
    if (bs === null) {
      // no batching: items as they are, or each through collateFn (PyTorch's default_convert keeps them)
      const convert = this.collateFn as unknown as ((item: T) => B) | undefined;
      for (let k = 0; k < n; k++) {
        const item = this.dataset.get(order[k]!);
        yield convert ? convert(item) : (item as unknown as B);
      }
      return;
    }
    for (let start = 0; start < n; start += bs) {
      const end = Math.min(start + bs, n);
      if (end - start < bs && this.dropLast) break;
      yield this.makeBatch(Array.from({ length: end - start }, (_, k) => order[start + k]!));
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    for (const batch of this) yield batch;
  }
}
