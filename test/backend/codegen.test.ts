/**
 * The TypeScript kernels without `new Function` (src/backend/cpu/codegen.ts, expr.ts): under
 * a strict Content-Security-Policy or on an edge runtime the generated loops cannot be
 * compiled, and closures built from the same elementwise table and reducer table run
 * instead. Every table expression is checked against its compiled form on special values;
 * every elementwise op, reduction and scan gives bit-identical results on both paths (all
 * dtypes, strided and broadcast operands); an EvalError from `new Function` switches to the
 * closures by itself, as does Node's --disallow-code-generation-from-strings.
 */
import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { tensor, type DType, type Tensor } from "../../src/index.js";
import { BINARY_OPS, ELEMENTWISE_HELPERS, UNARY_OPS } from "../../src/ops/elementwise_table.js";
import { INT64_BINARY, INT64_HELPERS, INT64_UNARY } from "../../src/ops/elementwise_int64.js";
import { codegenAvailable, setCodegenDisabled } from "../../src/backend/cpu/codegen.js";
import { compileExpr } from "../../src/backend/cpu/expr.js";
import { runElementwise } from "../../src/backend/cpu/loops.js";
import { reduceReference, scan } from "../../src/backend/cpu/reduce.js";
import { alloc, broadcastOperand, outOperand } from "../../src/backend/cpu/util.js";
import type { ReduceOpName } from "../../src/backend/primitives.js";
import { randomTensor } from "../helpers.js";

afterEach(() => setCodegenDisabled(false));

const SPECIALS = [0, -0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3, 1e-300, 1e300, -7.25, NaN, Infinity, -Infinity, 0.1, 27.5];
const H = { ...ELEMENTWISE_HELPERS };

function same(a: unknown, b: unknown): boolean {
  return Object.is(a, b);
}

test("every table expression as closures equals the compiled expression, on special values", () => {
  const globals = { Math, Number, H, Infinity, NaN };
  const exprs: string[] = [...Object.values(UNARY_OPS), ...Object.values(BINARY_OPS)].map((d) => d.js);
  exprs.push("(x !== 0 ? y : z)", "(x !== 0)", "x", "((x + y) !== 0)", "-x * -y + +z % 3 - !x", "x - y - z", "x / y / z", "1e-3 * .5e1 + 2.");
  // bitwise operators, with JavaScript's precedence among themselves and the others
  exprs.push("x | y & z ^ 3", "~x + 1 << 2", "x >> 1 < y", "x & y === z", "x << y >> 1", "~~x ^ -y | 5 & z", "x & 1 ? y | 2 : ~z");
  const params = [[0.01, 0], [1, 20], [-Infinity, Infinity], [2, -1], [0.5, 0.5]];
  for (const js of exprs) {
    const closure = compileExpr(js, globals);
    const compiled = new Function("H", `return (x, y, z, p0, p1) => ${js};`)(H) as typeof closure;
    for (const x of SPECIALS)
      for (const y of SPECIALS.slice(0, 9))
        for (const [p0, p1] of params) {
          const z = x * 2 - y;
          // parameters outside an op's range (div's rounding codes) must fail the same way on both paths
          const run = (f: typeof closure) => {
            try {
              return f(x, y, z, p0!, p1!);
            } catch (e) {
              return `threw ${String(e)}`;
            }
          };
          const got = run(closure), want = run(compiled);
          assert.ok(same(got, want), `${js} at x=${x} y=${y} z=${z} p=${p0},${p1}: ${got} vs ${want}`);
        }
  }
});

test("every exact int64 form (elementwise_int64.ts) as closures equals its compiled form, on bigint specials", () => {
  const globals = { Math, Number, H: { ...ELEMENTWISE_HELPERS, ...INT64_HELPERS }, Infinity, NaN };
  const BIG = [0n, 1n, -1n, 2n, -7n, 3n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n, 40n];
  const exprs = [...Object.values(INT64_UNARY), ...Object.values(INT64_BINARY)] as string[];
  assert.ok(exprs.length >= 25);
  for (const js of exprs) {
    const closure = compileExpr(js, globals);
    const compiled = new Function("H", `return (x, y, z, p0, p1) => ${js};`)(globals.H) as typeof closure;
    for (const x of BIG)
      for (const y of BIG)
        for (const [p0, p1] of [[1, 2], [-5, 100], [-Infinity, Infinity], [2, 1]]) {
          const run = (f: typeof closure) => {
            try {
              return f(x as never, y as never, 0, p0!, p1!);
            } catch (e) {
              return `threw ${String(e)}`;
            }
          };
          assert.ok(same(run(closure), run(compiled)), `${js} at x=${x} y=${y} p=${p0},${p1}`);
        }
  }
});

