/**
 * data: feeding models (torch.utils.data + torchvision's transforms and datasets).
 * Datasets, samplers, the DataLoader with seeded shuffling and batch fast paths, collation,
 * transforms, the IDX reader, and MNIST / Fashion-MNIST.
 *
 * @example
 * import { data, Generator } from "fluxion";
 * const { DataLoader, datasets, transforms } = data;
 * const train = new datasets.FashionMNIST({ train: true, transform: new transforms.ToTensor() });
 * const loader = new DataLoader(train, { batchSize: 64, shuffle: true, generator: new Generator(0) });
 * for (const [images, labels] of loader) {
 *   // images: float32 [64, 1, 28, 28] in [0, 1]; labels: int32 [64]
 * }
 */
export { Dataset, IterableDataset, ChainDataset, TensorDataset, Subset, ConcatDataset, randomSplit } from "./dataset.js";
export { getWorkerInfo } from "./dataloader.js";
export { DataLoader, type DataLoaderOptions } from "./dataloader.js";
export { Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler } from "./sampler.js";
export { defaultCollate, type Collated } from "./collate.js";
export { ByteImage } from "./image.js";
export { parseIdx, readIdxFile, type IdxContents, type IdxType, type IdxArray } from "./idx.js";
export * as transforms from "./transforms.js";
export * as datasets from "./datasets/index.js";
