/**
 * `npm run bench:gpu` (bench/gpu.ts) is run rarely, on a lent GPU machine: this keeps it from
 * rotting. Its --quick mode on the test driver must run every case and write the JSON report.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startWebGPU } from "./setup.js";

const skip = await startWebGPU();

test("bench:gpu --quick runs the GEMM and SimpleNet cases and reports against the targets", { skip, timeout: 240_000 }, () => {
  const json = path.join(mkdtempSync(path.join(tmpdir(), "fluxion-gpu-bench-")), "gpu.json");
  const r = spawnSync(process.execPath, ["--import", "tsx", "bench/gpu.ts", "--quick", "--json", json], { encoding: "utf8", env: process.env, timeout: 230_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\| SimpleNet step b64: webgpu >= 5x the CPU step \| [\d.]+x \|/);
  const report = JSON.parse(readFileSync(json, "utf8")) as { rows: { case: string; device: string; ms: number; tflops?: number }[]; software: boolean; speedup: number };
  assert.equal(report.software, true, "the test driver is a software one");
  assert.deepEqual(report.rows.map((x) => `${x.case}@${x.device}`), ["gemm.f32.n64@webgpu", "gemm.f32.n128@webgpu", "mlp.train.b64@cpu", "mlp.train.b64@webgpu"]);
  for (const row of report.rows) assert.ok(row.ms > 0 && Number.isFinite(row.ms), `${row.case} time ${row.ms}`);
  for (const row of report.rows.slice(0, 2)) assert.ok(row.tflops! > 0, `${row.case} TFLOP/s`);
  assert.ok(report.speedup > 0);
});

test("bench:gpu refuses an unknown option", { skip }, () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "bench/gpu.ts", "--fast"], { encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unknown option --fast/);
});
