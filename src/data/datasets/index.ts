/**
 * Ready-made datasets (torchvision.datasets): MNIST and Fashion-MNIST, read from the
 * original IDX files, plus the pieces to locate and download such files.
 *
 * @example
 * import { data } from "fluxion";
 * const train = new data.datasets.FashionMNIST({ transform: new data.transforms.ToTensor() });
 */
export { MNIST, FashionMNIST, MNIST_SPEC, FASHION_MNIST_SPEC, candidateDirs, locateFiles, howToGet, type MnistOptions, type IdxDatasetSpec } from "./mnist.js";
export { downloadResources, type Resource, type FetchLike, type DownloadOptions } from "./download.js";
