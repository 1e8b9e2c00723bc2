/**
 * The main job as a command-line program (examples/fashion-mnist.ts, scripts/fashion-mnist.sh):
 * --help, one-line errors with exit code 2 for every bad option (spawned, as a user runs
 * it), and tiny runs on a fixture dataset (28x28 images whose class is a bright band, so a
 * few steps learn it) that check the run folders, the files in them, and that
 * best-mlp.safetensors is replaced only by a better model on the same test set.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { io } from "../../src/index.js";
import { idxBytes } from "../data/idx_writer.js";

const ROOT = resolve(import.meta.dirname, "../..");
let scratch = "";

before(() => {
  scratch = mkdtempSync(join(tmpdir(), "fluxion-cli-"));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[]): Promise<Result> {
  return new Promise((res, rej) => {
    const env = { ...process.env };
    delete env.FLUXION_DATA;
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", rej);
    child.on("close", (code) => res({ code, stdout, stderr }));
  });
}
const program = (...args: string[]) => run(process.execPath, ["--import", "tsx", "examples/fashion-mnist.ts", ...args]);

/**
 * A Fashion-MNIST-shaped dataset: image i has class i % 10 (or `label(i)`), drawn as a bright
 * band of rows 3k..3k+2 over faint noise.
 */
function writeDataset(dir: string, opts: { train?: number; test?: number; label?: (i: number) => number } = {}): string {
  mkdirSync(dir, { recursive: true });
  const split = (prefix: string, n: number) => {
    const px: number[] = [], lb: number[] = [];
    for (let i = 0; i < n; i++) {
      const k = opts.label?.(i) ?? i % 10;
      lb.push(k);
      for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) px.push(Math.floor(r / 3) === i % 10 ? 255 : (i * 7 + r * 3 + c) % 40);
    }
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte.gz`), gzipSync(idxBytes(0x08, [n, 28, 28], px)));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte.gz`), gzipSync(idxBytes(0x08, [n], lb)));
  };
  split("train", opts.train ?? 200);
  split("t10k", opts.test ?? 50);
  return dir;
}

test("--help prints usage with every option and its default, and exits 0 (through the script too)", async () => {
  for (const r of await Promise.all([run("bash", ["scripts/fashion-mnist.sh", "-h"]), program("--epochs", "abc", "--help")])) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /^Usage: scripts\/fashion-mnist\.sh \[options\]\n/);
    for (const line of [
      /--epochs N +training epochs, a whole number >= 1 \(default: 5\)/,
      /--compile +run the training step through compile\(\)/,
      /--lr X +learning rate, a number > 0 \(default: 0\.01\)/,
      /--momentum X +SGD momentum, 0 <= X < 1; SGD only \(default: 0\)/,
      /--optimizer sgd\|adam +the optimizer \(default: sgd\)/,
      /--batch-size N +.*\(default: 64\)/,
      /--model mlp\|cnn +.*\(default: mlp\)/,
      /--amp none\|bf16 +automatic mixed precision: bf16 runs matmuls and convolutions in bfloat16 .*\(default: none\)/,
      /--seed N +.*\(default: 0\)/,
      /--data DIR +.*\(default: \$FLUXION_DATA, else \/usr\/share\/datasets\/fashion-mnist, else ~\/\.cache\/fluxion\/fashion-mnist\)/,
      /--out DIR +.*\(default: runs\/fashion-mnist\)/,
      /-h, --help +print this help and exit/,
      /Exit codes: 0 done, 1 the run failed \(e\.g\. data not found\), 2 bad options\./,
    ]) {
      assert.match(r.stdout, line);
    }
  }
});

