/**
 * Loading the native addon: the environment switches (FLUXION_NATIVE=0 falls back to the
 * TypeScript kernels, FLUXION_NATIVE_ISA forces a kernel path), what backends() reports,
 * and the thread-count setting. Child processes get a fresh loader each.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { backends, tensor } from "../../src/index.js";
import { getNumThreads, nativeStatus, setNumThreads } from "../../src/backend/cpu/native.js";

const status = nativeStatus();
const skip = status.active ? false : `native addon not loaded: ${status.reason}`;

/** Runs an ES module snippet in a fresh Node with tsx; returns its stdout, stderr and status. */
function runChild(code: string, env: Record<string, string>): { out: string; err: string; status: number | null } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  return { out: r.stdout, err: r.stderr, status: r.status };
}

const probe = `
  import { backends, tensor } from "./src/index.ts";
  import { nativeStatus } from "./src/backend/cpu/native.ts";
  const y = tensor([[1, 2], [3, 4]]).matmul(tensor([[5], [6]]));
  console.log(JSON.stringify({ status: nativeStatus(), kernels: backends()[0].kernels, y: y.tolist() }));
`;

test("CI builds the native addon, so there it must be loaded", { skip: process.env.CI ? false : "only checked in CI" }, () => {
  assert.ok(status.active, `native addon not active in CI: ${status.reason}`);
});

test("FLUXION_NATIVE=0 falls back to the TypeScript kernels, silently, with the same results", () => {
  const r = runChild(probe, { FLUXION_NATIVE: "0" });
  assert.equal(r.status, 0, r.err);
  const res = JSON.parse(r.out);
  assert.equal(res.status.active, false);
  assert.match(res.status.reason, /FLUXION_NATIVE=0/);
  assert.match(res.kernels, /^TypeScript kernels/);
  assert.deepEqual(res.y, [[17], [39]]);
  assert.doesNotMatch(r.err, /unavailable/, "an explicit opt-out does not warn");
});

test("backends() reports the active native kernels and thread count", { skip }, () => {
  const kernels = backends().find((b) => b.device === "cpu")!.kernels;
  assert.match(kernels, new RegExp(`^native \\(${status.isa}, ${status.threads} threads?\\) \\+ TypeScript kernels$`));
});

test("FLUXION_NATIVE_ISA=portable forces the portable kernels in a fresh process", { skip }, () => {
  const r = runChild(probe, { FLUXION_NATIVE_ISA: "portable" });
  assert.equal(r.status, 0, r.err);
  const res = JSON.parse(r.out);
  assert.equal(res.status.isa, "portable");
  assert.match(res.kernels, /^native \(portable, /);
  assert.deepEqual(res.y, [[17], [39]]);
});

test("setNumThreads changes the threads large ops use and rejects bad counts", () => {
  const before = getNumThreads();
  try {
    setNumThreads(1);
    assert.equal(getNumThreads(), 1);
    assert.deepEqual(tensor([[1, 2]]).matmul(tensor([[3], [4]])).tolist(), [[11]]);
    setNumThreads(3);
    assert.equal(getNumThreads(), 3);
    assert.throws(() => setNumThreads(0), /positive integer/);
    assert.throws(() => setNumThreads(1.5), /positive integer/);
  } finally {
    setNumThreads(before);
  }
});
