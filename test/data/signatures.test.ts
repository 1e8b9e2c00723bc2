// data as declared: DataLoader, the samplers, the datasets, randomSplit and defaultCollate in PyTorch
// 1.13's positional order (checked against test/fixtures/api_signatures.json), transforms in
// torchvision's (by hand: torchvision is not installed), options objects as equivalents,
// and the options Fluxion does not support refused by name. RandomCrop's padding modes
// against torch's own padding (test/fixtures/transforms_padding.json). Mirrors src/data/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { ArgumentError, FluxionError, Generator, ShapeError, Tensor, arange, data, tensor } from "../../src/index.js";
import { PYTORCH, camel, declaredCtor, differences, type Departures } from "../fixtures/api_signatures.js";

const { DataLoader, TensorDataset, Subset, ConcatDataset, randomSplit, defaultCollate } = data;
const { Compose, ToTensor, Normalize, RandomHorizontalFlip, RandomCrop, Lambda } = data.transforms;
const throwsArg = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof ArgumentError && re.test(e.message), String(re));
const { datasets } = data;
const ds = (n = 7) => new TensorDataset(arange(n * 2).reshape(n, 2), arange(n));

const DEPARTURES: Record<string, Departures> = {
  // PyTorch's default is its global default_generator object; null means the same here
  randomSplit: { defaults: { generator: null } },
  // PyTorch's Sampler requires data_source and ignores it; optional here, so subclasses call super()
  Sampler: { defaults: { dataSource: null } },
};

test("DataLoader, samplers, datasets and randomSplit are declared in PyTorch 1.13's order with its defaults", () => {
  const mismatches: string[] = [];
  for (const [pyName, py] of Object.entries(PYTORCH.data!)) {
    const name = pyName.includes("_") ? camel(pyName) : pyName; // random_split -> randomSplit; classes keep their names
    const sig = declaredCtor(name);
    if (!sig) mismatches.push(`${pyName}: not declared`);
    else for (const d of differences(sig, py, DEPARTURES[name])) mismatches.push(`${pyName}: ${d}`);
  }
  assert.deepEqual(mismatches, []);
});

test("transforms are declared in torchvision 0.14's order (Fluxion's additions keyword-only)", () => {
  // torchvision.transforms' __init__ signatures, written out by hand
  const torchvision: Record<string, [string, unknown][]> = {
    Compose: [["transforms", "<required>"]],
    ToTensor: [],
    Normalize: [["mean", "<required>"], ["std", "<required>"], ["inplace", false]],
    RandomHorizontalFlip: [["p", 0.5]],
    RandomCrop: [["size", "<required>"], ["padding", null], ["padIfNeeded", false], ["fill", 0], ["paddingMode", "constant"]],
    Lambda: [["lambd", "<required>"]],
  };
  for (const [name, params] of Object.entries(torchvision)) {
    const sig = declaredCtor(name)!;
    const positional = sig.params.filter((p) => !p.keywordOnly).map((p) => [p.name, p.hasDefault ? p.default : "<required>"]);
    assert.deepEqual(positional, params, name);
  }
  assert.deepEqual(declaredCtor("ToTensor")!.params.map((p) => [p.name, p.keywordOnly]), [["range", true]]);
});

const batches = (l: Iterable<unknown>) => [...l].map((b) => (b as Tensor[]).map((t) => t.tolist()));

