/**
 * DataLoader: batches of a map-style dataset, optionally shuffled with a seeded Generator
 * (torch.utils.data.DataLoader). Iterate with `for...of` (or `for await`); `length` is the
 * number of batches per epoch. Each new iteration is a new epoch with a fresh shuffle.
 *
 * With the default collation, datasets that offer `getBatch` (TensorDataset, Subset of
 * one, MNIST) build each batch in one go instead of item by item.
 */
import { FluxionError } from "../errors.js";
import { randperm } from "../tensor/creation.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { defaultCollate, type Collated } from "./collate.js";
import type { Dataset } from "./dataset.js";

export interface DataLoaderOptions<T, B> {
  /** Items per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the items at the start of every epoch (default false). */
  shuffle?: boolean;
  /** The source of shuffling randomness (default: the global generator, see manualSeed). */
  generator?: Generator;
  /** Drop the last batch when it would be smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Makes a batch from a list of items (default: defaultCollate). */
  collateFn?: (items: T[]) => B;
}

/**
 * Iterates a dataset in batches.
 * @example
 * const loader = new data.DataLoader(trainSet, { batchSize: 64, shuffle: true, generator: new Generator(0) });
 * for (const [x, y] of loader) {
 *   optimizer.zeroGrad();
 *   criterion.forward(model.forward(x), y).backward();
 *   optimizer.step();
 * }
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: Generator | undefined;
  private readonly collateFn: ((items: T[]) => B) | undefined;

  constructor(
    readonly dataset: Dataset<T>,
    opts: DataLoaderOptions<T, B> = {},
  ) {
    const bs = opts.batchSize ?? 1;
    if (!Number.isInteger(bs) || bs < 1) throw new FluxionError(`DataLoader: batchSize should be a positive integer, got ${bs}`);
    if (dataset === null || typeof dataset !== "object" || typeof dataset.get !== "function" || typeof dataset.length !== "number") {
      throw new FluxionError("DataLoader: expected a Dataset (an object with `length` and `get(i)`)");
    }
    this.batchSize = bs;
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.generator = opts.generator;
    this.collateFn = opts.collateFn;
  }

  /** Batches per epoch (torch's len(loader)). */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
  len(): number {
    return this.length;
  }

  /** The item order of one epoch: 0..n-1, or a permutation drawn from the generator. */
  private epochOrder(): ArrayLike<number> {
    const n = this.dataset.length;
    if (!this.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
    return randperm(n, { generator: this.generator ?? defaultGenerator }).toTypedArray();
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
