/**
 * The material of the bad-input fuzz (bad_input.test.ts): a seeded random stream, the
 * catalogue of bad values (each made fresh per call, so an in-place op on one cannot leak
 * into the next call), plausible good values for each declared parameter type, and the
 * check every call must pass: it returns sanely or throws a FluxionError naming the op.
 */
import * as fx from "../../src/index.js";
import { FluxionError, Generator, Tensor, nn, optim, data, tensor, zeros } from "../../src/index.js";
import type { Param } from "../../src/api/schema.js";

/** mulberry32: a small deterministic stream, so every run makes the same calls. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A float32 [2, 3] tensor with values in [0.5, 1.5]: log, sqrt, division by it stay finite. */
export function goodTensor(): Tensor {
  return tensor([[0.5, 0.75, 1], [1.25, 1.5, 0.6]]);
}

export interface BadValue {
  name: string;
  make: () => unknown;
  /** Non-numeric garbage: a NaN in a result made from it is a silent wrong result. */
  garbage: boolean;
}

const deep = (levels: number) => {
  let x: unknown = [1];
  for (let i = 0; i < levels; i++) x = [x];
  return x;
};

/** Every kind of wrong value the issue lists, and a few more. */
export const BAD_VALUES: readonly BadValue[] = [
  { name: "undefined", make: () => undefined, garbage: true },
  { name: "null", make: () => null, garbage: true },
  { name: '"abc"', make: () => "abc", garbage: true },
  { name: '""', make: () => "", garbage: true },
  { name: "NaN", make: () => NaN, garbage: false },
  { name: "Infinity", make: () => Infinity, garbage: false },
  { name: "-Infinity", make: () => -Infinity, garbage: false },
  { name: "-1", make: () => -1, garbage: false },
  { name: "-7", make: () => -7, garbage: false },
  { name: "0", make: () => 0, garbage: false },
  { name: "1.5", make: () => 1.5, garbage: false },
  { name: "-0.5", make: () => -0.5, garbage: false },
  { name: "1e12", make: () => 1e12, garbage: false },
  { name: "2**53", make: () => 2 ** 53, garbage: false },
  { name: "2**32+1", make: () => 2 ** 32 + 1, garbage: false },
  { name: "true", make: () => true, garbage: false },
  { name: "{}", make: () => ({}), garbage: true },
  { name: "{foo: 1}", make: () => ({ foo: 1 }), garbage: true },
  { name: "[]", make: () => [], garbage: true },
  { name: "ragged [[1], [2, 3]]", make: () => [[1], [2, 3]], garbage: true },
  { name: "[NaN]", make: () => [NaN], garbage: false },
  { name: "[1e12, 1e12]", make: () => [1e12, 1e12], garbage: false },
  { name: "[-1, -2]", make: () => [-1, -2], garbage: false },
  { name: '["a"]', make: () => ["a"], garbage: true },
  { name: "[null]", make: () => [null], garbage: true },
  { name: "nested 200 deep", make: () => deep(200), garbage: true },
  { name: "Symbol", make: () => Symbol("s"), garbage: true },
  { name: "10n", make: () => 10n, garbage: true },
  { name: "a function", make: () => () => 1, garbage: true },
  { name: "Float32Array", make: () => new Float32Array([1, 2, 3]), garbage: true },
  { name: "Map", make: () => new Map([["a", 1]]), garbage: true },
  { name: "int32 tensor", make: () => tensor([[1, 2, 3], [4, 5, 6]], { dtype: "int32" }), garbage: false },
  { name: "bool tensor", make: () => tensor([[true, false, true], [false, true, false]]), garbage: false },
  { name: "float64 tensor", make: () => tensor([[0.5, 1, 1.5], [2, 2.5, 3]], { dtype: "float64" }), garbage: false },
  { name: "0-d tensor", make: () => tensor(0.5), garbage: false },
  { name: "empty [0] tensor", make: () => zeros([0]), garbage: false },
  { name: "empty [2, 0] tensor", make: () => zeros([2, 0]), garbage: false },
  { name: "[7, 1, 3] tensor", make: () => zeros([7, 1, 3]).add(0.5), garbage: false },
  { name: "[1, 2, 3, 3] tensor", make: () => zeros([1, 2, 3, 3]).add(0.5), garbage: false },
  { name: "transposed tensor", make: () => goodTensor().t(), garbage: false },
  { name: "a Module", make: () => new nn.ReLU(), garbage: true },
  { name: "a Generator", make: () => new Generator(1), garbage: true },
];

/** The namespace object a declaration's group lives in. */
export function groupNamespace(group: string): Record<string, unknown> {
  if (group === "functions" || group === "tensor") return fx as unknown as Record<string, unknown>;
  let ns: unknown = fx;
  for (const part of group.split(".")) ns = (ns as Record<string, unknown>)[part];
  return ns as Record<string, unknown>;
}

/** Fresh model parameters (a small Linear), for optimizers and nn.utils. */
export function someParams(): Tensor[] {
  return [...new nn.Linear(3, 2).parameters()];
}

/**
 * A plausible good value for a parameter (from its type, or by name where the type is
 * `Any`), used for every argument but the one made bad.
 */
