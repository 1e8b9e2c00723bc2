/**
 * The API reference (docs/api.md), written from the op table itself: every declared op,
 * function and constructor with its signature as the argument binder reads it. Run
 * `npm run docs:api` after declaring something new; a test fails while the file is stale.
 */
import { paramText } from "./args.js";
import { registeredConstructors, registeredOps, type OpEntry } from "./registry.js";
import type { Signature } from "./schema.js";

/** Sections in reading order, each with how its entries are called. */
const SECTIONS: readonly { group: string; title: string; how: string }[] = [
  { group: "tensor", title: "Tensor ops", how: "Tensor methods (`x.sum(1, true)`); those marked *fn* are also functions on the module (`fx.sum(x, 1, true)`)." },
  { group: "functions", title: "Functions", how: "On the module: `import * as fx from \"fluxion\"; fx.cat([a, b], 1)`." },
  { group: "special", title: "special", how: "torch.special: `import { special } from \"fluxion\"; special.ndtr(x)`." },
  { group: "autograd", title: "Autograd", how: "`x.backward(...)`, `autograd.grad(...)`." },
  { group: "autograd.functional", title: "autograd.functional", how: "`autograd.functional.jacobian(f, x)`, `autograd.functional.vjp(f, [x, y], v, { createGraph: true })` (docs/autograd.md)." },
  { group: "nn", title: "nn layers", how: "`new nn.Linear(784, 10)`." },
  { group: "nn.functional", title: "nn.functional", how: "`nn.F.conv2d(x, w, b, 1, 2)`." },
  { group: "linalg", title: "linalg", how: "`linalg.solve(A, B)`, `linalg.svd(A, false)` (docs/linalg.md)." },
  { group: "nn.init", title: "nn.init", how: "`nn.init.kaimingUniform_(w, Math.sqrt(5))`." },
  { group: "nn.utils", title: "nn.utils", how: "`nn.utils.clipGradNorm_(model.parameters(), 1)`." },
  { group: "nn.utils.parametrize", title: "nn.utils.parametrize", how: "`nn.utils.parametrize.registerParametrization(m, \"weight\", new Symmetric())` (docs/nn.md)." },
  { group: "nn.utils.parametrizations", title: "nn.utils.parametrizations", how: "`nn.utils.parametrizations.orthogonal(new nn.Linear(4, 4))`." },
  { group: "nn.utils.stateless", title: "nn.utils.stateless", how: "`nn.utils.stateless.functionalCall(model, params, [x])`." },
  { group: "func", title: "func", how: "torch.func: `func.functionalCall(model, [params, buffers], [x])`." },
  { group: "nn.utils.rnn", title: "nn.utils.rnn", how: "`nn.utils.rnn.padSequence([a, b], true)`." },
  { group: "nn.utils.stateless", title: "nn.utils.stateless", how: "`nn.utils.stateless.functionalCall(model, { \"fc.weight\": w }, [x])`." },
  { group: "optim", title: "optim", how: "`new optim.SGD(model.parameters(), 0.1, 0.9)`." },
  { group: "optim.lrScheduler", title: "optim.lrScheduler", how: "`new optim.lrScheduler.StepLR(optimizer, 30, 0.1)`." },
  { group: "data", title: "data", how: "`new data.DataLoader(dataset, 64, true)`." },
  { group: "data.transforms", title: "data.transforms", how: "`new data.transforms.Normalize([0.5], [0.5])`." },
  { group: "distributions", title: "distributions", how: "torch.distributions: `new distributions.Normal(mu, sigma)`, `new distributions.Categorical({ logits })` (docs/distributions.md)." },
];

/** One signature as the docs print it: keyword-only parameters after `*`, as PyTorch writes them. */
export function signatureText(sig: Signature, dropSelf: boolean): string {
  const parts: string[] = [];
  sig.params.forEach((p, i) => {
    if (dropSelf && i === 0) return;
    if (p.keywordOnly && (i === 0 || !sig.params[i - 1]!.keywordOnly)) parts.push("*");
    parts.push(paramText(p));
  });
  return `${sig.name}(${parts.join(", ")})${sig.returns !== "Tensor" && sig.returns !== "Any" ? ` -> ${sig.returns}` : ""}`;
}

function opLines(e: OpEntry): string[] {
  const tag = e.group === "tensor" ? (e.function ? " *fn*" : "") : "";
  return e.sigs.map((s, i) => `- \`${signatureText(s, e.method && e.group === "tensor")}\`${i === 0 ? tag : ""}`);
}

/** docs/api.md's text. */
export function apiReference(): string {
  const byGroup = new Map<string, string[]>();
  const add = (group: string, key: string, lines: string[]) => {
    let list = byGroup.get(group);
    if (!list) byGroup.set(group, (list = []));
    list.push(`${key}\u0000${lines.join("\n")}`);
  };
  for (const e of registeredOps()) add(e.group, e.name, opLines(e));
  // a class (capitalized, as nn.Linear) is called with `new`; a declared function (compile, the pooling functions) is not
  for (const c of registeredConstructors()) add(c.group, c.sig.name, [`- \`${/^[A-Z]/.test(c.sig.name) ? "new " : ""}${signatureText(c.sig, false)}\``]);
  const out = [
    "# API reference",
    "",
    "Generated from the op table (`npm run docs:api`, src/api/docs.ts); do not edit by hand.",
    "Every entry accepts PyTorch's positional order and a trailing options object that may name",
    "any parameter: `x.sum(1, true)`, `x.sum(1, { keepdim: true })` and `x.sum({ dim: 1, keepdim: true })`",
    "are the same call. Parameters after `*` are keyword-only (options object only). A call that",
    "does not fit raises an `ArgumentError` naming the function, the parameter and what it got.",
    "Types: `int[]` also takes one int; `T...` takes the values or one list; `?` also takes null.",
    "",
  ];
  const known = new Set(SECTIONS.map((s) => s.group));
  const sections = [...SECTIONS, ...[...byGroup.keys()].filter((g) => !known.has(g)).sort().map((g) => ({ group: g, title: g, how: "" }))];
  for (const s of sections) {
    const entries = byGroup.get(s.group);
    if (!entries) continue;
    out.push(`## ${s.title}`, "", ...(s.how ? [s.how, ""] : []));
    for (const e of entries.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out.push(e.split("\u0000")[1]!);
    out.push("");
  }
  return out.join("\n");
}