test("compileExpr rejects what it does not understand, naming the expression", () => {
  const g = { Math, H };
  assert.throws(() => compileExpr("x + w", g), /unknown name "w".*"x \+ w"/);
  assert.throws(() => compileExpr("Math.nope(x)", g), /unknown property "nope"/);
  assert.throws(() => compileExpr("x +", g), /unexpected end/);
  assert.throws(() => compileExpr("(x", g), /expected "\)"/);
  assert.throws(() => compileExpr("x y", g), /unexpected trailing input/);
  assert.throws(() => compileExpr("x = 1", g), /cannot read " = 1"/);
  assert.throws(() => compileExpr("Math.PI(x)", g), /not a function/);
  assert.throws(() => compileExpr("x ? y", g), /expected ":"/);
  assert.throws(() => compileExpr("x >>> y", g), /unexpected ">"/);
  assert.throws(() => compileExpr("x ** y", g), /unexpected "\*"/);
});

/** `make()` run with code generation, then without; their outputs' elements must be identical. */
function bothPaths(what: string, make: () => ArrayLike<number | bigint>): void {
  setCodegenDisabled(false);
  assert.ok(codegenAvailable());
  const compiled = Array.from(make());
  setCodegenDisabled(true);
  assert.ok(!codegenAvailable());
  const closures = Array.from(make());
  setCodegenDisabled(false);
  assert.equal(closures.length, compiled.length, what);
  for (let i = 0; i < compiled.length; i++) assert.ok(same(closures[i]!, compiled[i]!), `${what}: element ${i}: ${closures[i]} vs ${compiled[i]}`);
}

/** Specials in a [4, 6] float64 tensor, cast to dtype, then viewed transposed [6, 4] (strided). */
function input(dtype: DType, seed: number): Tensor {
  const vals = Array.from({ length: 24 }, (_, i) => SPECIALS[(i * 5 + seed) % SPECIALS.length]!);
  return tensor(new Float64Array(vals), { shape: [4, 6], dtype: "float64" }).to(dtype).t();
}

const DTYPES: DType[] = ["float32", "float64", "int32", "bool", "bfloat16", "float16", "uint8", "int8", "int64"];

/** What src/backend/cpu/elementwise.ts runs: bool outputs of arithmetic test against 0. */
function boolResult(js: string, out: DType, kind: string): string {
  return out === "bool" && kind !== "predicate" ? `((${js}) !== 0)` : js;
}

test("every unary op on every dtype: closures and compiled loops agree bit for bit (strided input)", () => {
  for (const [name, def] of Object.entries(UNARY_OPS))
    for (const dtype of DTYPES) {
      const x = input(dtype, 1);
      const outD: DType = def.kind === "predicate" ? "bool" : dtype;
      const params = name === "clamp" ? [-1, 2] : name === "softplus" ? [1, 20] : [0.1, 0];
      bothPaths(`${name} ${dtype}`, () => {
        const out = alloc(x.shape, outD, "cpu");
        runElementwise(x.shape, outOperand(out), [broadcastOperand(x, x.shape)], boolResult(def.js, outD, def.kind), params);
        return out.storage.data;
      });
    }
});

test("every binary op on every dtype: closures and compiled loops agree bit for bit (broadcast operands)", () => {
  for (const [name, def] of Object.entries(BINARY_OPS))
    for (const dtype of DTYPES) {
      const a = input(dtype, 2); // [6, 4], strided
      const b = input(dtype, 5).narrow(0, 0, 1); // [1, 4], broadcast over rows
      const shape = [6, 4];
      const outD: DType = def.kind === "predicate" ? "bool" : dtype;
      bothPaths(`${name} ${dtype}`, () => {
        const out = alloc(shape, outD, "cpu");
        runElementwise(shape, outOperand(out), [broadcastOperand(a, shape), broadcastOperand(b, shape)], boolResult(def.js, outD, def.kind), [0.5]);
        return out.storage.data;
      });
    }
});

test("where, 0-d operands and a 4-d broadcast: closures and compiled loops agree", () => {
  const c = input("bool", 3), a = input("float32", 4), b = tensor(7.5);
  bothPaths("where", () => {
    const out = alloc(c.shape, "float32", "cpu");
    runElementwise(c.shape, outOperand(out), [c, a, b].map((t) => broadcastOperand(t, c.shape)), "(x !== 0 ? y : z)");
    return out.storage.data;
  });
  bothPaths("0-d", () => {
    const out = alloc([], "float64", "cpu");
    runElementwise([], outOperand(out), [broadcastOperand(tensor(-2.5, { dtype: "float64" }), [])], UNARY_OPS.round.js);
    return out.storage.data;
  });
  const x = randomTensor([2, 1, 3, 1], { seed: 3 }), y = randomTensor([1, 4, 1, 5], { seed: 4 }).permute([0, 1, 3, 2]).permute([0, 1, 3, 2]);
  const shape = [2, 4, 3, 5];
  bothPaths("4-d", () => {
    const out = alloc(shape, "float64", "cpu");
    runElementwise(shape, outOperand(out), [broadcastOperand(x, shape), broadcastOperand(y, shape)], BINARY_OPS.atan2.js);
    return out.storage.data;
  });
});

