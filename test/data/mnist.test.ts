/**
 * MNIST / Fashion-MNIST: file lookup order, loading, batching, corrupt files, the offline
 * error and downloads (with a fake fetch: tests never touch the network), and the real
 * Fashion-MNIST files when the system copy is installed.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { FluxionError, Generator, Tensor, data } from "../../src/index.js";
import { idxBytes } from "./idx_writer.js";

const { datasets, transforms, DataLoader, ByteImage } = data;
const SYSTEM_FASHION = "/usr/share/datasets/fashion-mnist";
const hasSystemFashion = existsSync(join(SYSTEM_FASHION, "train-labels-idx1-ubyte.gz"));

let scratch = "";
const savedEnv = { FLUXION_DATA: process.env.FLUXION_DATA, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME };
before(() => {
  scratch = mkdtempSync(join(tmpdir(), "fluxion-mnist-"));
  delete process.env.FLUXION_DATA;
  process.env.XDG_CACHE_HOME = join(scratch, "cache"); // never the real ~/.cache
});
after(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(scratch, { recursive: true, force: true });
});

function newDir(name: string): string {
  const d = join(scratch, name);
  mkdirSync(d, { recursive: true });
  return d;
}

/** Writes a tiny dataset split: n images of rows x cols with pixel (img, r, c) = img*16 + r*cols + c. */
function writeSplit(dir: string, opts: { train?: boolean; n?: number; rows?: number; cols?: number; labels?: number[]; gzip?: boolean; names?: [string, string] } = {}): { pixels: number[]; labels: number[] } {
  const n = opts.n ?? 3, rows = opts.rows ?? 4, cols = opts.cols ?? 3;
  const pixels = Array.from({ length: n * rows * cols }, (_, i) => (Math.floor(i / (rows * cols)) * 16 + (i % (rows * cols))) % 256);
  const labels = opts.labels ?? Array.from({ length: n }, (_, i) => (i * 7) % 10);
  const prefix = opts.train === false ? "t10k" : "train";
  const gz = opts.gzip ?? true;
  const [imgName, lblName] = opts.names ?? [`${prefix}-images-idx3-ubyte${gz ? ".gz" : ""}`, `${prefix}-labels-idx1-ubyte${gz ? ".gz" : ""}`];
  const enc = (b: Uint8Array) => (gz ? gzipSync(b) : b);
  writeFileSync(join(dir, imgName), enc(idxBytes(0x08, [n, rows, cols], pixels)));
  writeFileSync(join(dir, lblName), enc(idxBytes(0x08, [labels.length], labels)));
  return { pixels, labels };
}

test("loads a split from root: images as ByteImages, labels, targets, data", () => {
  const root = newDir("root-basic");
  const { pixels, labels } = writeSplit(root);
  const ds = new datasets.MNIST({ root });
  assert.equal(ds.length, 3);
  assert.equal(ds.files.images, join(root, "train-images-idx3-ubyte.gz"));
  const [img, label] = ds.get(1);
  assert.ok(img instanceof ByteImage);
  assert.deepEqual([...img.shape], [4, 3]);
  assert.deepEqual([...img.pixels], pixels.slice(12, 24));
  assert.equal(label, labels[1]);
  assert.equal(ds.targets.dtype, "int32");
  assert.deepEqual(ds.targets.tolist(), labels);
  assert.equal(ds.data.dtype, "uint8"); // as torchvision's dataset.data
  assert.deepEqual([...ds.data.shape], [3, 4, 3]);
  assert.deepEqual(ds.data.select(0, 2).flatten().tolist(), pixels.slice(24));
  assert.equal(ds.classes[7], "7 - seven");
  assert.throws(() => ds.get(3), /MNIST\.get: index 3 is out of range for a dataset of 3 items/);
});

