/**
 * MNIST and Fashion-MNIST (torchvision.datasets.MNIST / FashionMNIST): 28x28 grayscale
 * images with labels 0-9, read from the original IDX files.
 *
 * Where the files are looked for (each directory is also searched in <dir>/<Name>/raw,
 * <dir>/<Name> and <dir>/<folder>, so a torchvision root works as is):
 *   - with the `root` option, there and only there: an explicit root that lacks the files
 *     is an error, as in torchvision, never a silent fallback to another copy;
 *   - without it, in order (the first directory holding both files of the split wins):
 *     1. $FLUXION_DATA;  2. the system copy (Debian's dataset-fashion-mnist package
 *     installs /usr/share/datasets/fashion-mnist);  3. the per-user cache
 *     ~/.cache/fluxion/<folder>.
 * `new FashionMNIST(...)` is synchronous and reads what is there (it refuses `download:
 * true`, which needs the network); `await FashionMNIST.load(...)` also downloads missing
 * files (verified by MD5) into `root`, else $FLUXION_DATA/<folder>, else the cache.
 *
 * Items are `[image, label]`: a ByteImage [28, 28] (or the transform's output) and a number
 * (or the targetTransform's output). With a batchable transform and no targetTransform the
 * DataLoader gets whole batches from `getBatch` (one copy per batch).
 */
import { FluxionError, IndexError } from "../../errors.js";
import { envVar, fileExists, joinPath, userCacheDir } from "../../io/node_files.js";
import { Tensor } from "../../tensor/tensor.js";
import type { Collated } from "../collate.js";
import { Dataset } from "../dataset.js";
import { tensorFromRaw } from "../host.js";
import { readIdxFile } from "../idx.js";
import { ByteImage } from "../image.js";
import { applyTransform, isBatchable, type TransformLike } from "../transforms.js";
import { downloadResources, type FetchLike, type Resource } from "./download.js";
import { declareArgs } from "../../api/registry.js";

/** Where a dataset's files live and how to get them. */
export interface IdxDatasetSpec {
  /** Class name, also the torchvision folder name ("FashionMNIST"). */
  name: string;
  /** Folder under FLUXION_DATA and the cache ("fashion-mnist"). */
  folder: string;
  /** The directory a system package installs, if any. */
  systemDir: string;
  /** A Debian/Ubuntu package that installs systemDir. */
  aptPackage?: string;
  mirrors: readonly string[];
  train: readonly [Resource, Resource];
  test: readonly [Resource, Resource];
  classes: readonly string[];
}

