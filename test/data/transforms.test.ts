/** Transforms, checked against hand-computed values, per item and per batch. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FluxionError, Generator, Tensor, arange, data, tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";

const { ByteImage } = data;
const { Compose, ToTensor, Normalize, RandomHorizontalFlip, RandomCrop, Lambda, Transform, isBatchable } = data.transforms;

test("ToTensor scales bytes to [0, 1] float32 and adds the channel dim", () => {
  const img = new ByteImage(new Uint8Array([0, 51, 102, 255, 1, 254]), [2, 3]);
  const t = new ToTensor().forward(img);
  assert.equal(t.dtype, "float32");
  assert.deepEqual([...t.shape], [1, 2, 3]);
  assertClose(t, [0, 0.2, 0.4, 1, 1 / 255, 254 / 255], { atol: 1e-7, rtol: 0 });
  assert.equal(t.tolist()[0][1][0], 1, "255 maps to exactly 1");
});

test("ToTensor with range [-1, 1] maps p to 2p/255 - 1", () => {
  const t = new ToTensor({ range: [-1, 1] }).forward(new ByteImage(new Uint8Array([0, 255, 51, 204]), [2, 2]));
  assertClose(t, [-1, 1, -0.6, 0.6], { atol: 1e-6, rtol: 0 });
  assert.equal(t.tolist()[0][0][0], -1);
});

test("ToTensor turns HWC colour images into CHW, and batches into NCHW", () => {
  // 1x2 RGB image: pixel 0 = (255, 0, 51), pixel 1 = (0, 255, 102)
  const rgb = new ByteImage(new Uint8Array([255, 0, 51, 0, 255, 102]), [1, 2, 3]);
  const t = new ToTensor().forward(rgb);
  assert.deepEqual([...t.shape], [3, 1, 2]);
  assertClose(t, [1, 0, 0, 1, 0.2, 0.4], { atol: 1e-7, rtol: 0 });
  const batch = ByteImage.stack([rgb, new ByteImage(new Uint8Array([0, 0, 0, 255, 255, 255]), [1, 2, 3])]);
  const tb = new ToTensor().forward(batch);
  assert.deepEqual([...tb.shape], [2, 3, 1, 2]);
  assertClose(tb, [1, 0, 0, 1, 0.2, 0.4, 0, 1, 0, 1, 0, 1], { atol: 1e-7, rtol: 0 });
});

test("ToTensor on tensors: int32 pixels are scaled, floats pass through", () => {
  const t = new ToTensor().forward(tensor([0, 255, 51], { dtype: "int32" }).reshape(1, 1, 3));
  assert.equal(t.dtype, "float32");
  assertClose(t, [0, 1, 0.2], { atol: 1e-7, rtol: 0 });
  const f = tensor([0.3, 7]);
  assert.equal(new ToTensor().forward(f), f);
});

test("Normalize subtracts the mean and divides by the std per channel", () => {
  const x = tensor([[[0, 1], [0.5, 0.25]], [[1, 1], [0, 0.5]]]); // [2, 2, 2]
  const y = new Normalize([0.5, 0.25], [0.5, 0.25]).forward(x);
  // channel 0: (v - 0.5) / 0.5, channel 1: (v - 0.25) / 0.25
  assertClose(y, [-1, 1, 0, -0.5, 3, 3, -1, 1], { atol: 1e-6, rtol: 0 });
  const single = new Normalize(0.2860, 0.3530).forward(tensor([[0.286, 0.639]]));
  assertClose(single, [0, 1], { atol: 1e-6, rtol: 0 });
  // a batch [N, C, H, W] uses the channel dim -3
  const b = new Normalize([1, 2], [1, 2]).forward(tensor([3, 3, 3, 3]).reshape(2, 2, 1, 1));
  assertClose(b, [2, 0.5, 2, 0.5], { atol: 1e-6, rtol: 0 });
});

test("Normalize errors explain the fix", () => {
  assert.throws(() => new Normalize([0.5], [0]), /std evaluated to zero/);
  assert.throws(() => new Normalize([0.5, 0.5, 0.5], [0.2, 0.2, 0.2]).forward(tensor([[[1]]])), /3 mean\/std values for an image with 1 channels/);
  assert.throws(() => new Normalize(0.5, 0.5).forward(new ByteImage(new Uint8Array(1), [1, 1]) as unknown as Tensor), /apply ToTensor first/);
  assert.throws(() => new Normalize(0.5, 0.5).forward(tensor([[1]], { dtype: "int32" })), (e: unknown) => e instanceof FluxionError && /expected a floating point tensor, got int32/.test(e.message));
});

test("RandomHorizontalFlip with p = 1 mirrors, p = 0 returns the input", () => {
  const x = arange(6).reshape(1, 2, 3).float();
  assert.deepEqual(new RandomHorizontalFlip(1).forward(x).tolist(), [[[2, 1, 0], [5, 4, 3]]]);
  assert.equal(new RandomHorizontalFlip(0).forward(x), x);
  // HWC bytes: whole pixels move, channels stay in order
  const rgb = new ByteImage(new Uint8Array([1, 2, 3, 4, 5, 6]), [1, 2, 3]);
  assert.deepEqual([...new RandomHorizontalFlip(1).forward(rgb).pixels], [4, 5, 6, 1, 2, 3]);
});

test("RandomHorizontalFlip on a batch decides per image, reproducibly", () => {
  const x = arange(8 * 3).reshape(8, 1, 1, 3).float();
  const gen = new Generator(5);
  const y = new RandomHorizontalFlip(0.5, { generator: gen }).forward(x).tolist() as number[][][][];
  // the decisions are the generator's first 8 floats compared with p
  const ref = new Generator(5);
  const flips = Array.from({ length: 8 }, () => ref.nextFloat() < 0.5);
  assert.ok(flips.some(Boolean) && !flips.every(Boolean), "seed 5 flips some images but not all");
  y.forEach((img, i) => {
    const row = [3 * i, 3 * i + 1, 3 * i + 2];
    assert.deepEqual(img[0]![0], flips[i] ? row.reverse() : row, `image ${i}`);
  });
});

test("RandomCrop with padding: windows of the zero-padded image at the drawn offsets", () => {
  const x = arange(1, 10).reshape(1, 3, 3).float(); // [[1,2,3],[4,5,6],[7,8,9]]
  const padded = [
    [0, 0, 0, 0, 0],
    [0, 1, 2, 3, 0],
    [0, 4, 5, 6, 0],
    [0, 7, 8, 9, 0],
    [0, 0, 0, 0, 0],
  ];
  const crop = new RandomCrop(3, { padding: 1, generator: new Generator(11) });
  const ref = new Generator(11);
  for (let trial = 0; trial < 6; trial++) {
    const top = ref.nextBelow(3), left = ref.nextBelow(3); // top first, then left
    const want = padded.slice(top, top + 3).map((r) => r.slice(left, left + 3));
    assert.deepEqual(crop.forward(x).tolist(), [want], `trial ${trial} (top ${top}, left ${left})`);
  }
});

test("RandomCrop: full-size crop of padded input is the padded image; fill and asymmetric padding", () => {
  const x = tensor([[1, 2], [3, 4]]);
  const out = new RandomCrop([3, 4], { padding: [1, 0, 1, 1], fill: -1 }).forward(x); // left 1, top 0, right 1, bottom 1
  assert.deepEqual(out.tolist(), [[-1, 1, 2, -1], [-1, 3, 4, -1], [-1, -1, -1, -1]]);
  assert.throws(() => new RandomCrop(3).forward(x), /required crop size 3x3 is larger than the \(padded\) input image 2x2/);
  // padIfNeeded pads both sides by the shortfall (as torchvision): 2 + 2 + 2 = 6, then a random 4x4 window
  const grown = new RandomCrop(4, { padIfNeeded: true, generator: new Generator(4) }).forward(x);
  const ref = new Generator(4);
  const top = ref.nextBelow(3), left = ref.nextBelow(3);
  const padded = [0, 0, 1, 2, 0, 0].map((_, r) => [0, 0, 0, 0, 0, 0].map((__, c) => (r === 2 || r === 3) && (c === 2 || c === 3) ? [[1, 2], [3, 4]][r - 2]![c - 2]! : 0));
  assert.deepEqual(grown.tolist(), padded.slice(top, top + 4).map((r) => r.slice(left, left + 4)));
});

test("RandomCrop on a ByteImage batch crops each image with its own window", () => {
  const imgs = new ByteImage(Uint8Array.from({ length: 2 * 4 * 4 }, (_, i) => i), [2, 4, 4], true);
  const gen = new Generator(2);
  const out = new RandomCrop(2, { generator: gen }).forward(imgs);
  assert.deepEqual([...out.shape], [2, 2, 2]);
  const ref = new Generator(2);
  for (let n = 0; n < 2; n++) {
    const top = ref.nextBelow(3), left = ref.nextBelow(3);
    const base = 16 * n + 4 * top + left;
    assert.deepEqual([...out.pixels.subarray(4 * n, 4 * n + 4)], [base, base + 1, base + 4, base + 5], `image ${n}`);
  }
});

test("Compose and Lambda chain transforms; batchability follows the parts", () => {
  const t = new Compose([new ToTensor(), new Normalize(0.5, 0.5), new Lambda((x: Tensor) => x.flatten())]);
  const out = t.forward(new ByteImage(new Uint8Array([0, 255, 255, 0]), [2, 2]));
  assert.deepEqual([...out.shape], [4]);
  assert.deepEqual(out.tolist(), [-1, 1, 1, -1]);
  assert.equal(t.batchable, false, "a plain Lambda is per item");
  assert.equal(new Compose([new ToTensor(), new Lambda((x: Tensor) => x, { batchable: true })]).batchable, true);
  assert.equal(isBatchable((x: unknown) => x), false, "plain functions are per item");
  assert.equal(isBatchable(undefined), true);
  const composedFn = new Compose([(x: number) => x + 1, (x: number) => x * 10]);
  assert.equal(composedFn.forward(2), 30);
});

test("per-item and batched ToTensor + Normalize agree", () => {
  const pixels = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => (i * 37) % 256);
  const batch = new ByteImage(pixels, [3, 2, 2], true);
  const t = new Compose([new ToTensor(), new Normalize([0.1307], [0.3081])]);
  const whole = t.forward(batch);
  assert.deepEqual([...whole.shape], [3, 1, 2, 2]);
  for (let i = 0; i < 3; i++) assert.deepEqual(whole.select(0, i).tolist(), t.forward(batch.at(i)).tolist());
});

test("custom Transform subclasses are per item unless they declare batchable", () => {
  class AddOne extends data.transforms.Transform<Tensor, Tensor> {
    forward(x: Tensor) {
      return x.add(1);
    }
  }
  class AddOneBatched extends AddOne {
    override readonly batchable = true;
  }
  assert.equal(new AddOne().batchable, false);
  assert.equal(new AddOneBatched().batchable, true);
  assert.equal(new ToTensor().batchable && new Normalize(0, 1).batchable && new RandomCrop(1).batchable && new RandomHorizontalFlip().batchable, true);
  assert.deepEqual(new AddOne().forward(tensor([1, 2])).tolist(), [2, 3]);
});

test("transforms are callable, as torchvision's are, and print like them", () => {
  const n = new Normalize([0.5], [0.5]);
  assert.deepEqual(n(tensor([[[1]]])).tolist(), [[[1]]]);
  assert.equal(typeof n, "function");
  assert.ok(n instanceof Normalize);
  const c = new Compose([new ToTensor(), n]);
  assert.equal(c.batchable, true, "a callable transform still counts as batchable when it is");
  assert.equal(String(c), "Compose(\n    ToTensor()\n    Normalize(mean=[0.5], std=[0.5])\n)");
  class AddOne extends Transform<number, number> {
    forward(x: number) {
      return x + 1;
    }
  }
  const t = new AddOne();
  assert.equal(t(1), 2);
  assert.equal(t.batchable, false);
  assert.equal(String(new Compose([t, (x: number) => x * 2])), "Compose(\n    AddOne()\n    <function (anonymous)>\n)");
});
