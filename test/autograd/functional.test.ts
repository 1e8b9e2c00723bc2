/**
 * autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp) against PyTorch 1.13
 * (test/fixtures/autograd_functional_torch.py: values, shapes, dtypes, requiresGrad, the
 * nesting of results, second derivatives through createGraph results and error messages)
 * and against analytic derivatives.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ArgumentError, AutogradError, FluxionError, ShapeError, Tensor, autograd, ones, randn, tensor, zeros, type DType } from "../../src/index.js";
import { assertClose } from "../helpers.js";

const F = autograd.functional;

interface Enc { shape: number[]; dtype: DType; v: number[]; rg: boolean }
type Nested = Enc | Nested[];
interface Case { name: string; api: "jacobian" | "hessian" | "vjp" | "jvp" | "hvp" | "vhp"; fn: string; inputs: Nested; v: Nested | null; opts: { create_graph?: boolean; vectorize?: boolean }; result: Nested; second?: Enc[] }
interface ErrorCase { name: string; type: string; message: string }
const fixture: { cases: Case[]; errors: ErrorCase[] } = JSON.parse(readFileSync(new URL("../fixtures/autograd_functional_torch.json", import.meta.url), "utf8"));

// mirrors of the Python functions, by name
const FUNCS: Record<string, (...xs: Tensor[]) => Tensor | Tensor[]> = {
  exp_reducer: (x) => x.exp().sum(1),
  two_out: (x) => [x.sin().mul(x), x.pow(2).sum()],
  two_in: (x, y) => x.mul(y!.exp()).add(y!.pow(3)),
  two_in_two_out: (x, y) => [x.mul(y!.sin()), x.pow(2).mul(y!).sum()],
  unused_second: (x) => x.pow(2),
  constant_out: () => tensor([1, 2], { dtype: "float64" }),
  identity: (x) => x,
  linear: (x) => x.mul(3),
  cubic_cross: (x) => x.pow(3).sum().add(x.sin().sum().mul(x.exp().sum())),
  outer_sq: (a, b) => a.unsqueeze(1).mul(b!.unsqueeze(0)).pow(2).sum().add(a.sum().mul(b!.exp().sum())),
  scalar_of_matrix: (x) => x.tanh().mul(x.t()).sum(),
  adder: (x, y) => x.exp().mul(2).add(y!.pow(2).mul(3)),
  single_elem: (x) => x.pow(3).sum(),
  linear_sum: (x) => x.mul(3).sum(),
  first_only_sum: (x) => x.pow(3).sum(),
};

function decode(e: Nested, requiresGrad = false): Tensor | Tensor[] {
  if (Array.isArray(e)) return e.map((x) => decode(x, requiresGrad) as Tensor);
  return tensor(e.v, { dtype: e.dtype }).reshape(e.shape).requiresGrad_(requiresGrad);
}

function flatTensors(r: unknown): Tensor[] {
  return r instanceof Tensor ? [r] : (r as unknown[]).flatMap(flatTensors);
}

/** Same nesting, and per tensor the same shape, dtype, requiresGrad and values. */
function assertMatches(actual: unknown, expected: Nested, where: string): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: expected an array of ${expected.length}, got ${actual instanceof Tensor ? "a Tensor" : typeof actual}`);
    assert.equal(actual.length, expected.length, `${where}: length`);
    expected.forEach((e, i) => assertMatches(actual[i], e, `${where}[${i}]`));
    return;
  }
  assert.ok(actual instanceof Tensor, `${where}: expected a Tensor, got ${Array.isArray(actual) ? "an array" : typeof actual}`);
  assert.deepEqual(actual.shape, expected.shape, `${where}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${where}: dtype`);
  assert.equal(actual.requiresGrad, expected.rg, `${where}: requiresGrad`);
  const tol = expected.dtype === "float64" ? 1e-10 : 1e-5;
  assertClose(actual.detach().reshape(-1), expected.v, { atol: tol, rtol: tol, msg: where });
}

for (const c of fixture.cases) {
  test(`${c.api} matches PyTorch: ${c.name}`, () => {
    const cg = c.opts.create_graph ?? false;
    const inputs = decode(c.inputs, cg);
    const v = c.v === null ? null : decode(c.v);
    const opts = { createGraph: cg, ...(c.opts.vectorize !== undefined ? { vectorize: c.opts.vectorize } : {}) };
    const fn = FUNCS[c.fn]!;
    const r = c.api === "jacobian" ? F.jacobian(fn, inputs, opts)
      : c.api === "hessian" ? F.hessian(fn, inputs, opts)
      : F[c.api](fn, inputs, v, opts);
    assertMatches(r, c.result, c.name);
    if (c.second) {
      // createGraph: the results are differentiable functions of the original inputs
      const total = flatTensors(r).map((t) => t.sum()).reduce((a, b) => a.add(b));
      const leaves = inputs instanceof Tensor ? [inputs] : inputs;
      const g = autograd.grad(total, leaves, { allowUnused: true });
      assertMatches(g.map((t, i) => t ?? zeros(leaves[i]!.shape, { dtype: leaves[i]!.dtype })), c.second.map((e) => ({ ...e, rg: false })), `${c.name} second`);
    }
  });
}

// ---- errors, against PyTorch's messages ---------------------------------------------------
const X3 = tensor([0.5, -1.25, 2], { dtype: "float64" });
const Y3 = tensor([1.5, 0.25, -0.5], { dtype: "float64" });
const f = FUNCS;
const ERRORS: Record<string, () => unknown> = {
  strict_output_independent: () => F.jacobian(f.unused_second!, [X3, Y3], { strict: true }),
  strict_output_no_grad: () => F.jacobian(f.constant_out!, X3, { strict: true }),
  strict_vectorize: () => F.jacobian(f.linear!, X3, { strict: true, vectorize: true }),
  strict_create_graph_linear: () => F.jacobian(f.linear!, X3, { createGraph: true, strict: true }),
  strict_hessian_linear: () => F.hessian(f.linear_sum!, X3, { strict: true }),
  strict_vjp_unused: () => F.vjp(f.unused_second!, [X3, Y3], ones([3], { dtype: "float64" }), { strict: true }),
  strict_jvp_unused: () => F.jvp(f.unused_second!, [X3, Y3], [X3, Y3], { strict: true }),
  strict_vhp_linear: () => F.vhp(f.linear_sum!, X3, X3, { strict: true }),
  hessian_not_scalar: () => F.hessian(f.linear!, X3),
  hvp_not_scalar: () => F.hvp(f.linear!, X3, X3),
  vjp_needs_v: () => F.vjp(f.linear!, X3),
  jvp_needs_v: () => F.jvp(f.linear!, X3),
  vjp_v_size: () => F.vjp(f.linear!, X3, ones([4], { dtype: "float64" })),
  vjp_v_tuple_length: () => F.vjp(f.two_out!, X3, [ones([3], { dtype: "float64" })]),
  jvp_v_entry_size: () => F.jvp(f.two_in!, [X3, Y3], [X3, ones([2], { dtype: "float64" })]),
  forward_mode_no_vectorize: () => F.jacobian(f.linear!, X3, { strategy: "forward-mode" }),
  forward_mode_create_graph: () => F.jacobian(f.linear!, X3, { strategy: "forward-mode", vectorize: true, createGraph: true }),
};

/** PyTorch's wording, in Fluxion's terms: camelCase options, arrays for tuples, "omitted" for None, shapes as [3]. */
function inFluxionTerms(m: string): string {
  return m
    .replace(/`/g, "")
    .replace(/create_graph/g, "createGraph")
    .replace(/vectorized=/g, "vectorize=")
    .replace(/=True/g, "=true").replace(/=False/g, "=false")
    .replace(/v is a tuple/g, "v is an array")
    .replace(/can only be None/g, "can only be omitted")
    .replace(/torch\.Size\(\[([^\]]*)\]\)/g, "[$1]")
    .replace(/^torch\.autograd\.functional\.jacobian: /, "")
    .replace(/Computing Jacobian using forward-AD or forward-over-reverse Hessian isonly implemented for vectorize=true\./, "computing the Jacobian using forward-mode AD is only implemented for vectorize=true")
    .replace(/\.$/, "")
    .toLowerCase();
}

