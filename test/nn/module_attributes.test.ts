/**
 * Assigning to a module's attributes, as PyTorch 1.13's Module.__setattr__ / __delattr__ /
 * register_parameter / register_buffer (test/fixtures/module_attrs_torch.py): which
 * assignments raise (a plain tensor over a parameter, a tensor over a submodule, a number
 * over a buffer, a Module over a parameter), null keeping a name registered, kinds changing
 * (a Parameter over a buffer or a submodule), delete unregistering, and the names
 * parameters, buffers, the state dict and the children end up with, in PyTorch's order.
 * Also BatchNorm's num_batches_tracked: int64, through stateDict and safetensors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as fx from "../../src/index.js";
import { io, nn, ones, tensor, zeros, type Tensor } from "../../src/index.js";
import { withTempDir } from "../helpers.js";

const REF = JSON.parse(readFileSync(new URL("../fixtures/module_attrs_torch.json", import.meta.url), "utf8"));
type Scenario = { errors: Record<string, string | null>; parameters: string[]; buffers: string[]; stateDict: string[]; children: string[] };

/** PyTorch's message in Fluxion's words: a Fluxion type description, nn.Parameter / Tensor / null. */
function fluxionMessage(torchMessage: string): RegExp {
  const m = /^cannot assign '([^']+)'( object)? (as|to) (parameter|child module|buffer) '(\w+)' \((torch\.nn\.Parameter|torch\.nn\.Module|torch\.Tensor|torch Tensor) or None (expected|required)\)$/.exec(torchMessage);
  if (!m) return new RegExp(`: ${torchMessage.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);
  const expected = { "torch.nn.Parameter": "nn.Parameter", "torch.nn.Module": "nn.Module", "torch.Tensor": "Tensor", "torch Tensor": "Tensor" }[m[6]!]!;
  return new RegExp(`cannot assign .+${m[2] ?? ""} ${m[3]} ${m[4]} '${m[5]}' \\(${expected.replace(".", "\\.")} or null ${m[7]}\\)$`);
}

class Net extends nn.Module {
  fc = new nn.Linear(2, 3);
  scale = new nn.Parameter(ones([3]));
  forward(x: fx.Tensor) {
    return this.fc(x).mul(this.scale);
  }
}

/** Steps whose message is the argument binder's, not the PyTorch phrase (the same refusal). */
const BINDER: Record<string, RegExp> = {
  "buffer number": /^registerBuffer\(\): argument 'tensor' \(position 2\) must be Tensor or null, but got int 5$/,
};

function run(name: string, m: nn.Module, steps: Record<string, (m: any) => void>): void {
  const want = REF[name] as Scenario;
  assert.deepEqual(Object.keys(steps), Object.keys(want.errors), `${name}: the same steps as the fixture`);
  for (const [label, step] of Object.entries(steps)) {
    const torchError = want.errors[label];
    const re = torchError === null ? null : BINDER[label] ?? fluxionMessage(torchError);
    if (re === null) assert.doesNotThrow(() => step(m), `${name}: ${label}`);
    else assert.throws(() => step(m), (e: Error) => e instanceof fx.FluxionError && re.test(e.message), `${name}: ${label} should raise like "${torchError}"`);
  }
  assert.deepEqual([...m.namedParameters()].map(([k]) => k), want.parameters, `${name}: parameters`);
  assert.deepEqual([...m.namedBuffers()].map(([k]) => k), want.buffers, `${name}: buffers`);
  assert.deepEqual(Object.keys(m.stateDict()), want.stateDict, `${name}: stateDict`);
  assert.deepEqual([...m.namedChildren()].map(([k]) => k), want.children, `${name}: children`);
}

test("a parameter takes only a Parameter or null; null keeps it registered (as None)", () => {
  run("paramTensor", new nn.Linear(2, 3), { tensor: (m) => (m.weight = ones([3, 2])), number: (m) => (m.weight = 5) });
  run("paramNone", new nn.Linear(2, 3), { none: (m) => (m.weight = null), "tensor after none": (m) => (m.weight = ones([3, 2])) });
  run("paramNoneThenParameter", new nn.Linear(2, 3), { none: (m) => (m.weight = null), parameter: (m) => (m.weight = new nn.Parameter(ones([3, 2]))) });
  const lin = new nn.Linear(2, 3);
  assert.throws(() => ((lin as any).weight = ones([3, 2])), (e: Error) => e instanceof fx.ArgumentError && e.message === "Linear: cannot assign Tensor (float32, shape [3, 2]) as parameter 'weight' (nn.Parameter or null expected)");
  assert.ok(lin.weight instanceof nn.Parameter, "the failed assignment changed nothing");
});

test("new Parameters and Modules register in assignment order; a submodule takes only a Module or null", () => {
  run("newFields", new Net(), {
    parameter: (m) => (m.extra = new nn.Parameter(ones([1]))),
    module: (m) => (m.head = new nn.Linear(3, 1)),
    "tensor to module": (m) => (m.fc = ones([1])),
    "plain tensor": (m) => (m.plain = ones([1])),
  });
  run("moduleNone", new Net(), { none: (m) => (m.fc = null), "tensor after none": (m) => (m.fc = ones([1])) });
});

test("a buffer takes a Tensor or null; a Parameter makes it a parameter", () => {
  const bn = new nn.BatchNorm1d(3);
  run("buffer", bn, {
    tensor: (m) => (m.running_mean = fx.full([3], 2)),
    none: (m) => (m.running_var = null),
    number: (m) => (m.running_mean = 5),
    parameter: (m) => (m.num_batches_tracked = new nn.Parameter(fx.zeros([1]))),
  });
  assert.deepEqual(bn.running_mean!.tolist(), [2, 2, 2]);
});

test("a Parameter over a submodule registers it last; a Module over a parameter is refused", () => {
  run("kindChanges", new Net(), { "parameter over module": (m) => (m.fc = new nn.Parameter(ones([2]))), "module over parameter": (m) => (m.scale = new nn.ReLU()) });
});

test("delete unregisters a name; registerParameter / registerBuffer refuse the wrong kind and existing attributes", () => {
  run("delete", new nn.Linear(2, 3), { del: (m) => delete m.weight, "tensor after del": (m) => (m.weight = ones([3, 2])) });
  run("register", new nn.Linear(2, 3), {
    "parameter from tensor": (m) => m.registerParameter("p", ones([1])),
    "parameter none": (m) => m.registerParameter("q", null),
    "buffer over parameter": (m) => m.registerBuffer("weight", ones([1])),
    "buffer number": (m) => m.registerBuffer("b", 5),
    "buffer over method": (m) => m.registerBuffer("forward", ones([1])),
    buffer: (m) => m.registerBuffer("mask", ones([2])),
    "tensor after parameter none": (m) => (m.q = ones([1])),
  });
  // parameters registered by name (RNN's) follow the same rules
  const rnn = new nn.RNN(2, 3);
  assert.throws(() => ((rnn as any).weight_ih_l0 = ones([3, 2])), /RNN: cannot assign Tensor \(float32, shape \[3, 2\]\) as parameter 'weight_ih_l0' \(nn\.Parameter or null expected\)/);
  assert.throws(() => ((rnn as any).weight_ih_l0 = new nn.ReLU()), /as parameter 'weight_ih_l0'/);
  (rnn as any).bias_hh_l0 = null;
  assert.deepEqual([...rnn.namedParameters()].map(([k]) => k), ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0"]);
  // addModule takes a Module or null
  assert.throws(() => rnn.addModule("x", ones([1]) as never), (e: Error) => e instanceof fx.ArgumentError && /addModule\(\): Tensor \(float32, shape \[1\]\) is not a Module/.test(e.message));
  rnn.addModule("head", null);
  assert.throws(() => ((rnn as any).head = ones([1])), /as child module 'head' \(nn\.Module or null expected\)/);
});

test("Module.to and loadStateDict still replace parameters (with Parameters) and buffers", () => {
  const net = new Net();
  net.to("float64");
  assert.ok(net.scale instanceof nn.Parameter);
  assert.equal(net.fc.weight.dtype, "float64");
  const bn = new nn.BatchNorm1d(2);
  bn.loadStateDict({ ...bn.stateDict(), running_mean: tensor([1, 2]) });
  assert.deepEqual(bn.running_mean!.tolist(), [1, 2]);
});

test("BatchNorm's num_batches_tracked is int64, as PyTorch's, through stateDict and safetensors", () => {
  assert.equal(REF.numBatchesTracked, "torch.int64");
  const bn = new nn.BatchNorm2d(2);
  assert.equal(bn.numBatchesTracked!.dtype, "int64");
  bn(fx.randn([3, 2, 2, 2]));
  bn(fx.randn([3, 2, 2, 2]));
  assert.equal(bn.numBatchesTracked!.item(), 2);
  assert.equal(new nn.InstanceNorm1d(2, { trackRunningStats: true }).stateDict().num_batches_tracked!.dtype, "int64");
  withTempDir("bn", (dir) => {
    const file = join(dir, "bn.safetensors");
    io.save(bn.stateDict(), file);
    const loaded = io.load(file) as Record<string, fx.Tensor>;
    assert.equal(loaded.num_batches_tracked!.dtype, "int64");
    const fresh = new nn.BatchNorm2d(2);
    fresh.loadStateDict(loaded);
    assert.equal(fresh.numBatchesTracked!.item(), 2);
    assert.equal(fresh.numBatchesTracked!.dtype, "int64");
  });
});

test("a TypeScript field declared without initializer (undefined) may then be registered as a parameter or buffer, as a Python annotation", () => {
  class MyLinear extends nn.Module {
    weight: nn.Parameter;
    bias!: nn.Parameter | null;
    mask!: Tensor;
    constructor(bias: boolean) {
      super();
      this.weight = new nn.Parameter(zeros([2, 3]));
      if (bias) this.bias = new nn.Parameter(zeros([2]));
      else this.registerParameter("bias", null);
      this.registerBuffer("mask", ones([2, 3]));
    }
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  const withBias = new MyLinear(true), noBias = new MyLinear(false);
  assert.deepEqual(Object.keys(withBias.stateDict()), ["weight", "bias", "mask"]);
  assert.deepEqual(Object.keys(noBias.stateDict()), ["weight", "mask"]);
  assert.equal(noBias.bias, null);
  assert.deepEqual(noBias.mask.shape, [2, 3]);
  assert.throws(() => (noBias.bias = zeros([2]) as nn.Parameter), /cannot assign Tensor \(float32, shape \[2\]\) as parameter 'bias'/);
  // a field that holds a value is still an attribute that registration cannot reuse
  class Taken extends nn.Module {
    bias: number | undefined = 0;
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  assert.throws(() => new Taken().registerParameter("bias", null), /attribute 'bias' already exists/);
});