test("the test split, torchvision's <root>/MNIST/raw layout, unzipped files and the .idx spelling", () => {
  const root = newDir("root-layouts");
  const raw = join(root, "MNIST", "raw");
  mkdirSync(raw, { recursive: true });
  writeSplit(raw, { train: false, gzip: false, n: 2, labels: [4, 2] });
  const test10k = new datasets.MNIST({ root, train: false });
  assert.equal(test10k.files.labels, join(raw, "t10k-labels-idx1-ubyte"));
  assert.deepEqual(test10k.targets.tolist(), [4, 2]);
  const dotted = newDir("root-dotted");
  writeSplit(dotted, { names: ["train-images.idx3-ubyte", "train-labels.idx1-ubyte"], gzip: false, labels: [1, 1, 1] });
  assert.deepEqual(new datasets.MNIST({ root: dotted }).targets.tolist(), [1, 1, 1]);
});

test("lookup order: root alone when given; else FLUXION_DATA, then the system copy, then the user cache", () => {
  const root = newDir("order-root"), env = newDir("order-env");
  writeSplit(root, { labels: [1, 1, 1] });
  writeSplit(newDir("order-env/fashion-mnist"), { labels: [2, 2, 2] });
  writeSplit(newDir("order-env/mnist"), { labels: [3, 3, 3] });
  process.env.FLUXION_DATA = env;
  try {
    assert.deepEqual(new datasets.FashionMNIST({ root }).targets.tolist(), [1, 1, 1], "root beats FLUXION_DATA");
    const fromEnv = new datasets.FashionMNIST();
    assert.equal(fromEnv.files.labels, join(env, "fashion-mnist", "train-labels-idx1-ubyte.gz"), "FLUXION_DATA beats the system copy");
    assert.deepEqual(new datasets.MNIST().targets.tolist(), [3, 3, 3], "each dataset has its folder under FLUXION_DATA");
    const empty = newDir("order-empty");
    assert.throws(() => new datasets.MNIST({ root: empty }), (e: unknown) => e instanceof FluxionError && e.message.startsWith(`MNIST: dataset not found in ${empty} (`), "a root without the files is an error, not a fallback to FLUXION_DATA");
  } finally {
    delete process.env.FLUXION_DATA;
  }
  if (hasSystemFashion) assert.equal(new datasets.FashionMNIST({ train: false }).files.labels, join(SYSTEM_FASHION, "t10k-labels-idx1-ubyte.gz"), "then the system copy");
  const cache = join(process.env.XDG_CACHE_HOME!, "fluxion", "mnist");
  mkdirSync(cache, { recursive: true });
  writeSplit(cache, { labels: [5, 5, 5] });
  if (!existsSync("/usr/share/datasets/mnist")) assert.deepEqual(new datasets.MNIST().targets.tolist(), [5, 5, 5], "and last the user cache");
  rmSync(cache, { recursive: true, force: true });
});

test("corrupt dataset files are errors naming the file and the problem", () => {
  const bad = newDir("bad-labels");
  writeSplit(bad, { labels: [1, 12, 3] });
  assert.throws(() => new datasets.MNIST({ root: bad }), (e: unknown) => e instanceof FluxionError && e.message.includes(join(bad, "train-labels-idx1-ubyte.gz")) && /holds label 12 at index 1, outside 0\.\.9; the file is corrupt/.test(e.message));
  const count = newDir("bad-count");
  writeSplit(count, { labels: [1, 2] });
  assert.throws(() => new datasets.MNIST({ root: count }), /train-images-idx3-ubyte\.gz has 3 images but .*train-labels-idx1-ubyte\.gz has 2 labels/);
  const cut = newDir("bad-cut");
  writeSplit(cut);
  const imgPath = join(cut, "train-images-idx3-ubyte.gz");
  const full = readFileSync(imgPath);
  writeFileSync(imgPath, full.subarray(0, full.length - 8));
  assert.throws(() => new datasets.MNIST({ root: cut }), new RegExp(`${imgPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is a corrupt or truncated gzip file`));
  const flatImgs = newDir("bad-dims");
  writeFileSync(join(flatImgs, "train-images-idx3-ubyte"), idxBytes(0x08, [3, 12], new Array(36).fill(0)));
  writeFileSync(join(flatImgs, "train-labels-idx1-ubyte"), idxBytes(0x08, [3], [0, 1, 2]));
  assert.throws(() => new datasets.MNIST({ root: flatImgs }), /should hold uint8 images \[N, rows, cols\], found uint8 \[3, 12\]/);
});

