/**
 * The "Datasets & DataLoaders" tutorial (pytorch.org/tutorials/beginner/basics/data_tutorial)
 * translated line by line, on Debian's Fashion-MNIST, checked against PyTorch 1.13 and
 * torchvision 0.14 (test/fixtures/tutorials/data.py -> data.json, images/, labels.csv).
 * Lines that needed more than the mechanical changes carry a comment saying so.
 *
 * PyTorch's random draws (torch.randint, the DataLoader's seeded shuffle) come from its own
 * generator, which Fluxion's does not reproduce; those draws are recorded and replayed here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as fx from "../../src/index.js";
import { data, Generator, Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { FASHION_ROOT, FIXTURES, NO_FASHION, assertTensor, loadFixture } from "./common.js";

const { Dataset, DataLoader, Subset, datasets } = data;
const { ToTensor } = data.transforms;
const F = loadFixture("data.json");
const skip = NO_FASHION;

/** Python's next(iter(loader)). */
function first<B>(loader: Iterable<B>): B {
  return loader[Symbol.iterator]().next().value as B;
}

test("Datasets: loading Fashion-MNIST and indexing it like a list", { skip }, () => {
  // datasets.FashionMNIST(root="data", train=True, download=True, transform=ToTensor()):
  // not mechanical: the constructor cannot download (that is `await datasets.FashionMNIST.load({ download: true, ... })`);
  // the root is the system copy here
  const trainingData = new datasets.FashionMNIST({ root: FASHION_ROOT, train: true, transform: new ToTensor() });
  const testData = new datasets.FashionMNIST({ root: FASHION_ROOT, train: false, transform: new ToTensor() });
  assert.equal(trainingData.length, F.len_training); // len(training_data)
  assert.equal(testData.length, F.len_test);

  const labelsMap: Record<number, string> = { 0: "T-Shirt", 1: "Trouser", 2: "Pullover", 3: "Dress", 4: "Coat", 5: "Sandal", 6: "Shirt", 7: "Sneaker", 8: "Bag", 9: "Ankle Boot" };
  const [cols, rows] = [3, 3];
  for (let i = 1; i < cols * rows + 1; i++) {
    const sampleIdx: number = F.samples[i - 1].sample_idx; // torch.randint(len(training_data), size=(1,)).item(): PyTorch's draw, replayed (the random streams differ)
    const [img, label] = trainingData.get(sampleIdx); // training_data[sample_idx]: not mechanical, Python's [] on a dataset is get()
    const want = F.samples[i - 1];
    assert.equal(label, want.label);
    assert.equal(labelsMap[label], want.title);
    assert.deepEqual([...img.shape], want.img_shape);
    assertClose(img.sum().item(), want.img_sum, { rtol: 1e-6 });
    assert.deepEqual([...img.squeeze().shape], want.squeezed); // plt.imshow(img.squeeze(), cmap="gray")
  }
  assertTensor(trainingData.get(0)[0], F.train0, { atol: 0, rtol: 1e-7 });
});

/** pd.read_csv(annotations_file): rows of [file, label] (pandas has no counterpart here, nor needs one). */
function readCsv(path: string): string[][] {
  return readFileSync(path, "utf8").trim().split("\n").slice(1).map((line) => line.split(","));
}

/**
 * The tutorial's CustomImageDataset. `readImage` stands for torchvision.io.read_image, which
 * has no Fluxion counterpart (no PNG/JPEG decoder).
 */
function makeCustomImageDataset(readImage: (path: string) => data.ByteImage) {
  type Transform = data.transforms.Transform; // not mechanical: the transform parameters need a type
  return class CustomImageDataset extends Dataset<[Tensor, number]> {
    imgLabels: string[][];
    imgDir: string;
    transform: Transform | null;
    targetTransform: Transform | null;

    constructor(annotationsFile: string, imgDir: string, transform: Transform | null = null, targetTransform: Transform | null = null) {
      super();
      this.imgLabels = readCsv(annotationsFile); // pd.read_csv(annotations_file)
      this.imgDir = imgDir;
      this.transform = transform;
      this.targetTransform = targetTransform;
    }

    get length(): number { // __len__
      return this.imgLabels.length;
    }

    get(idx: number): [Tensor, number] { // __getitem__
      const imgPath = join(this.imgDir, this.imgLabels[idx]![0]!);
      let image: any = readImage(imgPath);
      let label: any = Number(this.imgLabels[idx]![1]); // self.img_labels.iloc[idx, 1]
      if (this.transform) image = this.transform.forward(image); // not mechanical: transforms are not callable, self.transform(image) is .forward(image)
      if (this.targetTransform) label = this.targetTransform.forward(label); // same
      return [image, label];
    }
  };
}

