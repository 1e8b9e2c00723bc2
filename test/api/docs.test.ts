// docs/api.md is generated from the op table and must match it (npm run docs:api rewrites it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import "../../src/index.js";
import { apiReference, signatureText } from "../../src/api/docs.js";
import { parseSignature } from "../../src/api/schema.js";

test("docs/api.md is current with the op table (run npm run docs:api)", () => {
  const onDisk = readFileSync(new URL("../../docs/api.md", import.meta.url), "utf8");
  assert.ok(onDisk === apiReference(), "docs/api.md is stale: run `npm run docs:api`");
});

test("signatures print as PyTorch writes them, keyword-only parameters after *", () => {
  const s = parseSignature('sum(Tensor self, int[]? dim=null, bool keepdim=false, *, ScalarType? dtype=null) -> Tensor');
  assert.equal(signatureText(s, true), "sum(int[]? dim=null, bool keepdim=false, *, ScalarType? dtype=null)");
  const m = parseSignature("max.dim(Tensor self, int dim, bool keepdim=false) -> (Tensor values, Tensor indices)");
  assert.equal(signatureText(m, false), "max(Tensor self, int dim, bool keepdim=false) -> (Tensor values, Tensor indices)");
});
