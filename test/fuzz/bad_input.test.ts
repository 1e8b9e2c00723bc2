// Bad input across the whole public API: every declared op (registeredOps()) and every
// declared constructor (registeredConstructors()) called with wrong types, absurd and
// fractional sizes, garbage objects, wrong-dtype, wrong-shape and empty tensors. Each call
// must either return a sane result or throw a FluxionError that names the op, never a
// TypeError/RangeError, a stack overflow or a NaN made from non-numeric input; an in-place
// op that fails leaves its tensor's values and version unchanged. Seeded, so every run
// makes the same calls (issue_cases.test.ts has the issue's own list, message by message).
// Debugging: FUZZ_TRACE=1 writes each call and its time to stderr (to find one that hangs
// or crashes); FUZZ_SKIP="a|b" skips the calls whose label contains a or b.
import { test } from "node:test";
import { writeSync } from "node:fs";
import assert from "node:assert/strict";
import { Tensor, nn } from "../../src/index.js";
import { registeredConstructors, registeredOps } from "../../src/api/registry.js";
import type { Param, Signature } from "../../src/api/schema.js";
import { BAD_VALUES, goodTensor, goodValue, groupNamespace, judge, seeded, type BadValue } from "./values.js";

/** How many bad values each argument position gets (drawn from BAD_VALUES by the seed). */
const PER_POSITION = 10;
const rand = seeded(12);
const TRACE = process.env.FUZZ_TRACE === "1";
const SKIP = (process.env.FUZZ_SKIP ?? "").split("|").filter(Boolean);

function pick(n: number): BadValue[] {
  const all = [...BAD_VALUES];
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, n);
}

interface Stats {
  calls: number;
  threw: number;
  failures: string[];
}

/** The positional parameters a call fills: the required ones, and any up to `upTo`. */
function baseArgs(owner: string, params: readonly Param[], upTo: number): unknown[] {
  const out: unknown[] = [];
  for (let k = 0; k < params.length; k++) {
    const p = params[k]!;
    if (p.keywordOnly) break;
    if (k > upTo && (p.hasDefault || p.type.nullable)) break;
    out.push(goodValue(owner, p));
  }
  return out;
}

/** Values of `t` and its version, to check that a failed in-place op changed nothing. */
function snapshot(t: unknown): (() => string | null) | null {
  if (!(t instanceof Tensor)) return null;
  const values = Array.from(t.toTypedArray() as ArrayLike<number>);
  const version = t.version;
  return () => {
    const now = Array.from(t.toTypedArray() as ArrayLike<number>);
    if (t.version !== version) return `version ${version} -> ${t.version}`;
    if (now.length !== values.length || now.some((v, i) => !Object.is(v, values[i]))) return "values changed";
    return null;
  };
}

/** One call: judged, and for in-place ops checked to leave `target` unchanged when it throws. */
function call(stats: Stats, label: string, opName: string | string[], bad: BadValue | null, target: unknown, run: () => unknown, returnsTensor = false): void {
  const opNames = typeof opName === "string" ? [opName] : opName;
  if (SKIP.some((x) => label.includes(x))) return;
  stats.calls++;
  if (TRACE) writeSync(2, `${label}\n`); // FUZZ_TRACE=1: find the call that hangs or crashes
  const t0 = performance.now();
  const before = opNames[0]!.endsWith("_") ? snapshot(target) : null;
  let threw = false;
  const failure = judge(label, opNames, () => {
    try {
      return run();
    } catch (e) {
      threw = true;
      throw e;
    }
  }, bad, returnsTensor);
  if (TRACE) writeSync(2, `  ${(performance.now() - t0).toFixed(1)} ms\n`);
  if (threw) stats.threw++;
  if (failure) stats.failures.push(failure);
  else if (threw && before) {
    const changed = before();
    if (changed) stats.failures.push(`${label}: failed but changed its tensor (${changed})`);
  }
}