test("DataLoader: positional order equals the options form", () => {
  const collate = (items: Tensor[][]) => [defaultCollate(items.map((i) => i[0]!)), defaultCollate(items.map((i) => i[1]!))];
  const positional = new DataLoader(ds(), 3, true, null, null, 0, collate, false, true, 0, null, null, new Generator(5));
  const options = new DataLoader(ds(), { batchSize: 3, shuffle: true, collateFn: collate, dropLast: true, generator: new Generator(5) });
  assert.deepEqual(batches(positional), batches(options));
  assert.equal(positional.length, 2);
  assert.deepEqual(batches(new DataLoader(ds(), 4)), batches(new DataLoader(ds(), { batchSize: 4 })));
  assert.deepEqual(batches(new DataLoader(ds(), 4, { shuffle: false })), [[[[0, 1], [2, 3], [4, 5], [6, 7]], [0, 1, 2, 3]], [[[8, 9], [10, 11], [12, 13]], [4, 5, 6]]]);
  // batchSize null turns batching off: items as they are (PyTorch's batch_size=None)
  const items = [...new DataLoader(ds(3), null)] as unknown as Tensor[][];
  assert.deepEqual(items.map((i) => i.map((t) => t.tolist())), [[[0, 1], 0], [[2, 3], 1], [[4, 5], 2]]);
  assert.equal(new DataLoader(ds(3), { batchSize: null }).length, 3);
  assert.throws(() => new DataLoader(ds(3), null, { dropLast: true }), /batchSize=null disables batching and cannot be combined with dropLast=true/);
});

test("DataLoader: worker and pinning options are PyTorch's checks and otherwise change nothing (a note once); what needs workers is refused", (t) => {
  const warn = t.mock.method(console, "warn", () => {});
  const plain = batches(new DataLoader(ds(), 4));
  // a translated `DataLoader(ds, 4, num_workers=2, pin_memory=True, persistent_workers=True, prefetch_factor=4)`
  assert.deepEqual(batches(new DataLoader(ds(), { batchSize: 4, numWorkers: 2, pinMemory: true, persistentWorkers: true, prefetchFactor: 4, timeout: 5 })), plain);
  assert.deepEqual(batches(new DataLoader(ds(), 4, false, null, null, 2)), plain); // num_workers positionally: PyTorch's sixth parameter
  assert.deepEqual(batches(new DataLoader(ds(), { batchSize: 4, pinMemoryDevice: "cpu" })), plain);
  const notes = warn.mock.calls.map((c) => String(c.arguments[0]));
  assert.equal(notes.filter((n) => /numWorkers=2\): Fluxion loads batches in the calling thread .* the batches are the same/.test(n)).length, 1);
  assert.equal(notes.filter((n) => /'pinMemory' argument is set as true but no accelerator is found/.test(n)).length, 1);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ numWorkers: -1 }, /^DataLoader\(\): numWorkers option should be non-negative; use numWorkers=0 to disable multiprocessing, got -1$/],
    [{ timeout: -5 }, /timeout option should be non-negative, got -5/],
    [{ prefetchFactor: 4 }, /prefetchFactor option could only be specified in multiprocessing. let numWorkers > 0/],
    [{ numWorkers: 2, prefetchFactor: 0 }, /prefetchFactor option should be a positive integer, got 0/],
    [{ persistentWorkers: true }, /persistentWorkers option needs numWorkers > 0/],
    [{ workerInitFn: () => 0 }, /workerInitFn is not supported \(there are no worker processes to initialise\)/],
    [{ multiprocessingContext: "spawn" }, /multiprocessingContext is not supported/],
    [{ pinMemoryDevice: "cuda" }, /pinMemoryDevice is not supported/],
    [{ numWorkers: 1.5 }, /option 'numWorkers' must be int/],
  ];
  for (const [opts, re] of cases) throwsArg(() => new DataLoader(ds(), opts as never), re);
});

test("DataLoader checks its arguments, naming the option and the value", () => {
  throwsArg(() => new DataLoader(ds(), "64" as never), /^DataLoader\(\): argument 'batchSize' \(position 2\) must be int or null, but got string "64"$/);
  throwsArg(() => new DataLoader(ds(), { batch_size: 64 } as never), /DataLoader\(\) got an unexpected option 'batch_size' \(did you mean 'batchSize'\?\)/);
  throwsArg(() => new DataLoader(ds(), 2, "yes" as never), /argument 'shuffle' \(position 3\) must be bool or null, but got string "yes"/);
  throwsArg(() => new DataLoader(ds(), { collateFn: 3 as never }), /option 'collateFn' must be Callable or null, but got int 3/);
  throwsArg(() => new DataLoader(ds(), { generator: 7 as never }), /option 'generator' must be Generator or null, but got int 7/);
  assert.throws(() => new DataLoader(ds(), 0), /batchSize should be a positive integer, got 0/);
});