for (const e of fixture.errors) {
  test(`functional error as in PyTorch: ${e.name}`, () => {
    const call = ERRORS[e.name];
    assert.ok(call, `no mirror for ${e.name}`);
    assert.throws(call, (err: Error) => {
      assert.ok(err instanceof FluxionError, `${e.name}: ${err.name}: ${err.message}`);
      if (/invalid size/.test(e.message)) assert.ok(err instanceof ShapeError, e.name);
      else if (/v is a tuple|v should contain/.test(e.message)) assert.ok(err instanceof ArgumentError, e.name);
      else assert.ok(err instanceof AutogradError, `${e.name}: ${err.name}`);
      const want = inFluxionTerms(e.message);
      assert.ok(err.message.toLowerCase().includes(want), `${e.name}:\n  got  ${err.message}\n  want ${want}`);
      return true;
    });
  });
}

test("inputs, v and outputs that are not tensors raise ArgumentErrors naming the function and the position", () => {
  assert.throws(() => F.jacobian(f.linear!, 3 as never), (e: Error) => e instanceof ArgumentError && /jacobian.*inputs given to jacobian must be either a Tensor or an array of Tensors but the given inputs has type int 3/.test(e.message));
  assert.throws(() => F.vjp(f.two_in!, [X3, "a" as never], X3), (e: Error) => e instanceof ArgumentError && /vjp.*the value at index 1 has type string "a"/.test(e.message));
  assert.throws(() => F.jvp(f.linear!, X3, [X3, 2] as never), (e: Error) => e instanceof ArgumentError && /jvp.*v given to jvp.*index 1 has type int 2/.test(e.message));
  assert.throws(() => F.hessian((() => 5) as never, X3), (e: Error) => e instanceof ArgumentError && /hessian.*outputs of the user-provided function.*has type int 5/.test(e.message));
  assert.throws(() => F.jacobian((() => [X3, null]) as never, X3), (e: Error) => e instanceof ArgumentError && /index 1 has type null/.test(e.message));
  assert.throws(() => F.jacobian("f" as never, X3), (e: Error) => e instanceof ArgumentError && /jacobian/.test(e.message));
  assert.throws(() => F.hessian(f.linear_sum!, X3, { outerJacobianStrategy: "sideways" as never }), (e: Error) => e instanceof ArgumentError && /hessian/.test(e.message));
  assert.throws(() => F.vhp(f.two_out!, X3, X3), (e: Error) => e instanceof AutogradError && /function given to vhp should return a single Tensor/.test(e.message));
});

