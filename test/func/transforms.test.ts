/**
 * torch.func transforms: grad (pytrees, argnums, hasAux, nesting), gradAndValue, vjp, jvp,
 * jacrev/jacfwd/hessian, vmap (inDims/outDims trees, randomness modes) and their composition
 * into per-sample gradients; each checked against derivatives worked out by hand (and the
 * autograd engine's own jacobian where that is the reference).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { ArgumentError, FluxionError, ShapeError, func, tensor, type Tensor } from "../../src/index.js";

const f64 = (v: unknown) => tensor(v as number[], { dtype: "float64" });
const close = (a: unknown, b: unknown) => {
  const x = (a as Tensor).tolist() as number[], y = b instanceof torch.Tensor ? b.tolist() : b;
  assert.deepEqual(JSON.stringify(x, (_k, v) => (typeof v === "number" ? Math.round(v * 1e9) / 1e9 : v)), JSON.stringify(y, (_k, v) => (typeof v === "number" ? Math.round(v * 1e9) / 1e9 : v)));
};

test("grad: d/dx of a scalar function, cut from the graph; argnums, trees and hasAux", () => {
  const x = f64([0.5, 1, 2]);
  const g = func.grad((t: Tensor) => t.sin().sum())(x) as Tensor;
  close(g, x.cos());
  assert.equal(g.requiresGrad, false);
  const two = func.grad((a: Tensor, b: Tensor) => a.mul(b).sum(), { argnums: [0, 1] })(f64([1, 2]), f64([3, 4])) as Tensor[];
  close(two[0], [3, 4]);
  close(two[1], [1, 2]);
  const second = func.grad((a: Tensor, b: Tensor) => a.mul(b).sum(), { argnums: 1 })(f64([1, 2]), f64([3, 4])) as Tensor;
  close(second, [1, 2]);
  const params = { w: f64([[1, 2], [3, 4]]), b: f64([0.5, -0.5]) };
  const gp = func.grad((p: typeof params, xi: Tensor) => p.w.matmul(xi).add(p.b).sum())(params, f64([1, 0])) as typeof params;
  close(gp.w, [[1, 0], [1, 0]]);
  close(gp.b, [1, 1]);
  const [ga, aux] = func.grad((t: Tensor) => [t.pow(2).sum(), "note"], { hasAux: true })(f64([3])) as [Tensor, string];
  close(ga, [6]);
  assert.equal(aux, "note");
  const [gv, value] = func.gradAndValue((t: Tensor) => t.pow(2).sum())(f64([3])) as [Tensor, Tensor];
  close(gv, [6]);
  assert.equal(value.item(), 9);
  // unused input: zeros
  close(func.grad((_a: Tensor, b: Tensor) => b.sum())(f64([1, 2]), f64([1])) as Tensor, [0, 0]);
});

test("grad composes: grad(grad(f)) is the second derivative; an outer tracked input keeps the graph", () => {
  const x = f64([0.5, 1, 2]);
  const inner = (t: Tensor) => (func.grad((u: Tensor) => u.pow(3).sum())(t) as Tensor).sum();
  close(func.grad(inner)(x) as Tensor, [3, 6, 12]);
  const leaf = f64([2]).requiresGrad_(true);
  const g = func.grad((t: Tensor) => t.pow(3).sum())(leaf) as Tensor;
  assert.equal(g.requiresGrad, true);
  g.sum().backward();
  close(leaf.grad!, [12]);
});

test("grad refuses non-scalar outputs and bad argnums", () => {
  assert.throws(() => func.grad((t: Tensor) => t.mul(2))(f64([1, 2])), (e: Error) => e instanceof ShapeError && /Expected f\(\*args\) to return a scalar Tensor, got tensor with 1 dims/.test(e.message));
  assert.throws(() => func.grad((t: Tensor) => t.sum(), { argnums: 2 })(f64([1])), (e: Error) => e instanceof ArgumentError && /Got argnums=2, but only 1 positional inputs/.test(e.message));
  assert.throws(() => func.grad(5 as never), ArgumentError);
  assert.throws(() => func.grad((t: Tensor) => t.sum(), { has_aux: true } as never), (e: Error) => e instanceof ArgumentError && /unexpected option 'has_aux'/.test(e.message));
  assert.throws(() => func.vmap((t: Tensor) => t, { in_dims: 1 } as never), (e: Error) => e instanceof ArgumentError && /unexpected option 'in_dims'/.test(e.message));
  assert.throws(() => func.grad((t: Tensor) => t.sum(), { hasAux: true })(f64([1])), /should be a tuple: \(output, aux\)/);
});

test("vjp and jvp: vᵀJ and J·v of a function of two inputs", () => {
  const a = f64([1, 2]), b = f64([3, 4]);
  const fn = (p: Tensor, q: Tensor) => p.mul(q).add(p.pow(2));
  const [out, vjpFn] = func.vjp(fn, a, b);
  close(out as Tensor, [4, 12]);
  const [ga, gb] = vjpFn(f64([1, 10])) as Tensor[];
  close(ga, [3 + 2, (4 + 4) * 10]);
  close(gb, [1, 20]);
  assert.throws(() => vjpFn(f64([1, 2, 3])), /Mismatch in shape/);
  const [o2, jv] = func.jvp(fn, [a, b], [f64([1, 0]), f64([0, 1])]);
  close(o2 as Tensor, [4, 12]);
  close(jv as Tensor, [3 + 2, 2]);
  assert.throws(() => func.jvp(fn, [a], [f64([1, 0]), f64([0, 1])]), /same length/);
});

test("jacrev, jacfwd and hessian match autograd.functional", () => {
  const x = f64([0.5, 1, 2]);
  const fn = (t: Tensor) => t.pow(2).mul(t.sum());
  const want = torch.autograd.functional.jacobian(fn, x) as Tensor;
  close(func.jacrev(fn)(x) as Tensor, want);
  close(func.jacfwd(fn)(x) as Tensor, want);
  close(func.hessian((t: Tensor) => t.pow(3).sum())(x) as Tensor, [[3, 0, 0], [0, 6, 0], [0, 0, 12]]);
  const two = func.jacrev((p: Tensor, q: Tensor) => p.mul(q), { argnums: [0, 1] })(f64([1, 2]), f64([3, 4])) as Tensor[];
  close(two[0], [[3, 0], [0, 4]]);
  close(two[1], [[1, 0], [0, 2]]);
});

test("vmap maps over inDims, stacks at outDims, and nests; per-sample gradients", () => {
  const m = tensor([[1, 2], [3, 4]]);
  close(func.vmap((t: Tensor) => t.sum())(m) as Tensor, [3, 7]);
  close(func.vmap((t: Tensor) => t.sum(), { inDims: 1 })(m) as Tensor, [4, 6]);
  close(func.vmap((t: Tensor, s: Tensor) => t.mul(s), { inDims: [0, null] })(m, tensor([10, 100])) as Tensor, [[10, 200], [30, 400]]);
  close(func.vmap((t: Tensor) => t.mul(2), { outDims: 1 })(m) as Tensor, [[2, 6], [4, 8]]);
  const tree = func.vmap((p: { a: Tensor; b: Tensor }) => [p.a.add(p.b), p.a])({ a: m, b: tensor([[1, 1], [2, 2]]) }) as Tensor[];
  close(tree[0], [[2, 3], [5, 6]]);
  close(torch.vmap(torch.vmap((t: Tensor) => t.mul(t)))(m) as Tensor, [[1, 4], [9, 16]]);
  // per-sample gradients of a squared error: 2 (W x - y) xᵀ per sample
  const W = f64([[1, 2], [3, 4]]);
  const loss = (w: Tensor, xi: Tensor, yi: Tensor) => w.matmul(xi).sub(yi).pow(2).sum();
  const xs = f64([[1, 0], [0, 1], [1, 1]]), ys = f64([[1, 1], [0, 0], [2, 2]]);
  const ps = func.vmap(func.grad(loss), { inDims: [null, 0, 0] })(W, xs, ys) as Tensor;
  close(ps, [[[0, 0], [4, 0]], [[0, 4], [0, 8]], [[2, 2], [10, 10]]]);
});

test("vmap: randomness modes and bad inputs", () => {
  const m = tensor([[1, 2], [3, 4]]);
  assert.throws(() => func.vmap((t: Tensor) => t.add(torch.randn([2])))(m), (e: Error) => e instanceof FluxionError && /random operation while in randomness error mode/.test(e.message));
  const same = func.vmap((t: Tensor) => t.mul(0).add(torch.randn([2])), { randomness: "same" })(m) as Tensor;
  close(same.index(0), same.index(1));
  const diff = func.vmap((t: Tensor) => t.mul(0).add(torch.randn([2])), { randomness: "different" })(m) as Tensor;
  assert.equal(torch.equal(diff.index(0), diff.index(1)), false);
  assert.throws(() => func.vmap((t: Tensor) => t, { randomness: "maybe" as never }), /Only allowed values for randomness/);
  assert.throws(() => func.vmap((a: Tensor, b: Tensor) => a.add(b))(m, tensor([[1, 2, 3]])), (e: Error) => e instanceof ShapeError && /same size in the mapped dimension/.test(e.message));
  assert.throws(() => func.vmap((t: Tensor) => t, { inDims: [0, 0] })(m), /in_dims is not compatible/);
  assert.throws(() => func.vmap((t: Tensor) => t, { inDims: 2 })(m), /Tried to map over dim 2/);
  assert.throws(() => func.vmap(() => 3)(m), /must return a Tensor/);
});