test("datasets, randomSplit and defaultCollate check their arguments", () => {
  const base = ds(5);
  // Subset takes an array, a typed array or a 1-D integer Tensor of indices
  for (const idx of [[4, 0], Int32Array.from([4, 0]), tensor([4, 0], { dtype: "int32" })]) {
    assert.deepEqual(new Subset(base, idx).get(0).map((t) => t.tolist()), [[8, 9], 4]);
  }
  throwsArg(() => new Subset(base, 3 as never), /^Subset\(\): argument 'indices' must be a list of ints \(an array, a typed array or a 1-D integer Tensor\), but got int 3$/);
  throwsArg(() => new Subset(base, tensor([0.5])), /Subset\(\): a Tensor of indices must be 1-D with an integer dtype/);
  throwsArg(() => new Subset({} as never, [0]), /Subset\(\): argument 'dataset' must be a Dataset/);
  throwsArg(() => new TensorDataset(arange(3), [1, 2, 3] as never), /^TensorDataset\(\): argument 'tensors' must be Tensor values, but element 1 is array \[1, 2, 3\]$/);
  throwsArg(() => new ConcatDataset([base, 5 as never]), /ConcatDataset\(\): datasets\[1\] must be a Dataset/);
  throwsArg(() => new ConcatDataset(base as never), /ConcatDataset\(\): argument 'datasets' \(position 1\) must be Any\[\]/);
  // randomSplit(dataset, lengths, generator) as PyTorch orders it
  const split = (r: InstanceType<typeof Subset>[]) => r.map((s) => [...s.indices]);
  assert.deepEqual(split(randomSplit(base, [3, 2], new Generator(1))), split(randomSplit(base, [3, 2], { generator: new Generator(1) })));
  throwsArg(() => randomSplit(base, 3 as never), /randomSplit\(\): argument 'lengths' \(position 2\) must be float\[\], but got int 3/);
  throwsArg(() => randomSplit(base, [3, 2], 42 as never), /argument 'generator' \(position 3\) must be Generator or null, but got int 42/);
  throwsArg(() => defaultCollate(tensor([1]) as never), /defaultCollate\(\): argument 'batch' \(position 1\) must be Any\[\]/);
});

test("transforms: positional order equals the options form; bad arguments name the parameter", () => {
  const x = arange(16).reshape(1, 4, 4).float();
  const crop = (t: InstanceType<typeof RandomCrop>) => t.forward(x).tolist();
  assert.deepEqual(crop(new RandomCrop(3, 1, false, 0, "constant", { generator: new Generator(3) })), crop(new RandomCrop(3, { padding: 1, generator: new Generator(3) })));
  assert.deepEqual(crop(new RandomCrop([2, 3], [1, 2], true, 5, "edge", { generator: new Generator(3) })), crop(new RandomCrop([2, 3], { padding: [1, 2], padIfNeeded: true, fill: 5, paddingMode: "edge", generator: new Generator(3) })));
  assert.deepEqual(new RandomHorizontalFlip(1).forward(x).tolist(), new RandomHorizontalFlip({ p: 1 }).forward(x).tolist());
  assert.deepEqual(new Normalize([1], [2]).forward(x).tolist(), new (Normalize as unknown as new (o: object) => InstanceType<typeof Normalize>)({ mean: [1], std: [2] }).forward(x).tolist());
  // Normalize(mean, std, inplace=True) writes into its input, as torchvision's
  const y = x.clone();
  assert.equal(new Normalize(1, 2, true).forward(y), y);
  assert.deepEqual(y.tolist(), x.sub(1).div(2).tolist());
  assert.deepEqual(new Lambda((t: Tensor) => t.mul(2)).forward(x).tolist(), x.mul(2).tolist());
  assert.equal(new Lambda((t: Tensor) => t, { batchable: true }).batchable, true);
  assert.deepEqual(new ToTensor({ range: [-1, 1] }).range, [-1, 1]);
  throwsArg(() => new Compose([new ToTensor(), 5 as never]), /^Compose\(\): transforms\[1\] must be a Transform or a function, but got int 5$/);
  throwsArg(() => new Compose(new ToTensor() as never), /Compose\(\): argument 'transforms' \(position 1\) must be Any\[\]/);
  throwsArg(() => new Normalize("0.5" as never, 0.5), /Normalize\(\): argument 'mean' \(position 1\) must be float or float\[\], but got string "0.5"/);
  throwsArg(() => new RandomHorizontalFlip("0.5" as never), /RandomHorizontalFlip\(\): argument 'p' \(position 1\) must be float, but got string "0.5"/);
  throwsArg(() => new RandomCrop(3, { paddingMode: "wrap" as never }), /RandomCrop\(\): option 'paddingMode' must be "constant" or "edge" or "reflect" or "symmetric", but got string "wrap"/);
  throwsArg(() => new RandomCrop(2.5 as never), /RandomCrop\(\): argument 'size' \(position 1\) must be int\[\] \(or one int\), but got float 2.5/);
  throwsArg(() => new ToTensor({ range: [0, 1, 2] } as never), /ToTensor\(\): option 'range' must be float\[2\]/);
  throwsArg(() => new Lambda(3 as never), /Lambda\(\): argument 'lambd' \(position 1\) must be Callable, but got int 3/);
  assert.throws(() => new RandomCrop(2, [1, 2, 3]), (e: Error) => e instanceof FluxionError && /padding must be one non-negative integer, or a list of 2 or 4 of them, got \[1,2,3\]/.test(e.message));
});