test("strategy 'forward-mode' gives the reverse-mode Jacobian, in each output's dtype, zeros for an independent input", () => {
  const x = tensor([0.3, -1.2, 0.7], { dtype: "float64" });
  for (const name of ["exp_reducer", "two_out", "cubic_cross", "identity", "linear"] as const) {
    const inp = name === "exp_reducer" ? x.view(1, 3) : x;
    const fwd = flatTensors(F.jacobian(FUNCS[name]!, inp, { vectorize: true, strategy: "forward-mode" }));
    const rev = flatTensors(F.jacobian(FUNCS[name]!, inp));
    assert.equal(fwd.length, rev.length, name);
    fwd.forEach((t, i) => {
      assert.deepEqual(t.shape, rev[i]!.shape, `${name} shape`);
      assert.equal(t.requiresGrad, false, `${name} detached`);
      assertClose(t, rev[i]!, { atol: 1e-12 });
    });
  }
  // two inputs and two outputs: J[i][j]; the float32 second input gets the float64 output's dtype (PyTorch's)
  const y = tensor([1.5, -0.5], { dtype: "float32" });
  const J = F.jacobian((a, b) => [a.mul(3), a.sum().mul(b.to("float64"))], [x, y], { vectorize: true, strategy: "forward-mode" }) as Tensor[][];
  assertClose(J[0]![0]!, [[3, 0, 0], [0, 3, 0], [0, 0, 3]], { atol: 1e-12 });
  assert.equal(J[0]![1]!.dtype, "float64");
  assertClose(J[0]![1]!, [[0, 0], [0, 0], [0, 0]]);
  const s = x.sum().item();
  assertClose(J[1]![0]!, [[1.5, 1.5, 1.5], [-0.5, -0.5, -0.5]], { atol: 1e-6 });
  assertClose(J[1]![1]!, [[s, 0], [0, s]], { atol: 1e-6 });
  // a float32 output of a float64 input: the output's dtype, as PyTorch's forward mode
  assert.equal((F.jacobian((t) => t.float().mul(3), x, { vectorize: true, strategy: "forward-mode" }) as Tensor).dtype, "float32");
  // an output that does not depend on the input
  assertClose(F.jacobian(FUNCS.constant_out!, x, { vectorize: true, strategy: "forward-mode" }) as Tensor, zeros([2, 3], { dtype: "float64" }));
});