function fuzzSignature(stats: Stats, sig: Signature, opName: string, fn: ((...a: unknown[]) => unknown) | null, asMethod: boolean, owner: string, construct: boolean, overloaded = false): void {
  const params = sig.params.slice(asMethod ? 1 : 0);
  const invoke = (self: Tensor | null, args: unknown[]) => () => {
    if (asMethod) return ((Tensor.prototype as unknown as Record<string, (...a: unknown[]) => unknown>)[opName]!).apply(self, args);
    return construct ? new (fn as unknown as new (...a: unknown[]) => unknown)(...args) : fn!(...args);
  };
  const what = `${asMethod ? "Tensor." : ""}${sig.name}${sig.overload ? "." + sig.overload : ""}`;
  // (with overloads, a bad value may bind another one: max(x, -1) is max over dim -1; a
  // returnIndices flag turns the result into a (values, indices) pair, as in PyTorch)
  const returnsTensor = !construct && !overloaded && (sig.returns === "Tensor" || sig.returns === "self") && !sig.params.some((q) => q.name === "returnIndices");
  // each argument position made bad in turn, the others good
  for (let k = 0; k < params.length; k++) {
    const p = params[k]!;
    for (const bad of pick(PER_POSITION)) {
      // null and undefined for an option that takes null are "not given", not bad (out=null)
      if (p.keywordOnly && p.type.nullable && (bad.name === "null" || bad.name === "undefined")) continue;
      const self = asMethod ? goodTensor() : null;
      const args = baseArgs(owner, params, k);
      let label: string;
      if (p.keywordOnly) {
        args.push({ [p.name]: bad.make() });
        label = `${what}(..., {${p.name}: ${bad.name}})`;
      } else {
        while (args.length <= k) args.push(undefined);
        args[k] = bad.make();
        label = `${what}(${p.name}=${bad.name})`;
      }
      const target = asMethod ? self : args[0];
      call(stats, label, opName, bad, target, invoke(self, args), returnsTensor);
    }
  }
  // a method on a tensor of the wrong dtype, shape or size, with good arguments
  if (asMethod) {
    for (const bad of BAD_VALUES.filter((b) => b.name.endsWith("tensor"))) {
      const self = bad.make() as Tensor;
      call(stats, `${what} on ${bad.name}`, opName, bad, self, invoke(self, baseArgs(owner, params, -1)), returnsTensor);
    }
  }
  // too many arguments
  const many = [...baseArgs(owner, params, params.length), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
  call(stats, `${what}(20 extra arguments)`, opName, null, null, invoke(asMethod ? goodTensor() : null, many));
}

test("every declared op: bad arguments give a FluxionError naming the op, or a sane result", () => {
  const stats: Stats = { calls: 0, threw: 0, failures: [] };
  const ops = registeredOps();
  assert.ok(ops.length > 200, `only ${ops.length} ops registered`);
  for (const entry of ops) {
    const fn = entry.function ? (groupNamespace(entry.group)[entry.name] as (...a: unknown[]) => unknown) : null;
    if (entry.function) assert.equal(typeof fn, "function", `${entry.group}.${entry.name} is not exported`);
    for (const sig of entry.sigs) {
      const overloaded = entry.sigs.length > 1;
      if (entry.function) fuzzSignature(stats, sig, entry.name, fn, false, entry.name, false, overloaded);
      if (entry.method) fuzzSignature(stats, sig, entry.name, null, true, entry.name, false, overloaded);
    }
  }
  console.log(`ops: ${stats.calls} calls, ${stats.threw} errors, ${stats.failures.length} failures`);
  for (const f of stats.failures) console.log(f);
  assert.deepEqual(stats.failures, []);
});

test("every declared constructor, and the modules' forward: FluxionError naming it, or a sane result", () => {
  const stats: Stats = { calls: 0, threw: 0, failures: [] };
  const ctors = registeredConstructors();
  assert.ok(ctors.length > 60);
  for (const { sig, group } of ctors) {
    const C = groupNamespace(group)[sig.name] as (...a: unknown[]) => unknown;
    assert.equal(typeof C, "function", `${group}.${sig.name} is not exported`);
    const isClass = /^class\b/.test(Function.prototype.toString.call(C));
    fuzzSignature(stats, sig, sig.name, C, false, sig.name, isClass);
    // a module built from good arguments, called with bad input
    if (group !== "nn") continue;
    let module: nn.Module;
    try {
      module = new (C as unknown as new (...a: unknown[]) => nn.Module)(...baseArgs(sig.name, sig.params, -1));
    } catch {
      continue;
    }
    if (!(module instanceof nn.Module)) continue; // nn.Parameter is declared in nn too
    // a container passes its input on: its children's messages name them
    const children = [...module.children()].map((m) => m.constructor.name);
    // called as users call modules, module(x): errors from deep inside name the innermost module
    for (const bad of pick(PER_POSITION)) {
      // a lazy module becomes its regular class at its first call (LazyLinear -> Linear), as in PyTorch
      // (and may do so on a call that then fails: its error names the class it became)
      const became = sig.name.startsWith("Lazy") ? [sig.name.slice(4)] : [];
      call(stats, `${sig.name}(${bad.name})`, [sig.name, module.constructor.name, ...became, ...children], bad, null, () => (module as unknown as (x: unknown) => unknown)(bad.make()));
    }
  }
  console.log(`constructors: ${stats.calls} calls, ${stats.threw} errors, ${stats.failures.length} failures`);
  for (const f of stats.failures) console.log(f);
  assert.deepEqual(stats.failures, []);
});
