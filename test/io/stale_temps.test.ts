/**
 * Atomic saves and their temporary files: a save killed with SIGKILL between writing its
 * temp file and renaming it leaves the old checkpoint loadable and a `.NAME.tmp-PID-HEX`
 * file behind; the next save to the same target removes it once its writer is gone. Temp
 * files of live writers (another process saving at the same time), of other targets, or
 * not of our naming scheme are never touched.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { io, tensor } from "../../src/index.js";
import { ORPHAN_TEMP_AGE_MS, STALE_TEMP_AGE_MS, removeStaleTemps } from "../../src/io/node_files.js";
import { withTempDir } from "../helpers.js";

const SRC = resolve(import.meta.dirname, "../../src");

/** The id of a process that has exited (spawned and waited for). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", ""]);
  assert.ok(r.pid);
  return r.pid;
}

/** Sets a file's modification time `ms` into the past. */
function age(path: string, ms: number): void {
  const t = (Date.now() - ms) / 1000;
  utimesSync(path, t, t);
}

test("kill -9 during a save: the old file stays loadable, and the next save removes the orphaned temp file", async () => {
  await withTempDir("temps", async (dir) => {
    const target = join(dir, "model.safetensors");
    io.save({ w: tensor([1, 2, 3]) }, target);
    // a child that saves a 4 MB tensor and stops for good right after writing its temp file
    const script = join(dir, "saver.ts");
    writeFileSync(
      script,
      `import { io, zeros } from ${JSON.stringify(join(SRC, "index.js"))};
import { _testHooks } from ${JSON.stringify(join(SRC, "io/node_files.js"))};
_testHooks.afterTempWrite = (temp) => {
  process.stdout.write("written " + temp + "\\n");
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // hang until killed
};
io.save({ w: zeros([1024, 1024]) }, ${JSON.stringify(target)});
`,
    );
    const child = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "inherit"] });
    const temp = await new Promise<string>((res, rej) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /written (.*)\n/.exec(out);
        if (m) res(m[1]!);
      });
      child.on("exit", (code) => rej(new Error(`saver exited early (${code})`)));
    });
    const exited = new Promise((res) => child.on("exit", res));
    child.kill("SIGKILL");
    await exited;
    assert.match(temp, new RegExp(`/\\.model\\.safetensors\\.tmp-${child.pid}-[0-9a-f]{8}$`));
    assert.deepEqual(readdirSync(dir).sort(), [".model.safetensors.tmp-" + temp.split(".tmp-")[1], "model.safetensors", "saver.ts"].sort());
    assert.deepEqual(io.load(target).w!.tolist(), [1, 2, 3], "the previous checkpoint survives the kill");

    // within the grace period a dead writer's temp file is kept (it could be a writer in another pid namespace)
    io.save({ w: tensor([4]) }, target);
    assert.ok(readdirSync(dir).some((n) => n.includes(".tmp-")), "fresh orphan kept");
    // once older than the grace period it goes
    age(temp, ORPHAN_TEMP_AGE_MS + 5000);
    io.save({ w: tensor([5]) }, target);
    assert.deepEqual(readdirSync(dir).sort(), ["model.safetensors", "saver.ts"]);
    assert.deepEqual(io.load(target).w!.tolist(), [5]);
  });
});

test("removeStaleTemps: only our scheme for this target, only dead writers' or very old files", async () => {
  await withTempDir("temps", async (dir) => {
    const dead = deadPid();
    // a live writer: a sleeping child (stands for another process saving at this moment)
    const live = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      const livePid = live.pid!;
      const files: Record<string, { age: number; removed: boolean }> = {
        [`.model.safetensors.tmp-${dead}-0123abcd`]: { age: ORPHAN_TEMP_AGE_MS + 1000, removed: true },
        [`.model.safetensors.tmp-${livePid}-0123abcd`]: { age: ORPHAN_TEMP_AGE_MS + 1000, removed: false },
        [`.model.safetensors.tmp-${livePid}-89abcdef`]: { age: STALE_TEMP_AGE_MS + 1000, removed: true },
        [`.model.safetensors.tmp-${process.pid}-0123abcd`]: { age: ORPHAN_TEMP_AGE_MS + 1000, removed: false }, // a worker thread of ours
        [`.model.safetensors.tmp-${dead}-0123abcx`]: { age: STALE_TEMP_AGE_MS + 1000, removed: false }, // not hex
        [`.model.safetensors.tmp-${dead}-0123abc`]: { age: STALE_TEMP_AGE_MS + 1000, removed: false }, // 7 digits
        [`.model.safetensors.tmp-${dead}-0123abcd.bak`]: { age: STALE_TEMP_AGE_MS + 1000, removed: false },
        [`model.safetensors.tmp-${dead}-0123abcd`]: { age: STALE_TEMP_AGE_MS + 1000, removed: false }, // no leading dot
        [`.other.safetensors.tmp-${dead}-0123abcd`]: { age: STALE_TEMP_AGE_MS + 1000, removed: false }, // another target
        [`.model.safetensors.tmp-${dead}-0123abcd-extra`]: { age: STALE_TEMP_AGE_MS + 1000, removed: false },
        [`.modelXsafetensors.tmp-${dead}-0123abcd`]: { age: STALE_TEMP_AGE_MS + 1000, removed: false }, // '.' is literal
      };
      for (const [name, f] of Object.entries(files)) {
        writeFileSync(join(dir, name), "partial");
        age(join(dir, name), f.age);
      }
      const asDir = `.model.safetensors.tmp-${dead}-fedcba98`;
      mkdirSync(join(dir, asDir));
      age(join(dir, asDir), STALE_TEMP_AGE_MS + 1000);
      const removed = removeStaleTemps(dir, "model.safetensors").map((p) => p.slice(dir.length + 1));
      const expected = Object.entries(files).filter(([, f]) => f.removed).map(([n]) => n);
      assert.deepEqual(removed.sort(), expected.sort());
      assert.deepEqual(readdirSync(dir).sort(), [...Object.keys(files).filter((n) => !files[n]!.removed), asDir].sort());
    } finally {
      live.kill("SIGKILL");
    }
  });
});

test("two saves of one target by live processes leave each other's temp files alone", async () => {
  await withTempDir("temps", async (dir) => {
    const target = join(dir, "shared.safetensors");
    const live = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      const other = join(dir, `.shared.safetensors.tmp-${live.pid}-00ff00ff`);
      writeFileSync(other, "being written by the other process");
      io.save({ w: tensor([1]) }, target);
      io.save({ w: tensor([2]) }, target);
      assert.deepEqual(readdirSync(dir).sort(), [".shared.safetensors.tmp-" + `${live.pid}-00ff00ff`, "shared.safetensors"]);
      assert.deepEqual(io.load(target).w!.tolist(), [2]);
    } finally {
      live.kill("SIGKILL");
    }
  });
});