test("outerJacobianStrategy 'forward-mode' (forward-over-reverse) gives the Hessian; PyTorch's refusals of the strategy hold", () => {
  const x = tensor([0.3, -1.2, 0.7], { dtype: "float64" });
  const b = tensor([0.1, 0.4], { dtype: "float64" });
  assertClose(F.hessian(FUNCS.cubic_cross!, x, { vectorize: true, outerJacobianStrategy: "forward-mode" }) as Tensor, F.hessian(FUNCS.cubic_cross!, x) as Tensor, { atol: 1e-12 });
  const Hf = F.hessian(FUNCS.outer_sq!, [x, b], { vectorize: true, outerJacobianStrategy: "forward-mode" }) as Tensor[][];
  const Hr = F.hessian(FUNCS.outer_sq!, [x, b]) as Tensor[][];
  Hf.forEach((row, i) => row.forEach((h, j) => assertClose(h, Hr[i]![j]!, { atol: 1e-12 })));
  assert.throws(() => F.hessian(FUNCS.linear_sum!, x, { outerJacobianStrategy: "forward-mode" }), /only implemented for vectorize=true/);
  assert.throws(() => F.hessian(FUNCS.cubic_cross!, x, { outerJacobianStrategy: "forward-mode", vectorize: true, createGraph: true }),
    (e: Error) => e instanceof AutogradError && /hessian: createGraph=true and outerJacobianStrategy="forward-mode" are not supported together/.test(e.message));
  assert.throws(() => F.jacobian(FUNCS.linear!, x, { strategy: "forward-mode", vectorize: true, strict: true }),
    (e: Error) => e instanceof AutogradError && /strict=true and strategy="forward-mode" are not supported together/.test(e.message));
});

// ---- analytic derivatives -------------------------------------------------------------------
const A = tensor([[1, 2, -1], [0.5, -3, 4]], { dtype: "float64" });
const Q = tensor([[2, 1, 0], [1, 3, -1], [0, -1, 4]], { dtype: "float64" });

test("the Jacobian of x -> A x is A; a vjp is v^T A; a jvp is A v", () => {
  const x = randn([3], { dtype: "float64" });
  const J = F.jacobian((t) => A.matmul(t), x) as Tensor;
  assertClose(J, A.tolist(), { atol: 1e-12 });
  const v = tensor([1, -2], { dtype: "float64" });
  const [y, vj] = F.vjp((t) => A.matmul(t), x, v);
  assertClose(y as Tensor, A.matmul(x), { atol: 1e-12 });
  assertClose(vj as Tensor, v.matmul(A), { atol: 1e-12 });
  const u = tensor([0.5, 1, -1], { dtype: "float64" });
  const [, jv] = F.jvp((t) => A.matmul(t), x, u);
  assertClose(jv as Tensor, A.matmul(u), { atol: 1e-12 });
});

test("the Hessian of x^T Q x / 2 is Q; hvp and vhp are Q v; the hvp of a non-symmetric form is (Q+Q^T)/2 v", () => {
  const x = randn([3], { dtype: "float64" });
  const quad = (t: Tensor) => t.matmul(Q).matmul(t).div(2);
  assertClose(F.hessian(quad, x), Q.tolist(), { atol: 1e-12 });
  const v = tensor([1, 2, 3], { dtype: "float64" });
  for (const p of [F.hvp, F.vhp]) {
    const [val, hv] = p(quad, x, v);
    assertClose(val, quad(x), { atol: 1e-12 });
    assertClose(hv as Tensor, Q.matmul(v), { atol: 1e-12 });
  }
  const M = tensor([[0, 4, 0], [0, 0, 0], [2, 0, 0]], { dtype: "float64" });
  const [, hv] = F.hvp((t) => t.matmul(M).matmul(t), x, v);
  assertClose(hv as Tensor, M.add(M.t()).matmul(v), { atol: 1e-12 });
});

