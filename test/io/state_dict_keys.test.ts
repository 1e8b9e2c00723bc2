/**
 * State-dict keys that collide with Object.prototype ("constructor", "toString",
 * "__proto__", ...) are ordinary keys everywhere: safetensors serialize/deserialize and
 * save/load, Module.stateDict/loadStateDict (strict and not) and the optimizers'
 * stateDict/loadStateDict. A failed load leaves the model unchanged.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FluxionError, Tensor, io, nn, optim, tensor } from "../../src/index.js";

const HOSTILE = ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf", "__defineGetter__"];

/** A plain object with own enumerable keys, "__proto__" included (as JSON.parse makes them). */
function ownObject(entries: [string, unknown][]): Record<string, Tensor> {
  const o: Record<string, Tensor> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

/** The header JSON of safetensors bytes, parsed without losing a "__proto__" key. */
function headerKeys(bytes: Uint8Array): string[] {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return Object.keys(JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))));
}

test("serialize/deserialize: tensors named like Object.prototype members round trip, in order", () => {
  const entries = HOSTILE.map((k, i) => [k, tensor([i, i + 0.5])] as [string, Tensor]);
  for (const dict of [ownObject(entries), new Map(entries)]) {
    const bytes = io.serialize(dict, { metadata: ownObject([["__proto__", "meta" as unknown as Tensor], ["constructor", "c" as unknown as Tensor]]) as unknown as Record<string, string> });
    assert.deepEqual(headerKeys(bytes), ["__metadata__", ...HOSTILE], "every key is in the header");
    const { tensors, metadata } = io.deserializeWithMetadata(bytes);
    assert.equal(Object.getPrototypeOf(tensors), null);
    assert.deepEqual(Object.keys(tensors), HOSTILE);
    HOSTILE.forEach((k, i) => assert.deepEqual(tensors[k]!.tolist(), [i, i + 0.5], k));
    assert.equal(metadata!["__proto__"], "meta");
    assert.equal(metadata!.constructor, "c");
  }
  // a missing key is missing, not an inherited function
  const plain = io.deserialize(io.serialize({ w: tensor([1]) }));
  for (const k of HOSTILE) assert.equal(plain[k], undefined, k);
});

