/**
 * Loading the native addons: the environment switches (FLUXION_NATIVE=0 falls back to the
 * TypeScript kernels, FLUXION_NATIVE_ISA forces a kernel path), what backends() reports,
 * that the kernels addon is pure N-API, and the thread-count setting (per JavaScript
 * thread). Child processes get a fresh loader each. `.ci/run` sets FLUXION_REQUIRE_NATIVE=1:
 * there both addons must be loaded. (The packed package's prebuilt binaries and the
 * message without any addon: test/package/.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { Worker } from "node:worker_threads";
import { backends, tensor } from "../../src/index.js";
import { getNumThreads, nativeAddon, nativeAllocatorReason, nativeStatus, setNumThreads } from "../../src/backend/cpu/native.js";

const status = nativeStatus();
const skip = status.active ? false : `native addon not loaded: ${status.reason}`;
const required = process.env.FLUXION_REQUIRE_NATIVE === "1" || !!process.env.CI;

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

test("where the addons are built (FLUXION_REQUIRE_NATIVE=1: .ci/run, or CI), both are loaded", { skip: required ? false : "FLUXION_REQUIRE_NATIVE is not set" }, () => {
  assert.ok(status.active, `native addon not active: ${status.reason}`);
  assert.match(status.binary!, /native\/build\/Release\/fluxion_native\.node$/);
  assert.ok(status.allocator, `native allocator not active: ${nativeAllocatorReason()}`);
});

test("the kernels addon is pure N-API: it imports no V8, libuv or Node C++ symbol", { skip }, (t) => {
  const nm = spawnSync("nm", ["-D", "--undefined-only", status.binary!], { encoding: "utf8" });
  if (nm.error) {
    if (required) assert.fail(`nm not found (Debian: apt-get install binutils): ${nm.error.message}`);
    return t.skip("nm not found");
  }
  assert.equal(nm.status, 0, nm.stderr);
  const imports = nm.stdout.split("\n").map((l) => l.trim().split(/\s+/).pop()!).filter(Boolean);
  assert.ok(imports.some((s) => s.startsWith("napi_create_function")), "expected N-API imports");
  // mangled C++ names in namespaces v8:: and node:: start _ZN2v8 / _ZN4node; libuv is uv_*
  const foreign = imports.filter((s) => /^_ZN(K?)(2v8|4node)|^uv_|^node_module_register/.test(s));
  assert.deepEqual(foreign, []);
});

test("the allocator addon is used only under the Node ABI it was built for, never outside Node.js; the kernels stay", { skip }, () => {
  const code = (patch: string) => `
    ${patch}
    const { nativeStatus, nativeAllocatorReason } = await import("./src/backend/cpu/native.ts");
    const { randn, ones } = await import("./src/index.ts");
    const x = ones([50000]).mul(2); // big enough for a pooled buffer
    console.log(JSON.stringify({ active: nativeStatus().active, allocator: nativeStatus().allocator, reason: nativeAllocatorReason(), sum: x.sum().item(), n: randn([3]).shape }));
  `;
  const abi = runChild(code(`Object.defineProperty(process.versions, "modules", { value: "999" });`), {});
  assert.equal(abi.status, 0, abi.err);
  const a = JSON.parse(abi.out);
  assert.deepEqual([a.active, a.allocator, a.sum], [true, false, 100000]);
  assert.match(a.reason, /fluxion_alloc\.node: built for Node ABI \d+, this is 999; prebuilds\/[\w-]+\/fluxion_alloc\.abi999\.node: not found/);
  assert.equal(abi.err, "", "a missing allocator is not worth a warning");
  const bun = runChild(code(`process.versions.bun = "1.2.0";`), {});
  assert.equal(bun.status, 0, bun.err);
  const b = JSON.parse(bun.out);
  assert.deepEqual([b.active, b.allocator, b.reason, b.sum], [true, false, "not Node.js", 100000]);
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

test("setNumThreads belongs to the calling thread: a Worker's setting leaves the main thread's alone", async () => {
  const native = new URL("../../src/backend/cpu/native.ts", import.meta.url).href;
  const before = getNumThreads();
  setNumThreads(3);
  try {
    const code = `
      const { parentPort, workerData } = require("node:worker_threads");
      import("tsx/esm/api").then(({ tsImport }) => tsImport(workerData, __filename)).then((m) => {
        const initial = m.getNumThreads();
        m.setNumThreads(1);
        parentPort.postMessage({ initial, after: m.getNumThreads() });
      });
    `;
    const fromWorker = await new Promise<{ initial: number; after: number }>((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: native });
      w.once("message", (m) => {
        resolve(m);
        void w.terminate();
      });
      w.once("error", reject);
    });
    // a new worker starts at the default, not at the main thread's current 3
    const defaultThreads = status.active ? Number(process.env.FLUXION_NUM_THREADS) || nativeAddon()!.info().defaultThreads : 1;
    assert.deepEqual(fromWorker, { initial: defaultThreads, after: 1 });
    assert.equal(getNumThreads(), 3, "the main thread keeps its own setting");
  } finally {
    setNumThreads(before);
  }
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