test("missing files without root: the error lists where it looked and how to get them", { skip: existsSync("/usr/share/datasets/mnist") && "a system MNIST copy exists" }, () => {
  assert.throws(() => new datasets.MNIST(), (e: unknown) => {
    assert.ok(e instanceof FluxionError);
    assert.match(e.message, /^MNIST: train files train-images-idx3-ubyte\.gz and train-labels-idx1-ubyte\.gz not found in any of: /);
    assert.ok(e.message.includes("/usr/share/datasets/mnist") && e.message.includes(join(process.env.XDG_CACHE_HOME!, "fluxion", "mnist")));
    assert.match(e.message, /place the four files \(train-images-idx3-ubyte\.gz, train-labels-idx1-ubyte\.gz, t10k-images-idx3-ubyte\.gz, t10k-labels-idx1-ubyte\.gz\) in a directory and pass \{ root: "<dir>" \} or set FLUXION_DATA=<dir>/);
    return true;
  });
});

test("an explicit root that lacks the files, or has only some, is an error naming it (no fallback to the system copy)", () => {
  for (const [name, write] of [
    ["root-missing", null],
    ["root-partial", (d: string) => writeFileSync(join(d, "train-images-idx3-ubyte.gz"), gzipSync(idxBytes(0x08, [1, 2, 2], [0, 0, 0, 0])))],
    ["root-test-only", (d: string) => writeSplit(d, { train: false })],
  ] as const) {
    const root = join(scratch, name);
    if (write) write(newDir(name));
    for (const Cls of [datasets.MNIST, datasets.FashionMNIST]) {
      assert.throws(() => new Cls({ root }), (e: unknown) => {
        assert.ok(e instanceof FluxionError);
        const n = Cls.spec.name;
        assert.ok(e.message.startsWith(`${n}: dataset not found in ${root} (looked for the train files train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz in ${root}, ${join(root, n, "raw")}, ${join(root, n)}, ${join(root, Cls.spec.folder)}); `), e.message);
        assert.ok(e.message.includes(`pass download: true to fetch them there (await datasets.${n}.load({ root, download: true }))`));
        assert.ok(!e.message.includes(Cls.spec.systemDir + ","), "the system copy is not searched");
        return true;
      });
    }
  }
  // the test split present in that root still loads
  assert.equal(new datasets.MNIST({ root: join(scratch, "root-test-only"), train: false }).length, 3);
  assert.throws(() => new datasets.MNIST({ root: "" }), /MNIST: root must be a non-empty directory path, got ""/);
});

test("the constructor refuses download: true (it cannot fetch synchronously), even when the files are there", () => {
  const root = newDir("ctor-download");
  writeSplit(root);
  for (const opts of [{ root, download: true }, { download: true }]) {
    assert.throws(() => new datasets.MNIST(opts), (e: unknown) => {
      assert.ok(e instanceof FluxionError);
      assert.match(e.message, /^MNIST: the constructor cannot download \(it reads files synchronously\); use the async loader, which downloads missing files: await datasets\.MNIST\.load\(\{ (root, )?download: true, \.\.\. \}\)$/);
      return true;
    });
  }
  assert.equal(new datasets.MNIST({ root, download: false }).length, 3, "download: false is fine");
});

test("Fashion-MNIST's how-to names the Debian package", () => {
  const text = datasets.howToGet(datasets.FASHION_MNIST_SPEC);
  assert.match(text, /sudo apt-get install dataset-fashion-mnist \(puts the files in \/usr\/share\/datasets\/fashion-mnist\)/);
  assert.match(text, /set FLUXION_DATA=<dir>/);
});