test("Datasets: a custom Dataset reading image files with torchvision.io.read_image", { skip: "missing feature: torchvision.io.read_image (decoding PNG/JPEG files into a uint8 tensor) and transforms.ConvertImageDtype have no Fluxion counterpart" }, () => {
  const readImage = (data as any).io?.readImage as ((p: string) => data.ByteImage) | undefined; // torchvision.io.read_image
  assert.ok(readImage, "data.io.readImage exists");
  const CustomImageDataset = makeCustomImageDataset(readImage);
  const custom = new CustomImageDataset(join(FIXTURES, "labels.csv"), join(FIXTURES, "images"), new (data.transforms as any).ConvertImageDtype(fx.float));
  assert.equal(custom.length, F.custom_len);
});

test("Datasets: the same custom Dataset (length/get, transforms) batched by a DataLoader", { skip }, () => {
  // The images of images/*.png are test images 0-8 (data.py checks the PNG round trip is
  // lossless), so reading test image k stands in for decoding test_k.png.
  const rawTest = new datasets.FashionMNIST({ root: FASHION_ROOT, train: false });
  const readImage = (path: string) => rawTest.get(Number(/test_(\d+)\.png$/.exec(path)![1]))[0];
  const CustomImageDataset = makeCustomImageDataset(readImage);
  // ConvertImageDtype(torch.float) in data.py; ToTensor gives the same [1, 28, 28] values p / 255
  const custom = new CustomImageDataset(join(FIXTURES, "labels.csv"), join(FIXTURES, "images"), new ToTensor());
  assert.equal(custom.length, F.custom_len);
  for (let i = 0; i < custom.length; i++) {
    const [img, label] = custom.get(i);
    assert.deepEqual([...img.shape], F.custom_items[i].shape);
    assertClose(img.sum().item(), F.custom_items[i].sum, { rtol: 1e-6 });
    assert.equal(label, F.custom_items[i].label);
  }
  let k = 0;
  for (const [X, y] of new DataLoader(custom, { batchSize: 4 })) {
    const want = F.custom_batches[k++];
    assert.deepEqual([...X.shape], want.X.shape);
    assert.equal(`torch.${X.dtype}`, want.X.dtype);
    assertClose(X.sum().item(), want.X.sum, { rtol: 1e-6 });
    assert.deepEqual(y.tolist(), want.y);
  }
  assert.equal(k, F.custom_batches.length);
});

test("DataLoader: batches of 64, PyTorch's seeded shuffle replayed, one full pass over the test set", { skip }, () => {
  const trainingData = new datasets.FashionMNIST({ root: FASHION_ROOT, train: true, transform: new ToTensor() });
  const testData = new datasets.FashionMNIST({ root: FASHION_ROOT, train: false, transform: new ToTensor() });
  const trainDataloader = new DataLoader(trainingData, { batchSize: 64, shuffle: true, generator: new Generator(0) });
  const testDataloader = new DataLoader(testData, { batchSize: 64, shuffle: true, generator: new Generator(0) });
  assert.equal(trainDataloader.length, F.len_train_dataloader); // len(train_dataloader)
  assert.equal(testDataloader.length, F.len_test_dataloader);

  const [trainFeatures, trainLabels] = first(trainDataloader); // next(iter(train_dataloader)): not mechanical, JS has no next(iter(...))
  assert.deepEqual(trainFeatures.size(), F.feature_batch_shape);
  assert.deepEqual(trainLabels.size(), F.labels_batch_shape);
  const img = trainFeatures.index(0).squeeze(); // train_features[0].squeeze()
  assert.deepEqual([...img.shape], F.first_img_shape);

  // PyTorch's first batch: the same seed cannot reproduce its order here, so its indices go
  // through a Subset (DataLoader takes no sampler)
  const replay = new DataLoader(new Subset(trainingData, F.first_batch_indices), { batchSize: 64 });
  const [features, labels] = first(replay);
  assert.deepEqual(labels.tolist(), F.first_batch_labels);
  assert.equal(labels.index(0).item(), F.first_label); // train_labels[0]
  assertClose(features.sum([1, 2, 3]), F.first_batch_sums, { rtol: 1e-6 });

  // Fluxion's own seeded shuffle: the same seed gives the same order, and an epoch is a permutation
  const again = first(new DataLoader(trainingData, { batchSize: 64, shuffle: true, generator: new Generator(0) }));
  assert.deepEqual(again[1].tolist(), trainLabels.tolist());
  assert.deepEqual(again[0].sum([1, 2, 3]).tolist(), trainFeatures.sum([1, 2, 3]).tolist());
  let total = 0;
  const counts = new Array(10).fill(0);
  for (const [X, y] of testDataloader) {
    total += X.sum().item();
    for (const v of y.tolist() as number[]) counts[v]++;
  }
  assert.deepEqual(counts, F.test_label_counts);
  const want = F.test_batch_sums.reduce((a: number, b: number) => a + b, 0);
  assertClose(total, want, { rtol: 1e-5 });

  // unshuffled, batch by batch, as PyTorch's pass
  let k = 0;
  for (const [X] of new DataLoader(testData, { batchSize: 64 })) assertClose(X.sum().item(), F.test_batch_sums[k++], { rtol: 1e-5, msg: `batch ${k - 1}` });
  assert.equal(k, F.test_batch_sums.length);
});