const BAD: [string[], string][] = [
  [["--epochs", "abc"], `--epochs must be a whole number >= 1, got "abc"`],
  [["--epochs", "0"], `--epochs must be a whole number >= 1, got "0"`],
  [["--epochs", "1.0"], `--epochs must be a whole number >= 1, got "1.0"`],
  [["--lr", "-1"], `--lr must be a number > 0, got "-1"`],
  [["--lr=-1"], `--lr must be a number > 0, got "-1"`],
  [["--lr", "0"], `--lr must be a number > 0, got "0"`],
  [["--lr", "1e-3x"], `--lr must be a number > 0, got "1e-3x"`],
  [["--lr", "Infinity"], `--lr must be a number > 0, got "Infinity"`],
  [["--lr", ""], `--lr must be a number > 0, got ""`],
  [["--lr"], "--lr needs a value (X)"],
  [["--lr", "--epochs", "2"], "--lr needs a value (X)"],
  [["--bogus", "1"], "unknown option --bogus"],
  [["--bogus=1"], "unknown option --bogus"],
  [["-x"], "unknown option -x"],
  [["extra"], `unexpected argument "extra"; options are written --name value`],
  [["--epochs", "2", "--epochs=3"], `--epochs is given twice ("2" and "3")`],
  [["--momentum", "1.5"], `--momentum must be a number from 0 up to (not including) 1, got "1.5"`],
  [["--momentum", "-0.1"], `--momentum must be a number from 0 up to (not including) 1, got "-0.1"`],
  [["--optimizer", "adam", "--momentum", "0.9"], "--momentum applies to --optimizer sgd only (Adam has no momentum option), got 0.9"],
  [["--optimizer", "rmsprop"], `--optimizer must be one of sgd, adam, got "rmsprop"`],
  [["--model", "resnet"], `--model must be one of mlp, cnn, got "resnet"`],
  [["--amp", "fp8"], `--amp must be one of none, bf16, got "fp8"`],
  [["--batch-size", "0"], `--batch-size must be a whole number >= 1, got "0"`],
  [["--batch-size", "0x10"], `--batch-size must be a whole number >= 1, got "0x10"`],
  [["--seed", "1.5"], `--seed must be a whole number >= 0, got "1.5"`],
  [["--data", "/nonexistent"], "--data: no such directory: /nonexistent"],
  [["--data", "/etc/hostname"], "--data: not a directory: /etc/hostname"],
  [["--out", "/etc/hostname"], "--out: not a directory: /etc/hostname"],
  [["--out", "/etc/hostname/runs"], "--out: cannot use /etc/hostname/runs as a directory (ENOTDIR)"],
];

test("the option parser: every bad option is a UsageError with its one-line message; good ones parse", async () => {
  const { parseCommandLine } = await import("../../examples/fashion-mnist.js");
  const { UsageError } = await import("../../examples/cli.js");
  for (const [args, message] of BAD) {
    assert.throws(() => parseCommandLine(args), (e: unknown) => e instanceof UsageError && e.message === message && !message.includes("\n"), args.join(" "));
  }
  assert.deepEqual(parseCommandLine([]), { epochs: 5, lr: 0.01, momentum: 0, optimizer: "sgd", "batch-size": 64, model: "mlp", compile: false, amp: "none", seed: 0, data: undefined, out: "runs/fashion-mnist" });
  assert.equal((parseCommandLine(["--compile"]) as { compile: boolean }).compile, true);
  assert.throws(() => parseCommandLine(["--compile=yes"]), /^UsageError: --compile is a switch and takes no value, got "yes"$/);
  assert.throws(() => parseCommandLine(["--compile", "--compile"]), /^UsageError: --compile is given twice$/);
  assert.deepEqual(parseCommandLine(["--epochs=3", "--lr", "1e-3", "--momentum", ".9", "--model", "cnn", "--batch-size", "+32", "--seed", "12345678901", "--data", scratch, "--out", "a b"]), {
    epochs: 3, lr: 0.001, momentum: 0.9, optimizer: "sgd", "batch-size": 32, model: "cnn", compile: false, amp: "none", seed: 12345678901, data: scratch, out: "a b",
  });
  assert.equal((parseCommandLine(["--amp", "bf16"]) as { amp: string }).amp, "bf16");
  assert.equal(parseCommandLine(["--optimizer", "adam", "--momentum", "0"]).constructor, Object, "momentum 0 (the default) is fine with Adam");
  assert.equal(parseCommandLine(["--epochs", "abc", "-h"]), "help");
  assert.throws(() => parseCommandLine(["--data", "-h", "--epochs", "1"]), /^UsageError: --data: no such directory: -h$/, "a value that looks like -h is a value");
});

test("bad options through the program and the script: one line on stderr, exit code 2, nothing written", async () => {
  const out = join(scratch, "bad-options-out");
  const spawned = BAD.filter(([args]) => ["--epochs abc", "--lr -1", "--lr=-1", "--lr", "--bogus 1", "--data /nonexistent"].includes(args.join(" ")));
  assert.equal(spawned.length, 6);
  for (let i = 0; i < spawned.length; i += 3) {
    const batch = spawned.slice(i, i + 3); // a few Node processes at a time
    const results = await Promise.all(batch.map(([args]) => program(...args, "--out", out)));
    results.forEach((r, j) => {
      const [args, message] = batch[j]!;
      assert.equal(r.code, 2, `${args.join(" ")}: exit code ${r.code}, stderr ${r.stderr}`);
      assert.equal(r.stderr, `fashion-mnist: ${message} (see --help)\n`, args.join(" "));
      assert.equal(r.stdout, "", args.join(" "));
    });
  }
  assert.equal(existsSync(out), false, "no output folder for a refused command line");
  const viaScript = await run("bash", ["scripts/fashion-mnist.sh", "--lr", "-1", "--out", out]);
  assert.equal(viaScript.code, 2);
  assert.equal(viaScript.stderr, `fashion-mnist: --lr must be a number > 0, got "-1" (see --help)\n`);
});