test("offline: load() with a failing fetch explains every attempt and the manual route", { skip: existsSync("/usr/share/datasets/mnist") && "a system MNIST copy exists" }, async () => {
  const root = newDir("offline");
  const urls: string[] = [];
  const offline = async (url: string) => {
    urls.push(url);
    throw new TypeError("fetch failed (getaddrinfo ENOTFOUND)");
  };
  await assert.rejects(datasets.MNIST.load({ root, fetch: offline, quiet: true }), (e: unknown) => {
    assert.ok(e instanceof FluxionError);
    assert.match(e.message, /MNIST: could not download train-images-idx3-ubyte\.gz into /);
    assert.match(e.message, /https:\/\/ossci-datasets\.s3\.amazonaws\.com\/mnist\/train-images-idx3-ubyte\.gz: fetch failed \(getaddrinfo ENOTFOUND\)/);
    assert.match(e.message, /http:\/\/yann\.lecun\.com\/exdb\/mnist\/train-images-idx3-ubyte\.gz: fetch failed/);
    assert.match(e.message, /To get the MNIST files:/);
    assert.match(e.message, /FLUXION_DATA=<dir>/);
    return true;
  });
  assert.deepEqual(urls, ["https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz", "http://yann.lecun.com/exdb/mnist/train-images-idx3-ubyte.gz"]);
});

/** A dataset class whose published files are tiny ones this test makes (same machinery as MNIST). */
function tinySpec(files: Record<string, Uint8Array>) {
  const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");
  const r = (f: string) => ({ file: f, md5: md5(files[f]!) });
  return {
    ...datasets.MNIST_SPEC,
    name: "Tiny",
    folder: "tiny",
    systemDir: join(scratch, "no-system-copy"),
    mirrors: ["https://mirror-a.invalid/", "https://mirror-b.invalid/data"],
    train: [r("train-images-idx3-ubyte.gz"), r("train-labels-idx1-ubyte.gz")] as const,
    test: [r("t10k-images-idx3-ubyte.gz"), r("t10k-labels-idx1-ubyte.gz")] as const,
  };
}

test("download: MD5-verified files from the first good mirror, then loaded", async () => {
  const files: Record<string, Uint8Array> = {
    "train-images-idx3-ubyte.gz": gzipSync(idxBytes(0x08, [2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7])),
    "train-labels-idx1-ubyte.gz": gzipSync(idxBytes(0x08, [2], [6, 9])),
    "t10k-images-idx3-ubyte.gz": gzipSync(idxBytes(0x08, [1, 2, 2], [9, 9, 9, 9])),
    "t10k-labels-idx1-ubyte.gz": gzipSync(idxBytes(0x08, [1], [0])),
  };
  class Tiny extends datasets.MNIST {
    static override readonly spec = tinySpec(files);
  }
  const requested: string[] = [];
  const fakeFetch = async (url: string) => {
    requested.push(url);
    const name = url.slice(url.lastIndexOf("/") + 1);
    // mirror A serves corrupted bytes; mirror B the real ones (streamed with a length)
    const body = url.includes("mirror-a") ? new Uint8Array([1, 2, 3]) : files[name]!;
    return new Response(body, { headers: { "content-length": String(body.length) } });
  };
  const root = newDir("download-root");
  const ds = await Tiny.load({ root, fetch: fakeFetch, quiet: true });
  assert.deepEqual(requested, [
    "https://mirror-a.invalid/train-images-idx3-ubyte.gz",
    "https://mirror-b.invalid/data/train-images-idx3-ubyte.gz",
    "https://mirror-a.invalid/train-labels-idx1-ubyte.gz",
    "https://mirror-b.invalid/data/train-labels-idx1-ubyte.gz",
  ]);
  assert.deepEqual([...readFileSync(join(root, "train-labels-idx1-ubyte.gz"))], [...files["train-labels-idx1-ubyte.gz"]!]);
  assert.equal(ds.length, 2);
  assert.deepEqual(ds.targets.tolist(), [6, 9]);
  assert.deepEqual([...ds.get(1)[0].pixels], [4, 5, 6, 7]);
  // present files are not fetched again
  requested.length = 0;
  await Tiny.load({ root, fetch: fakeFetch, quiet: true });
  assert.deepEqual(requested, []);
  // without root the files go to $FLUXION_DATA/<folder>
  const env = newDir("download-env");
  process.env.FLUXION_DATA = env;
  try {
    const t = await Tiny.load({ train: false, fetch: fakeFetch, quiet: true });
    assert.equal(t.files.labels, join(env, "tiny", "t10k-labels-idx1-ubyte.gz"));
  } finally {
    delete process.env.FLUXION_DATA;
  }
  // every mirror serving bad bytes: the MD5 mismatch is reported
  const badFetch = async () => new Response(new Uint8Array([1, 2, 3]));
  await assert.rejects(Tiny.load({ root: newDir("download-bad"), fetch: badFetch, quiet: true }), /https:\/\/mirror-b\.invalid\/data\/train-images-idx3-ubyte\.gz: MD5 mismatch \(got 5289df737df57326fcdd22597afb1fac, expected [0-9a-f]{32}; 3 bytes\)/);
  const notFound = async () => new Response("nope", { status: 404, statusText: "Not Found" });
  await assert.rejects(Tiny.load({ root: newDir("download-404"), fetch: notFound, quiet: true }), /mirror-a\.invalid\/train-images-idx3-ubyte\.gz: HTTP 404 Not Found/);
});

