/**
 * The "Transforms" tutorial (pytorch.org/tutorials/beginner/basics/transforms_tutorial)
 * translated line by line, checked against PyTorch 1.13 and torchvision 0.14
 * (test/fixtures/tutorials/transforms.py -> transforms.json). Lines that needed more than
 * the mechanical changes carry a comment saying so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { data, tensor, zeros } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { FASHION_ROOT, NO_FASHION, assertTensor, loadFixture } from "./common.js";

const { datasets, DataLoader } = data;
const { ToTensor, Lambda } = data.transforms;
const F = loadFixture("transforms.json");

test("Transforms: ToTensor on the images, a Lambda one-hot with scatter_ on the labels", { skip: NO_FASHION }, () => {
  const ds = new datasets.FashionMNIST({
    root: FASHION_ROOT, // root="data", download=True: the constructor cannot download; the system copy is read
    train: true,
    transform: new ToTensor(),
    targetTransform: new Lambda((y: number) => zeros(10, { dtype: fx.float }).scatter_(0, tensor(y, { dtype: "int32" }), { value: 1 })), // not mechanical: torch.tensor(y) is int64 from a Python int; a JS number makes float32, so the index dtype is explicit
  });

  for (let i = 0; i < F.items.length; i++) {
    const [img, target] = ds.get(i); // ds[i]
    const want = F.items[i];
    assert.deepEqual([...img.shape], want.img.shape);
    assert.equal(`torch.${img.dtype}`, want.img.dtype);
    assertClose(img.sum().item(), want.img.sum, { rtol: 1e-6 });
    assert.equal(img.min().item(), want.img.min);
    assert.equal(img.max().item(), want.img.max);
    assertTensor(target, want.target, { atol: 0, rtol: 0 });
  }
  assertTensor(ds.get(0)[0], F.img0, { atol: 0, rtol: 1e-7 });

  const [X, Y] = new DataLoader(ds, { batchSize: 8 })[Symbol.iterator]().next().value!; // next(iter(DataLoader(ds, batch_size=8)))
  assert.deepEqual([...X.shape], F.batch_X.shape);
  assertClose(X.sum().item(), F.batch_X.sum, { rtol: 1e-6 });
  assertTensor(Y, F.batch_Y, { atol: 0, rtol: 0 });
});