test("a float32 input gives a float32 Jacobian; a Jacobian that mixes dtypes has each input's dtype", () => {
  const x = tensor([1, 2], { dtype: "float32" });
  const y = tensor([3, 4], { dtype: "float64" });
  const J = F.jacobian((a, b) => a.double().mul(b!), [x, y]) as Tensor[];
  assert.equal(J[0]!.dtype, "float32");
  assert.equal(J[1]!.dtype, "float64");
  assertClose(J[0]!, [[3, 0], [0, 4]]);
  assertClose(J[1]!, [[1, 0], [0, 2]]);
});

test("createGraph: the Jacobian of a gradient is the Hessian, and third derivatives flow through hessian", () => {
  const x = tensor([0.5, -1, 2], { dtype: "float64", requiresGrad: true });
  const g = (t: Tensor) => autograd.grad(t.pow(4).sum(), t, { createGraph: true })[0]!;
  // d/dx (4x^3) = 12x^2 on the diagonal
  assertClose(F.jacobian(g, x) as Tensor, [[3, 0, 0], [0, 12, 0], [0, 0, 48]], { atol: 1e-10 });
  const H = F.hessian((t) => t.pow(4).sum(), x, { createGraph: true });
  assert.equal(H.requiresGrad, true);
  // sum of H = sum 12 x^2; its gradient 24 x
  const [d3] = autograd.grad(H.sum(), x);
  assertClose(d3!, [12, -24, 48], { atol: 1e-10 });
  // without createGraph the results are detached, and the original inputs get no .grad
  const H2 = F.hessian((t) => t.pow(4).sum(), x);
  assert.equal(H2.requiresGrad, false);
  assert.equal(x.grad, null);
});

test("the functions differentiate the arguments they are given, not tensors captured from outside", () => {
  const x = tensor([1, 2], { dtype: "float64", requiresGrad: true });
  const outside = x.mul(1);
  // PyTorch gives zeros here: `outside` is not the argument the function receives
  const J = F.jacobian((t) => t.mul(2).add(outside), x) as Tensor;
  assertClose(J, [[2, 0], [0, 2]]);
  const [, vj] = F.vjp((t) => t.mul(outside).sum(), x);
  assertClose(vj as Tensor, [1, 2]);
});

test("results follow the single-tensor / array convention of their inputs and outputs", () => {
  const x = tensor([1, 2], { dtype: "float64" });
  assert.ok(F.jacobian((t) => t.sum(), x) instanceof Tensor);
  const j1 = F.jacobian((t) => t.sum(), [x]) as Tensor[];
  assert.ok(Array.isArray(j1) && j1.length === 1 && j1[0] instanceof Tensor);
  const j2 = F.jacobian((t) => [t.sum()], x) as Tensor[];
  assert.ok(Array.isArray(j2) && j2[0] instanceof Tensor);
  const j3 = F.jacobian((t) => [t.sum()], [x]) as Tensor[][];
  assert.ok(Array.isArray(j3[0]) && j3[0]![0] instanceof Tensor);
  const [out, vj] = F.vjp((t) => [t.sum()], [x], [tensor(1, { dtype: "float64" })]);
  assert.ok(Array.isArray(out) && Array.isArray(vj));
  assert.deepEqual(F.hessian((t) => t.pow(2).sum(), [x]).map((r) => r.map((t) => t.shape)), [[[2, 2]]]);
  // positional options in PyTorch's order also work: jacobian(func, inputs, createGraph, strict)
  assertClose(F.jacobian((t) => t.mul(3), x, false, false) as Tensor, [[3, 0], [0, 3]]);
});

test("an output with no elements has an empty Jacobian of the right shape", () => {
  const x = tensor([1, 2], { dtype: "float64" });
  const J = F.jacobian((t) => t.narrow(0, 0, 0), x) as Tensor;
  assert.deepEqual(J.shape, [0, 2]);
});

test("grad mode outside does not change the results; inside noGrad they are still computed", () => {
  const x = tensor([1, 2], { dtype: "float64" });
  const J = autograd.noGrad(() => F.jacobian((t) => t.pow(2), x)) as Tensor;
  assertClose(J, [[2, 0], [0, 4]]);
  const [, hv] = autograd.noGrad(() => F.hvp((t) => t.pow(3).sum(), x, ones([2], { dtype: "float64" })));
  assertClose(hv as Tensor, [6, 12]);
});