test("a batchable transform gives whole batches; other transforms go item by item, same values", () => {
  const root = newDir("batches");
  writeSplit(root, { n: 5, rows: 2, cols: 2 });
  const toT = new transforms.ToTensor();
  const fast = new datasets.MNIST({ root, transform: toT });
  assert.ok(fast.getBatch, "ToTensor is batchable");
  const slow = new datasets.MNIST({ root, transform: (img: InstanceType<typeof ByteImage>) => toT.forward(img) });
  assert.equal(slow.getBatch, undefined, "a plain function is per item");
  const a = [...new DataLoader(fast, { batchSize: 2, shuffle: true, generator: new Generator(9) })];
  const b = [...new DataLoader(slow, { batchSize: 2, shuffle: true, generator: new Generator(9) })];
  assert.equal(a.length, 3);
  a.forEach(([x, y], i) => {
    assert.deepEqual([...x.shape], [i < 2 ? 2 : 1, 1, 2, 2]);
    assert.deepEqual(x.tolist(), b[i]![0].tolist());
    assert.deepEqual(y.tolist(), b[i]![1].tolist());
    assert.equal(y.dtype, "int32");
  });
  const withTarget = new datasets.MNIST({ root, transform: toT, targetTransform: (y: number) => y === 0 });
  assert.equal(withTarget.getBatch, undefined, "a targetTransform disables the batch path");
  assert.equal(withTarget.get(0)[1], true);
});

test("the real Fashion-MNIST: shapes, label range and counts, first labels, a batch", { skip: !hasSystemFashion && "dataset-fashion-mnist not installed" }, () => {
  const train = new datasets.FashionMNIST({ transform: new transforms.ToTensor() });
  assert.equal(train.length, 60000);
  assert.deepEqual([...train.data.shape], [60000, 28, 28]);
  assert.deepEqual([...train.targets.shape], [60000]);
  assert.equal(train.targets.dtype, "int32");
  assert.equal(train.labels[0], 9, "the first training image is an ankle boot");
  assert.equal(train.classes[9], "Ankle boot");
  const counts = new Array(10).fill(0);
  for (const l of train.labels) counts[l]++;
  assert.deepEqual(counts, new Array(10).fill(6000), "6000 images per class");
  const [x0, y0] = train.get(0);
  assert.deepEqual([...x0.shape], [1, 28, 28]);
  assert.equal(y0, 9);
  const v = x0.toTypedArray();
  assert.ok(v.every((p) => p >= 0 && p <= 1));
  assert.equal(Math.max(...v), 1, "the boot has a white pixel");
  assert.equal(x0.tolist()[0][0][0], 0, "black corner");
  const [xb, yb] = new DataLoader(train, { batchSize: 64 })[Symbol.iterator]().next().value as [Tensor, Tensor];
  assert.deepEqual([...xb.shape], [64, 1, 28, 28]);
  assert.deepEqual(xb.select(0, 0).tolist(), x0.tolist(), "batch row 0 is item 0");
  assert.deepEqual(yb.tolist().slice(0, 3), [9, 0, 0]);

  const testSet = new datasets.FashionMNIST({ train: false });
  assert.equal(testSet.length, 10000);
  assert.deepEqual([...testSet.data.shape], [10000, 28, 28]);
  assert.deepEqual(testSet.targets.tolist().slice(0, 5), [9, 2, 1, 1, 6]);
  assert.ok(testSet.get(0)[0] instanceof ByteImage);
});