type PadCase = { name: string; mode: "constant" | "edge" | "reflect" | "symmetric"; padding: number[]; fill: number; size: [number, number]; padIfNeeded: boolean; padded: number[][] };
const PAD: { input: number[][]; cases: PadCase[] } = JSON.parse(readFileSync(new URL("../fixtures/transforms_padding.json", import.meta.url), "utf8"));

for (const c of PAD.cases) {
  test(`RandomCrop pads as torchvision does: ${c.name}`, () => {
    const x = tensor([PAD.input]);
    const crop = new RandomCrop(c.size, c.padding, c.padIfNeeded, c.fill, c.mode, { generator: new Generator(8) });
    const ref = new Generator(8);
    const [h, w] = [c.padded.length, c.padded[0]!.length];
    for (let trial = 0; trial < 3; trial++) {
      const top = ref.nextBelow(h - c.size[0] + 1), left = ref.nextBelow(w - c.size[1] + 1);
      const want = c.padded.slice(top, top + c.size[0]).map((r) => r.slice(left, left + c.size[1]));
      assert.deepEqual(crop.forward(x).tolist(), [want], `trial ${trial} (top ${top}, left ${left})`);
    }
  });
}

test("RandomCrop refuses padding a mode cannot make", () => {
  const x = tensor([PAD.input]);
  assert.throws(() => new RandomCrop(3, 3, false, 0, "reflect").forward(x), (e: Error) => e instanceof ShapeError && /reflect padding of 3 is too large for an image height of 3 \(it must be smaller than the height\)/.test(e.message));
  assert.throws(() => new RandomCrop(3, 4, false, 0, "symmetric").forward(x), /symmetric padding of 4 is too large for an image height of 3 \(it may be at most the height\)/);
  assert.doesNotThrow(() => new RandomCrop(3, 3, false, 0, "symmetric").forward(x));
});

test("MNIST/FashionMNIST take torchvision's positional order or one options object, checked", { skip: !existsSync("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz") && "Debian's dataset-fashion-mnist is not installed" }, () => {
  const root = "/usr/share/datasets/fashion-mnist";
  const a = new datasets.FashionMNIST(root, false);
  const b = new datasets.FashionMNIST({ root, train: false });
  assert.equal(a.length, 10000);
  assert.deepEqual(a.files, b.files);
  throwsArg(() => new datasets.FashionMNIST(root, "test" as never), /FashionMNIST\(\): argument 'train' \(position 2\) must be bool, but got string "test"/);
  throwsArg(() => new datasets.FashionMNIST({ rooot: root } as never), /FashionMNIST\(\) got an unexpected option 'rooot' \(did you mean 'root'\?\)/);
});