test("every reduction on every dtype and both loop shapes: closures and compiled loops agree", () => {
  const ops: ReduceOpName[] = ["sum", "prod", "max", "min", "argmax", "argmin"];
  for (const op of ops)
    for (const dtype of DTYPES) {
      const x = input(dtype, 6).contiguous(); // [6, 4]
      // axis 1: "inner" runs; axis 0: "outer" (a strided run, contiguous kept dim); both; a transposed view
      for (const [axes, t] of [[[1], x], [[0], x], [[0, 1], x], [[0], x.t()]] as const) {
        bothPaths(`${op} ${dtype} axes ${axes}`, () => reduceReference([t], { op, axes: [...axes], keepdim: false }, "cpu")[0]!.storage.data);
      }
    }
  // empty runs: the identity (sum 0, prod 1, bool min/max 1/0)
  for (const op of ["sum", "prod", "min", "max"] as const) {
    const e = tensor([], { dtype: "bool" }).reshape([0, 3]);
    bothPaths(`${op} empty`, () => reduceReference([e], { op, axes: [0], keepdim: false }, "cpu")[0]!.storage.data);
  }
});

test("cumsum and cumprod scans: closures and compiled loops agree", () => {
  for (const op of ["sum", "prod"] as const)
    for (const dtype of ["float32", "float64", "int32", "bfloat16", "float16", "uint8", "int64"] as DType[])
      for (const axis of [0, 1]) {
        const x = input(dtype, 7);
        bothPaths(`scan ${op} ${dtype} axis ${axis}`, () => scan([x], { op, axis }, "cpu")[0]!.storage.data);
      }
});

test("an EvalError from new Function switches the kernels to closures, with the same results", () => {
  const x = randomTensor([5, 7], { seed: 9, dtype: "float32" });
  const run = (): (number | bigint)[] => {
    const out = alloc(x.shape, "float32", "cpu");
    runElementwise(x.shape, outOperand(out), [broadcastOperand(x, x.shape)], UNARY_OPS.geluTanh.js);
    return [...out.storage.data, ...reduceReference([x], { op: "argmax", axes: [1], keepdim: false }, "cpu")[0]!.storage.data];
  };
  const want = run();
  const RealFunction = globalThis.Function;
  let attempts = 0;
  globalThis.Function = function () {
    attempts++;
    throw new EvalError("Code generation from strings disallowed for this context");
  } as unknown as FunctionConstructor;
  try {
    setCodegenDisabled(false); // probe again, under the "CSP"
    assert.equal(codegenAvailable(), false);
    assert.deepEqual(run(), want);
    assert.equal(attempts, 1, "probed once, then never tried again");
  } finally {
    globalThis.Function = RealFunction;
  }
});

test("under node --disallow-code-generation-from-strings, without the addon, a model trains as usual", () => {
  const code = `
    import { nn, optim, manualSeed, randn } from "./src/index.ts";
    import { codegenAvailable } from "./src/backend/cpu/codegen.ts";
    manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 1));
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const x = randn([16, 4]), y = x.sum(1, { keepdim: true }).sin();
    const losses = [];
    for (let i = 0; i < 100; i++) {
      opt.zeroGrad();
      const loss = nn.functional.mseLoss(model.forward(x), y);
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    console.log(JSON.stringify({ codegen: codegenAvailable(), losses, cum: x.cumsum(0).sum().item() }));
  `;
  const run = (flags: string[]) => {
    const r = spawnSync(process.execPath, [...flags, "--import", "tsx", "--input-type=module", "-e", code], { encoding: "utf8", env: { ...process.env, FLUXION_NATIVE: "0" } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { codegen: boolean; losses: number[]; cum: number };
  };
  const strict = run(["--disallow-code-generation-from-strings"]);
  const normal = run([]);
  assert.equal(strict.codegen, false);
  assert.equal(normal.codegen, true);
  assert.deepEqual(strict, { ...normal, codegen: false }, "same losses, bit for bit");
  assert.ok(strict.losses.at(-1)! < strict.losses[0]! / 2, `the loss falls: ${strict.losses[0]} -> ${strict.losses.at(-1)}`);
});