test("--data naming a directory without the dataset: exit 1, the dataset error, no fallback to the system copy, nothing written", async () => {
  const empty = join(scratch, "empty-data");
  mkdirSync(empty);
  const out = join(scratch, "empty-out");
  const r = await program("--data", empty, "--out", out);
  assert.equal(r.code, 1);
  assert.ok(r.stderr.startsWith(`fashion-mnist: FashionMNIST: dataset not found in ${empty} (`), r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  assert.equal(r.stdout, "");
  assert.equal(existsSync(out), false);
});

/** The run folders under `out`, oldest first. */
const runDirs = (out: string) => readdirSync(out).filter((n) => n.startsWith("mlp-")).sort();

test("tiny runs: a folder per run with its files; best-mlp.safetensors replaced only by a better model on the same test set", async () => {
  const dataDir = writeDataset(join(scratch, "fixture"));
  const out = join(scratch, "runs");
  const best = join(out, "best-mlp.safetensors");

  // 1. an (almost) untrained model: becomes the first best
  const untrained = ["--data", dataDir, "--out", out, "--epochs", "1", "--lr", "1e-9", "--batch-size", "50", "--seed", "3"];
  const r1 = await program(...untrained);
  assert.equal(r1.code, 0, r1.stderr);
  const [run1] = runDirs(out);
  assert.ok(run1 && /^mlp-\d{8}-\d{6}(-\d+)?$/.test(run1), `run folder ${run1}`);
  assert.deepEqual(readdirSync(join(out, run1)).sort(), ["curves.svg", "metrics.json", "model.safetensors"]);
  const m1 = JSON.parse(readFileSync(join(out, run1, "metrics.json"), "utf8"));
  assert.equal(m1.testAccuracy.length, 1);
  const acc1 = m1.testAccuracy[0] as number;
  assert.ok(acc1 < 0.5, `untrained accuracy ${acc1}`);
  assert.match(r1.stdout, new RegExp(`epoch 1: train loss \\d\\.\\d{4}, test loss \\d\\.\\d{4}, test accuracy ${(100 * acc1).toFixed(2)}% \\(`));
  assert.match(r1.stdout, new RegExp(`run folder: ${join(out, run1)}\\n`));
  assert.ok(r1.stdout.includes(`best: ${best} created from this run's epoch 1 (${(100 * acc1).toFixed(2)}%)`), r1.stdout);
  assert.equal(io.loadWithMetadata(best).metadata!.testAccuracy, String(acc1));
  assert.deepEqual(m1.args, { epochs: 1, lr: 1e-9, momentum: 0, optimizer: "sgd", "batch-size": 50, model: "mlp", compile: false, amp: "none", seed: 3, data: dataDir, out });
  assert.equal(m1.best.action, "created");
  assert.ok(r1.stderr.includes("epoch 1/1 100% 4/4"), "the progress bar goes to stderr");

  // 2. a trained model: replaces it
  const r2 = await program("--data", dataDir, "--out", out, "--epochs", "2", "--lr", "0.1", "--batch-size", "16");
  assert.equal(r2.code, 0, r2.stderr);
  const run2 = runDirs(out).find((n) => n !== run1)!;
  const m2 = JSON.parse(readFileSync(join(out, run2, "metrics.json"), "utf8"));
  assert.equal(m2.testAccuracy.length, 2);
  const acc2 = Math.max(...(m2.testAccuracy as number[]));
  assert.ok(acc2 > 0.9, `trained accuracy ${m2.testAccuracy}`);
  const ep2 = (m2.testAccuracy as number[]).indexOf(acc2) + 1;
  assert.ok(r2.stdout.includes(`best: ${best} replaced: this run's epoch ${ep2} (${(100 * acc2).toFixed(2)}%) beats ${(100 * acc1).toFixed(2)}% (run ${run1}, epoch 1)`), r2.stdout);
  const { metadata, tensors } = io.loadWithMetadata(best);
  assert.deepEqual({ ...metadata }, { model: "mlp", testAccuracy: String(acc2), run: run2, epoch: String(ep2), testSet: m2.testSet });
  assert.deepEqual(Object.keys(tensors), ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
  // the run's own checkpoint is its last epoch
  assert.equal(io.loadWithMetadata(join(out, run2, "model.safetensors")).metadata!.epoch, "2");
  // the curves: whole-number epoch ticks, accuracy in percent as printed
  const svg = readFileSync(join(out, run2, "curves.svg"), "utf8");
  assert.deepEqual([...svg.matchAll(/class="x-tick"[^>]*>([^<]*)</g)].map((m) => m[1]), ["1", "2", "1", "2"]);
  assert.ok(svg.includes(`>test: ${(100 * m2.testAccuracy[1]).toFixed(2)}%</text>`));
  assert.ok(r2.stdout.includes(`test accuracy ${(100 * m2.testAccuracy[1]).toFixed(2)}%`));

  // 3. the untrained recipe again: a new folder, the best untouched byte for byte
  const bestBytes = readFileSync(best);
  const r3 = await program(...untrained);
  assert.equal(r3.code, 0, r3.stderr);
  assert.equal(runDirs(out).length, 3, "a third folder; nothing overwritten");
  assert.ok(r3.stdout.includes(`best: ${best} kept: ${(100 * acc2).toFixed(2)}% (run ${run2}, epoch ${ep2}) is not beaten by this run's epoch 1 (${(100 * acc1).toFixed(2)}%)`), r3.stdout);
  assert.deepEqual(readFileSync(best), bestBytes);
  assert.equal(JSON.parse(readFileSync(join(out, runDirs(out).find((n) => n !== run1 && n !== run2)!, "metrics.json"), "utf8")).best.action, "kept");

  // 4. another test set (the same images, other labels): not comparable, left alone
  const other = writeDataset(join(scratch, "fixture-relabelled"), { label: (i) => (i * 3) % 10 });
  const r4 = await program("--data", other, "--out", out, "--epochs", "1", "--lr", "0.1", "--batch-size", "16");
  assert.equal(r4.code, 0, r4.stderr);
  assert.ok(r4.stdout.includes(`best: ${best} was measured on a different test set (run ${run2}); left as is`), r4.stdout);
  assert.deepEqual(readFileSync(best), bestBytes);

  // 5. a best file that cannot be read is never replaced
  const out5 = join(scratch, "runs-corrupt");
  mkdirSync(out5);
  writeFileSync(join(out5, "best-mlp.safetensors"), "not a checkpoint");
  const r5 = await program("--data", dataDir, "--out", out5, "--epochs", "1", "--lr", "0.1", "--batch-size", "16");
  assert.equal(r5.code, 0, r5.stderr);
  assert.match(r5.stdout, /best: .*best-mlp\.safetensors could not be read as a best checkpoint \(.*is not a valid safetensors file.*\); left as is\n/);
  assert.equal(readFileSync(join(out5, "best-mlp.safetensors"), "utf8"), "not a checkpoint");

  // 6. --amp bf16 trains as well (bfloat16 autocast), and says so
  const out6 = join(scratch, "runs-amp");
  mkdirSync(out6);
  const r6 = await program("--data", dataDir, "--out", out6, "--epochs", "2", "--lr", "0.1", "--batch-size", "16", "--amp", "bf16");
  assert.equal(r6.code, 0, r6.stderr);
  assert.match(r6.stdout, /batch 16, 2 epochs, seed 0, bfloat16 autocast\n/);
  const m6 = JSON.parse(readFileSync(join(out6, runDirs(out6)[0]!, "metrics.json"), "utf8"));
  assert.equal(m6.args.amp, "bf16");
  assert.ok(Math.max(...(m6.testAccuracy as number[])) > 0.9, `trained accuracy under autocast ${m6.testAccuracy}`);

  // 7. --compile: the same seed gives the same losses and accuracies as the eager run, with SGD
  // (momentum) and with Adam
  for (const extra of [["--lr", "0.1", "--momentum", "0.5"], ["--optimizer", "adam", "--lr", "0.01"]]) {
    const outs = [join(scratch, `runs-eager-${extra[0]}`), join(scratch, `runs-compiled-${extra[0]}`)];
    const base = ["--data", dataDir, "--epochs", "2", "--batch-size", "16", "--seed", "5", ...extra];
    const [re, rc] = [await program(...base, "--out", outs[0]!), await program(...base, "--compile", "--out", outs[1]!)];
    assert.equal(re.code, 0, re.stderr);
    assert.equal(rc.code, 0, rc.stderr);
    assert.match(rc.stdout, /seed 5, compiled step\n/);
    const [me, mc] = outs.map((o) => JSON.parse(readFileSync(join(o, runDirs(o)[0]!, "metrics.json"), "utf8")));
    assert.equal(mc.args.compile, true);
    assert.deepEqual(mc.trainLoss, me.trainLoss);
    assert.deepEqual(mc.testAccuracy, me.testAccuracy);
    assert.ok(Math.max(...(mc.testAccuracy as number[])) > 0.9, `compiled accuracy ${mc.testAccuracy}`);
  }
});