export const MNIST_SPEC: IdxDatasetSpec = {
  name: "MNIST",
  folder: "mnist",
  systemDir: "/usr/share/datasets/mnist",
  mirrors: ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"],
  train: [
    { file: "train-images-idx3-ubyte.gz", md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873" },
    { file: "train-labels-idx1-ubyte.gz", md5: "d53e105ee54ea40749a09fcbcd1e9432" },
  ],
  test: [
    { file: "t10k-images-idx3-ubyte.gz", md5: "9fb629c4189551a2d022fa330f9573f3" },
    { file: "t10k-labels-idx1-ubyte.gz", md5: "ec29112dd5afa0611ce80d1b7f02629c" },
  ],
  classes: ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"],
};

export const FASHION_MNIST_SPEC: IdxDatasetSpec = {
  name: "FashionMNIST",
  folder: "fashion-mnist",
  systemDir: "/usr/share/datasets/fashion-mnist",
  aptPackage: "dataset-fashion-mnist",
  mirrors: ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"],
  train: [
    { file: "train-images-idx3-ubyte.gz", md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d" },
    { file: "train-labels-idx1-ubyte.gz", md5: "25c81989df183df01b3e8a0aad5dffbe" },
  ],
  test: [
    { file: "t10k-images-idx3-ubyte.gz", md5: "bef4ecab320f06d8554ea6380940ec79" },
    { file: "t10k-labels-idx1-ubyte.gz", md5: "bb300cfdad3c16e7a12a480ee83cd310" },
  ],
  classes: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
};

export interface MnistOptions<X = ByteImage, Y = number> {
  /** Directory holding the files; when given, the only place searched. */
  root?: string;
  /** The 60000-image training split (default) or the 10000-image test split. */
  train?: boolean;
  /** Applied to each image (a ByteImage [28, 28]); batchable transforms run on whole batches. */
  transform?: TransformLike<ByteImage, X>;
  /** Applied to each label (a number). */
  targetTransform?: TransformLike<number, Y>;
  /**
   * Only for `load()`: fetch missing files (default true there). The synchronous
   * constructor cannot download and refuses `download: true`.
   */
  download?: boolean;
  /** Only for `load()`: replaces the global fetch. */
  fetch?: FetchLike;
  /** Only for `load()`: no progress output while downloading. */
  quiet?: boolean;
}

/**
 * The candidate directories, in lookup order, each with its torchvision-style variants:
 * only `root`'s when it is given, else $FLUXION_DATA's, the system copy and the cache.
 */
export function candidateDirs(spec: IdxDatasetSpec, root?: string): string[] {
  const expand = (d: string) => [d, joinPath(d, spec.name, "raw"), joinPath(d, spec.name), joinPath(d, spec.folder)];
  if (root !== undefined) return expand(root);
  const dirs: string[] = [];
  const env = envVar("FLUXION_DATA");
  if (env !== undefined) dirs.push(...expand(env));
  dirs.push(spec.systemDir, joinPath(userCacheDir(), spec.folder));
  return dirs;
}

/** The file for `r` in `dir`: gzipped, unzipped, or the "train-images.idx3-ubyte" spelling. */
function findIn(dir: string, r: Resource): string | null {
  const base = r.file.replace(/\.gz$/, "");
  for (const name of [r.file, base, base.replace(/-idx(\d)/, ".idx$1")]) {
    const p = joinPath(dir, name);
    if (fileExists(p)) return p;
  }
  return null;
}

/** The image and label files of a split, from the first directory that has both. */
export function locateFiles(spec: IdxDatasetSpec, train: boolean, root?: string): { images: string; labels: string } | null {
  const [imgRes, lblRes] = train ? spec.train : spec.test;
  for (const dir of candidateDirs(spec, root)) {
    const images = findIn(dir, imgRes), labels = findIn(dir, lblRes);
    if (images && labels) return { images, labels };
  }
  return null;
}

/** How to get the files by hand: the text every not-found or download error ends with. */
export function howToGet(spec: IdxDatasetSpec): string {
  const files = [...spec.train, ...spec.test].map((r) => r.file).join(", ");
  const steps = [
    ...(spec.aptPackage ? [`install the system copy: sudo apt-get install ${spec.aptPackage} (puts the files in ${spec.systemDir})`] : []),
    `download them: await datasets.${spec.name}.load({ download: true }) saves them to ${joinPath(userCacheDir(), spec.folder)}`,
    `or place the four files (${files}) in a directory and pass { root: "<dir>" } or set FLUXION_DATA=<dir>`,
  ];
  return `To get the ${spec.name} files:\n${steps.map((s, i) => `  ${i + 1}. ${s}`).join("\n")}`;
}

/** The error for a split whose files are in none of the candidate directories. */
function notFound(spec: IdxDatasetSpec, train: boolean, root: string | undefined): FluxionError {
  const [a, b] = train ? spec.train : spec.test;
  const searched = candidateDirs(spec, root).join(", ");
  const split = `${train ? "train" : "test"} files ${a.file} and ${b.file}`;
  if (root !== undefined) {
    return new FluxionError(
      `${spec.name}: dataset not found in ${root} (looked for the ${split} in ${searched}); ` +
        `pass download: true to fetch them there (await datasets.${spec.name}.load({ root, download: true })), or put the files in that directory, or omit root to search $FLUXION_DATA, the system copy and the cache.\n${howToGet(spec)}`,
    );
  }
  return new FluxionError(`${spec.name}: ${split} not found in any of: ${searched}.\n${howToGet(spec)}`);
}

/**
 * The MNIST handwritten digits.
 * @example
 * const test = new datasets.MNIST({ train: false, transform: new transforms.ToTensor() });
 * const [x, y] = test.get(0); // x: float32 [1, 28, 28] in [0, 1], y: 7
 */
export class MNIST<X = ByteImage, Y = number> extends Dataset<[X, Y]> {
  static readonly spec: IdxDatasetSpec = MNIST_SPEC;

  /** All images' pixels, N*28*28 bytes. */
  readonly images: Uint8Array;
  /** All labels, one byte each. */
  readonly labels: Uint8Array;
  /** Labels as an int32 tensor [N]. */
  readonly targets: Tensor;
  readonly classes: readonly string[];
  readonly train: boolean;
  /** The files read. */
  readonly files: { images: string; labels: string };
  readonly transform: TransformLike<ByteImage, X> | undefined;
  readonly targetTransform: TransformLike<number, Y> | undefined;
  readonly rows: number;
  readonly cols: number;
  private cachedData: Tensor | null = null;

  /**
   * torchvision's order, `new FashionMNIST("data", true, transform)`, or one options object,
   * `new FashionMNIST({ root: "data", train: true, transform })`.
   */
  constructor(...args: [opts?: MnistOptions<X, Y>] | [root: string | null, train?: boolean, transform?: TransformLike<ByteImage, X> | null, targetTransform?: TransformLike<number, Y> | null, download?: boolean]) {
    super();
    const spec = (new.target as unknown as { spec: IdxDatasetSpec }).spec;
    const opts = bindMnistArgs(spec.name, args) as MnistOptions<X, Y>;
    if (opts.download === true) {
      throw new FluxionError(
        `${spec.name}: the constructor cannot download (it reads files synchronously); use the async loader, which downloads missing files: ` +
          `await datasets.${spec.name}.load({ ${opts.root !== undefined ? "root, " : ""}download: true, ... })`,
      );
    }
    if (opts.root !== undefined && (typeof opts.root !== "string" || opts.root === "")) {
      throw new FluxionError(`${spec.name}: root must be a non-empty directory path, got ${typeof opts.root === "string" ? '""' : typeof opts.root}`);
    }
    this.train = opts.train ?? true;
    const files = locateFiles(spec, this.train, opts.root);
    if (!files) throw notFound(spec, this.train, opts.root);
    this.files = files;
    const img = readIdxFile(files.images), lbl = readIdxFile(files.labels);
    if (img.type !== "uint8" || img.shape.length !== 3) {
      throw new FluxionError(`${spec.name}: ${files.images} should hold uint8 images [N, rows, cols], found ${img.type} [${img.shape.join(", ")}]`);
    }
    if (lbl.type !== "uint8" || lbl.shape.length !== 1) {
      throw new FluxionError(`${spec.name}: ${files.labels} should hold uint8 labels [N], found ${lbl.type} [${lbl.shape.join(", ")}]`);
    }
    if (img.shape[0] !== lbl.shape[0]) {
      throw new FluxionError(`${spec.name}: ${files.images} has ${img.shape[0]} images but ${files.labels} has ${lbl.shape[0]} labels`);
    }
    const labels = lbl.data as Uint8Array;
    const badAt = labels.findIndex((v) => v >= spec.classes.length);
    if (badAt >= 0) throw new FluxionError(`${spec.name}: ${files.labels} holds label ${labels[badAt]} at index ${badAt}, outside 0..${spec.classes.length - 1}; the file is corrupt`);
    this.images = img.data as Uint8Array;
    this.labels = labels;
    [, this.rows, this.cols] = img.shape as [number, number, number];
    this.targets = tensorFromRaw(Int32Array.from(labels), [labels.length], "int32");
    this.classes = spec.classes;
    this.transform = opts.transform;
    this.targetTransform = opts.targetTransform;
    if (isBatchable(opts.transform) && opts.targetTransform === undefined) this.getBatch = (indices) => this.batch(indices);
  }

  /**
   * Finds the files and, when missing and `download` is not false, downloads them (into
   * `root`, else $FLUXION_DATA/<folder>, else the per-user cache) before loading.
   * @example
   * const train = await datasets.MNIST.load({ transform: new transforms.ToTensor() });
   */
  static async load<X = ByteImage, Y = number>(opts: MnistOptions<X, Y> = {}): Promise<MNIST<X, Y>> {
    await ensureFiles(this.spec, opts);
    return new this({ ...opts, download: false });
  }

  get length(): number {
    return this.labels.length;
  }

  /**
   * The images as a uint8 tensor [N, 28, 28] of raw pixel values 0..255, as torchvision's
   * `dataset.data` (made on first use; `ds.data.float().div(255)` scales it).
   */
  get data(): Tensor {
    if (!this.cachedData) this.cachedData = tensorFromRaw(this.images.slice(), [this.length, this.rows, this.cols], "uint8");
    return this.cachedData;
  }

  /** Image i's raw pixels as a ByteImage [rows, cols]. */
  image(index: number): ByteImage {
    const i = this.checkIndex(index), n = this.rows * this.cols;
    return new ByteImage(this.images.slice(i * n, (i + 1) * n), [this.rows, this.cols]);
  }

  get(index: number): [X, Y] {
    const i = this.checkIndex(index);
    const img = this.image(i);
    const x = this.transform ? applyTransform(this.transform, img) : (img as X);
    const y = this.targetTransform ? applyTransform(this.targetTransform, this.labels[i]!) : (this.labels[i]! as Y);
    return [x, y];
  }

  private batch(indices: readonly number[]): Collated<[X, Y]> {
    const n = this.rows * this.cols, len = this.length;
    const pixels = new Uint8Array(indices.length * n);
    const labels = new Int32Array(indices.length);
    indices.forEach((i, b) => {
      if (!Number.isInteger(i) || i < 0 || i >= len) throw new IndexError(`${this.constructor.name}.getBatch: index ${i} is out of range for a dataset of ${len} items`);
      pixels.set(this.images.subarray(i * n, (i + 1) * n), b * n);
      labels[b] = this.labels[i]!;
    });
    const img = new ByteImage(pixels, [indices.length, this.rows, this.cols], true);
    const x = this.transform ? applyTransform(this.transform, img) : img;
    return [x, tensorFromRaw(labels, [indices.length], "int32")] as unknown as Collated<[X, Y]>;
  }
}

/**
 * Zalando's Fashion-MNIST: clothing in ten classes, a drop-in replacement for MNIST.
 * @example
 * const train = new datasets.FashionMNIST({ train: true, transform: new transforms.ToTensor() });
 * const loader = new DataLoader(train, { batchSize: 64, shuffle: true });
 */
export class FashionMNIST<X = ByteImage, Y = number> extends MNIST<X, Y> {
  static override readonly spec: IdxDatasetSpec = FASHION_MNIST_SPEC;

  /** Like MNIST.load: finds or downloads the files, then loads them. */
  static override async load<X = ByteImage, Y = number>(opts: MnistOptions<X, Y> = {}): Promise<FashionMNIST<X, Y>> {
    await ensureFiles(this.spec, opts);
    return new this({ ...opts, download: false });
  }
}

const MNIST_ARGS = "(str? root=null, bool train=true, Any? transform=null, Any? targetTransform=null, bool download=false, *, Callable? fetch=null, bool quiet=false)";
const mnistArgs = {
  MNIST: declareArgs(`MNIST${MNIST_ARGS}`, "data.datasets"),
  FashionMNIST: declareArgs(`FashionMNIST${MNIST_ARGS}`, "data.datasets"),
};

/** The constructor's arguments, in torchvision's order or as one options object, checked. */
function bindMnistArgs(name: string, args: readonly unknown[]): MnistOptions<unknown, unknown> {
  const binder = mnistArgs[name as keyof typeof mnistArgs] ?? mnistArgs.MNIST;
  const [root, train, transform, targetTransform, download, kw] = binder.bind(args);
  return {
    root: root ?? undefined, train, transform: (transform ?? undefined) as MnistOptions["transform"], targetTransform: (targetTransform ?? undefined) as MnistOptions["targetTransform"],
    download, fetch: (kw.fetch ?? undefined) as FetchLike | undefined, quiet: kw.quiet,
  };
}

async function ensureFiles(spec: IdxDatasetSpec, opts: MnistOptions<unknown, unknown>): Promise<void> {
  const train = opts.train ?? true;
  if (locateFiles(spec, train, opts.root) || opts.download === false) return;
  const env = envVar("FLUXION_DATA");
  const dir = opts.root ?? (env !== undefined ? joinPath(env, spec.folder) : joinPath(userCacheDir(), spec.folder));
  await downloadResources(train ? spec.train : spec.test, spec.mirrors, dir, { fetch: opts.fetch, quiet: opts.quiet, what: spec.name, howTo: howToGet(spec) });
}