export function goodValue(owner: string, p: Param): unknown {
  const name = p.name;
  // `Any` parameters: what the owner means by them
  if (name === "params" || name === "parameters") return someParams();
  if (name === "optimizer") return new optim.SGD(someParams(), 0.1);
  if (name === "dataset") return new data.TensorDataset(goodTensor());
  if (name === "datasets") return [new data.TensorDataset(goodTensor())];
  if (name === "schedulers") return [];
  if (name === "indices" && (owner === "Subset" || owner === "SubsetRandomSampler")) return [0];
  if (name === "dataSource") return new data.TensorDataset(goodTensor());
  if (name === "sampler") return [0, 1];
  if (name === "weights" && owner === "WeightedRandomSampler") return [1, 2];
  if (name === "batch") return [goodTensor(), goodTensor()];
  if (name === "transforms") return [];
  if (p.hasDefault && p.default !== null) return p.default;
  const atom = p.type.atoms[0]!;
  if (atom.kind === "literal") return atom.value;
  const base = atom.kind === "list" ? atom.of : atom.base;
  const one = (() => {
    switch (base) {
      case "Tensor": return goodTensor();
      case "Scalar": return 2;
      case "int": return 1;
      case "float": return 0.5;
      case "bool": return false;
      case "str": return "mean";
      case "ScalarType": return "float32";
      case "Device": return "cpu";
      case "Generator": return new Generator(0);
      case "Module": return new nn.ReLU();
      case "Callable": return (v: unknown) => v;
      case "Dict": return {};
      case "Any": return goodTensor();
    }
  })();
  if (atom.kind === "list") return Array.from({ length: atom.length ?? 2 }, () => (base === "Tensor" ? goodTensor() : one));
  if (p.type.varargs) return one;
  return one;
}

/** Every tensor reachable in a result (tuples, arrays, plain objects), up to a small depth. */
export function tensorsIn(v: unknown, depth = 0, out: Tensor[] = []): Tensor[] {
  if (v instanceof Tensor) out.push(v);
  else if (depth < 3 && Array.isArray(v)) for (const x of v) tensorsIn(x, depth + 1, out);
  return out;
}

export function hasNaN(t: Tensor): boolean {
  if (t.dtype !== "float32" && t.dtype !== "float64" && t.dtype !== "bfloat16" && t.dtype !== "float16") return false;
  const a = t.float().toTypedArray();
  for (let i = 0; i < a.length; i++) if (a[i] !== a[i]) return true;
  return false;
}

/** Whether `message` names one of `names` as a word ("t" is not named by "transpose"). */
export function names(message: string, names: readonly string[]): boolean {
  return names.some((n) => new RegExp(`(^|\\W)${n}(\\W|$)`, "i").test(message));
}

/** Ops that give NaN on goodTensor() with their defaults (logit of values above 1): a NaN proves nothing. */
const NAN_DOMAIN = new Set(["logit", "logit_"]);

/**
 * What one call did wrong, or null when it passed. `opNames`: what its message may name
 * (the op; for a container's forward also its children, which check their own input).
 */
export function judge(label: string, opNames: readonly string[], run: () => unknown, bad: BadValue | null, returnsTensor = false, cpuLimitMs = 5000): string | null {
  // a Module passed where a callable goes is called, and its forward names itself
  if (bad?.name === "a Module") opNames = [...opNames, "ReLU"];
  let result: unknown;
  // CPU time, not wall time, over 5 s: a runaway computation is what this catches; a default
  // nn.Transformer's 44M-parameter init alone takes 1.3-1.7 s of CPU, and on a loaded machine
  // (CI neighbours, parallel jobs) 2-5 s of wall time
  const c0 = process.cpuUsage();
  const cpuMs = () => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  try {
    result = run();
  } catch (e) {
    const ms = cpuMs();
    if (!(e instanceof FluxionError)) return `${label}: threw ${(e as Error)?.constructor?.name ?? typeof e}: ${String((e as Error)?.message ?? e).slice(0, 160)}`;
    if (!names(e.message, opNames)) return `${label}: ${e.constructor.name} does not name ${opNames[0]}: ${e.message.slice(0, 160)}`;
    if (ms > cpuLimitMs) return `${label}: took ${ms.toFixed(0)} ms of CPU to fail`;
    return null;
  }
  const ms = cpuMs();
  if (ms > cpuLimitMs) return `${label}: took ${ms.toFixed(0)} ms of CPU`;
  if (returnsTensor && !(result instanceof Tensor && result.shape.every((s) => Number.isSafeInteger(s) && s >= 0))) {
    return `${label}: returned ${result instanceof Tensor ? `a tensor of shape [${result.shape}]` : typeof result} instead of a tensor`;
  }
  // (ops whose domain makes NaN of goodTensor's values above 1 anyway, such as logit, are exempt)
  if (bad?.garbage && !NAN_DOMAIN.has(opNames[0]!)) {
    for (const t of tensorsIn(result)) if (hasNaN(t)) return `${label}: returned NaN from ${bad.name}`;
  }
  return null;
}