test("io.save/io.load: a file with a '__proto__' tensor loads back (it was unloadable)", () => {
  const dir = mkdtempSync(join(tmpdir(), "fluxion-keys-"));
  try {
    const path = join(dir, "hostile.safetensors");
    io.save(ownObject([["__proto__", tensor([1, 2])], ["w", tensor([3])], ["toString", tensor([4])]]), path);
    const back = io.load(path);
    assert.deepEqual(Object.keys(back), ["__proto__", "w", "toString"]);
    assert.deepEqual(back["__proto__"]!.tolist(), [1, 2]);
    assert.deepEqual(back["toString"]!.tolist(), [4]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

class Net extends nn.Module {
  fc = new nn.Linear(2, 1);
  forward(x: Tensor): Tensor {
    return this.fc(x);
  }
}

test("Module.stateDict is a null-prototype object that reads like a plain one", () => {
  const net = new Net();
  const sd = net.stateDict();
  assert.equal(Object.getPrototypeOf(sd), null);
  assert.deepEqual(Object.keys(sd), ["fc.weight", "fc.bias"]);
  assert.deepEqual(sd["fc.weight"]!.shape, [1, 2]);
  assert.equal(sd.constructor, undefined);
  // a parameter registered under a prototype name is an ordinary key
  const odd = new Net();
  odd.registerParameter("__proto__", new nn.Parameter(tensor([5, 6])));
  const oddSd = odd.stateDict();
  assert.deepEqual(Object.keys(oddSd), ["__proto__", "fc.weight", "fc.bias"]);
  assert.deepEqual(oddSd["__proto__"]!.tolist(), [5, 6]);
  const copy = new Net();
  copy.registerParameter("__proto__", new nn.Parameter(tensor([0, 0])));
  copy.loadStateDict(io.deserialize(io.serialize(oddSd)));
  assert.deepEqual((copy as unknown as Record<string, Tensor>)["__proto__"]!.tolist(), [5, 6]);
});

test("Module.loadStateDict: extra keys named constructor/toString/__proto__ are unexpected keys, strict or not", () => {
  const src = new Net(), dst = new Net();
  const good = src.stateDict();
  const extras = HOSTILE.map((k) => [k, tensor([9])] as [string, Tensor]);
  for (const given of [ownObject([...Object.entries(good), ...extras]), new Map([...Object.entries(good), ...extras])]) {
    const before = dst.fc.weight.tolist();
    assert.throws(() => dst.loadStateDict(given), (e: unknown) => {
      assert.ok(e instanceof FluxionError);
      assert.match(e.message, new RegExp(`Unexpected key\\(s\\) in state_dict: ${HOSTILE.map((k) => `"${k}"`).join(", ")}$`));
      return true;
    });
    assert.deepEqual(dst.fc.weight.tolist(), before, "a failed load leaves the model unchanged");
    const res = dst.loadStateDict(given, { strict: false });
    assert.deepEqual(res, { missingKeys: [], unexpectedKeys: HOSTILE });
    assert.deepEqual(dst.fc.weight.tolist(), src.fc.weight.tolist());
  }
  // a state dict missing everything but holding prototype names: all keys missing, nothing copied
  const fresh = new Net();
  const w0 = fresh.fc.weight.tolist();
  assert.deepEqual(fresh.loadStateDict(ownObject(extras), { strict: false }), { missingKeys: ["fc.weight", "fc.bias"], unexpectedKeys: HOSTILE });
  assert.deepEqual(fresh.fc.weight.tolist(), w0);
});

test("Module.loadStateDict: a bad value or shape anywhere leaves every parameter unchanged", () => {
  const net = new Net();
  const w = net.fc.weight.tolist(), b = net.fc.bias!.tolist();
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ "fc.weight": tensor([[1, 2]]), "fc.bias": tensor([1, 2]) }, /size mismatch for fc\.bias: copying a param with shape \[2\] from checkpoint, the shape in current model is \[1\]/],
    [{ "fc.weight": tensor([[1, 2]]), "fc.bias": [1] }, /fc\.bias: expected a Tensor, got an array/],
  ];
  for (const [sd, re] of cases) {
    assert.throws(() => net.loadStateDict(sd as Record<string, Tensor>, { strict: false }), re);
    assert.deepEqual([net.fc.weight.tolist(), net.fc.bias!.tolist()], [w, b]);
  }
  for (const bad of [null, undefined, 5, "x", tensor([1])]) {
    assert.throws(() => net.loadStateDict(bad as unknown as Record<string, Tensor>), (e: unknown) => e instanceof FluxionError && /^Net\.loadStateDict\(\): argument 'stateDict' must be a dict of Tensors \(an object or a Map, as model\.stateDict\(\) or io\.load\(\) return\), but got (null|undefined|int 5|string "x"|Tensor \(float32, shape \[1\]\))$/.test(e.message));
  }
});

test("Optimizer.loadStateDict: saved keys named __proto__/constructor are data, never a prototype", () => {
  const p = new nn.Parameter(tensor([1, 2]));
  const opt = new optim.SGD([p], { lr: 0.1 });
  const sd = opt.stateDict();
  // a hostile group option "__proto__" whose object carries momentum: it must not be inherited
  Object.defineProperty(sd.paramGroups[0]!, "__proto__", { value: { momentum: 0.9, nesterov: true }, enumerable: true });
  sd.state[0] = ownObject([["momentumBuffer", tensor([0.5, 0.5])], ["constructor", 3 as unknown as Tensor], ["__proto__", tensor([7, 7])]]) as unknown as Record<string, Tensor | number>;
  const fresh = new optim.SGD([p], { lr: 0.1 });
  fresh.loadStateDict(sd);
  const g = fresh.paramGroups[0]!;
  assert.equal(Object.getPrototypeOf(g), Object.prototype, "the group's prototype is untouched");
  assert.equal(g.momentum, 0, "momentum is the default, not inherited from the injected object");
  assert.equal(g.nesterov, false);
  assert.deepEqual(Object.getOwnPropertyDescriptor(g, "__proto__")!.value, { momentum: 0.9, nesterov: true });
  const s = fresh.state.get(p)!;
  assert.equal(Object.getPrototypeOf(s), Object.prototype);
  assert.equal(s.constructor, 3);
  assert.deepEqual((Object.getOwnPropertyDescriptor(s, "__proto__")!.value as Tensor).tolist(), [7, 7]);
  assert.deepEqual((s.momentumBuffer as Tensor).tolist(), [0.5, 0.5]);
  // and a round trip through stateDict keeps them as own keys
  const again = fresh.stateDict();
  assert.ok(Object.hasOwn(again.state[0]!, "__proto__"));
  assert.ok(Object.hasOwn(again.paramGroups[0]!, "__proto__"));
  assert.equal(Object.getPrototypeOf(again.paramGroups[0]), Object.prototype);
  assert.throws(() => fresh.loadStateDict(null as never), (e: unknown) => e instanceof FluxionError && e.message === "SGD.loadStateDict(): expected a state dict object { state, paramGroups }, as stateDict() returns, but got null");
});
