/**
 * utils.checkpoint: the gradients of the plain call (inputs and parameters, dropout included
 * through the saved generator state), recomputation in backward, several outputs, inputs
 * that do not require grad, preserveRngState false, grad mode off, and argument errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fx from "../../src/index.js";
import { ArgumentError, nn, utils, type Tensor } from "../../src/index.js";

function grads(x: Tensor | null, m: nn.Module): unknown[] {
  return [x?.grad?.tolist() ?? null, ...m.parameters().map((p) => p.grad?.tolist() ?? null)];
}

function makeBlock(): nn.Sequential {
  fx.manualSeed(0);
  return new nn.Sequential(new nn.Linear(4, 8), new nn.GELU(), new nn.Dropout(0.3), new nn.Linear(8, 3), new nn.Tanh());
}

test("checkpoint: the same output and gradients (input and parameters) as the plain call, dropout included", () => {
  const block = makeBlock();
  const x = fx.randn([6, 4], { dtype: "float32", requiresGrad: true });
  fx.manualSeed(5);
  const plain = block.call(x) as Tensor;
  plain.pow(2).sum().backward();
  const want = grads(x, block);
  block.zeroGrad();
  x.grad = null;
  fx.manualSeed(5);
  const y = utils.checkpoint((a: Tensor) => block.call(a) as Tensor, x);
  assert.deepEqual(y.tolist(), plain.tolist());
  assert.equal(y.gradFn?.name, "CheckpointFunctionBackward");
  // the random stream after the checkpointed call is where the plain call leaves it
  const after = fx.rand(3).tolist();
  y.pow(2).sum().backward();
  assert.deepEqual(grads(x, block), want);
  fx.manualSeed(5);
  block.call(x);
  assert.deepEqual(fx.rand(3).tolist(), after);
});

test("checkpoint: recomputes in backward (the function runs twice) and keeps no graph of its own", () => {
  const lin = new nn.Linear(3, 3);
  let calls = 0;
  const x = fx.randn([2, 3], { requiresGrad: true });
  const y = utils.checkpoint((a: Tensor) => {
    calls++;
    return lin.call(a).relu() as Tensor;
  }, x);
  assert.equal(calls, 1);
  y.sum().backward();
  assert.equal(calls, 2);
  assert.ok(lin.weight.grad !== null && x.grad !== null);
});

test("checkpoint: parameters get gradients when no argument requires grad (PyTorch's non-reentrant behaviour)", () => {
  const block = makeBlock();
  const x = fx.randn([2, 4]);
  fx.manualSeed(9);
  (block.call(x) as Tensor).sum().backward();
  const want = grads(null, block);
  block.zeroGrad();
  fx.manualSeed(9);
  utils.checkpoint((a: Tensor) => block.call(a) as Tensor, x, { useReentrant: false }).sum().backward();
  assert.deepEqual(grads(null, block), want);
});

test("checkpoint: several outputs, non-tensor arguments, gradcheck in float64, and the module path utils.checkpoint.checkpoint", () => {
  const w = fx.randn([3, 3], { dtype: "float64", requiresGrad: true });
  const f = (a: Tensor, scale: number, b: Tensor) => [a.matmul(w).mul(scale).sin(), "tag", b.exp().sum()] as const;
  const a = fx.randn([2, 3], { dtype: "float64", requiresGrad: true }), b = fx.randn([3], { dtype: "float64", requiresGrad: true });
  const [p1, , p2] = f(a, 2, b);
  p1.sum().add(p2).backward();
  const want = [a.grad!.tolist(), b.grad!.tolist(), w.grad!.tolist()];
  a.grad = b.grad = w.grad = null;
  const r = utils.checkpoint.checkpoint(f, a, 2, b);
  assert.equal(r[1], "tag");
  r[0].sum().add(r[2]).backward();
  assert.deepEqual([a.grad!.tolist(), b.grad!.tolist(), w.grad!.tolist()], want);
  assert.ok(fx.autograd.gradcheck((u, v) => utils.checkpoint((s: Tensor, t: Tensor) => s.matmul(w).tanh().add(t), u, v), [a, b]));
});

test("checkpoint: preserveRngState false recomputes with the stream's next numbers (other dropout masks)", () => {
  const x = fx.ones([1, 200], { requiresGrad: true });
  fx.manualSeed(3);
  const y = utils.checkpoint((a: Tensor) => nn.F.dropout(a, 0.5), x, { preserveRngState: false });
  y.sum().backward();
  const mask = (y.tolist() as number[][])[0]!.map((v) => v !== 0);
  const g = (x.grad!.tolist() as number[][])[0]!.map((v) => v !== 0);
  assert.notDeepEqual(g, mask);
  x.grad = null;
  fx.manualSeed(3);
  const z = utils.checkpoint((a: Tensor) => nn.F.dropout(a, 0.5), x);
  z.sum().backward();
  assert.deepEqual((x.grad!.tolist() as number[][])[0]!.map((v) => v !== 0), (z.tolist() as number[][])[0]!.map((v) => v !== 0));
});

test("checkpoint: under noGrad it is the plain call; bad arguments are ArgumentErrors", () => {
  const x = fx.randn([2], { requiresGrad: true });
  const y = fx.noGrad(() => utils.checkpoint((a: Tensor) => a.mul(2), x));
  assert.equal(y.requiresGrad, false);
  assert.throws(() => utils.checkpoint(3 as never, x), (e: unknown) => e instanceof ArgumentError && /^checkpoint\(\): argument 'function' \(position 1\) must be a function, but got number$/.test((e as Error).message));
  assert.throws(() => utils.checkpoint((a: Tensor) => a, x, { preserveRngState: "no" } as never), (e: unknown) => e instanceof ArgumentError && /option 'preserveRngState' must be bool/.test((e as Error).message));
  // an object that is not the options is an argument of the function
  const seen: unknown[] = [];
  utils.checkpoint((a: Tensor, o: unknown) => { seen.push(o); return a.mul(1); }, x, { scale: 2 });
  assert.deepEqual(seen, [{ scale: 2 }]);
});

test("checkpointSequential: segments of a Sequential checkpointed as PyTorch splits them, the plain call's gradients", () => {
  const block = makeBlock();
  const x = fx.randn([3, 4], { requiresGrad: true });
  fx.manualSeed(2);
  (block.call(x) as Tensor).sum().backward();
  const want = grads(x, block);
  block.zeroGrad();
  x.grad = null;
  fx.manualSeed(2);
  let calls = 0;
  const counted = [...block].map((m) => (a: Tensor) => { calls++; return m.call(a) as Tensor; });
  const y = utils.checkpointSequential(counted, 2, x) as Tensor;
  assert.equal(calls, 5);
  y.sum().backward();
  assert.equal(calls, 7); // the first segment (5 // 2 = 2 stages) runs again
  assert.deepEqual(grads(x, block), want);
  block.zeroGrad();
  x.grad = null;
  fx.manualSeed(2);
  (utils.checkpointSequential(block, 3, x, { preserveRngState: true }) as Tensor).sum().backward();
  assert.deepEqual(grads(x, block), want);
  assert.throws(() => utils.checkpointSequential(block, 0, x), (e: unknown) => e instanceof ArgumentError && /segments' must be a positive int, got 0/.test((e as Error).message));
  assert.throws(() => utils.checkpointSequential(3 as never, 1, x), (e: unknown) => e instanceof ArgumentError && /argument 'functions' must be a Sequential/.test((e as Error).message));
  assert.throws(() => utils.checkpointSequential([3] as never, 1, x), (e: unknown) => e instanceof ArgumentError && /element 0 of 'functions'/.test((e as Error).message));
});
