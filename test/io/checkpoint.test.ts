/** io.save / io.load: safetensors files on disk, atomic writes, clear errors. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FluxionError, Tensor, io, tensor } from "../../src/index.js";
import { _testHooks } from "../../src/io/node_files.js";
import { withTempDir } from "../helpers.js";

test("save then load returns the same tensors and metadata", () => {
  withTempDir("ckpt", (dir) => {
    const path = join(dir, "model.safetensors");
    io.save({ "fc.weight": tensor([[1, 2], [3, 4]]), "fc.bias": tensor([0.5, -0.5]), step: tensor([7], { dtype: "int32" }) }, path, { metadata: { epoch: "2" } });
    const state = io.load(path);
    assert.deepEqual(Object.keys(state), ["fc.weight", "fc.bias", "step"]);
    assert.deepEqual(state["fc.weight"]!.tolist(), [[1, 2], [3, 4]]);
    assert.deepEqual(state["fc.bias"]!.tolist(), [0.5, -0.5]);
    assert.equal(state.step!.dtype, "int32");
    assert.deepEqual({ ...io.loadWithMetadata(path).metadata }, { epoch: "2" });
    assert.deepEqual(readdirSync(dir), ["model.safetensors"], "no temporary files left behind");
  });
});

test("saving over an existing checkpoint replaces it", () => {
  withTempDir("ckpt", (dir) => {
    const path = join(dir, "ckpt.safetensors");
    io.save({ w: tensor([1]) }, path);
    io.save({ w: tensor([2, 3]) }, path);
    assert.deepEqual(io.load(path).w!.tolist(), [2, 3]);
  });
});

test("a failed save leaves the previous file byte-for-byte intact", () => {
  withTempDir("ckpt", (dir) => {
    const path = join(dir, "ckpt.safetensors");
    io.save({ w: tensor([1, 2, 3]) }, path);
    const before = readFileSync(path);

    // bad input: rejected before the disk is touched
    assert.throws(() => io.save({ w: tensor([9]), oops: () => 0 }, path), /cannot save 'oops': a function is not data/);
    assert.deepEqual(readFileSync(path), before);

    // a crash after the temporary file is written, before the rename
    let tempSeen = "";
    _testHooks.afterTempWrite = (temp) => {
      tempSeen = temp;
      assert.ok(readdirSync(dir).length === 2, "temp file sits next to the target");
      throw new Error("simulated crash");
    };
    try {
      assert.throws(() => io.save({ w: tensor([4, 5, 6, 7]) }, path), (e: unknown) => {
        assert.ok(e instanceof FluxionError);
        assert.match(e.message, /save: could not write .*ckpt\.safetensors \(any previous file there is unchanged\): simulated crash/);
        return true;
      });
    } finally {
      _testHooks.afterTempWrite = null;
    }
    assert.ok(tempSeen.startsWith(dir), "temp file in the same directory as the target");
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(io.load(path).w!.tolist(), [1, 2, 3]);
    assert.deepEqual(readdirSync(dir), ["ckpt.safetensors"], "temporary file cleaned up");
  });
});

test("saving into a missing directory fails clearly", () => {
  withTempDir("ckpt", (dir) => {
    const path = join(dir, "no", "such", "dir", "x.safetensors");
    assert.throws(() => io.save({ w: tensor([1]) }, path), /save: could not write .*x\.safetensors.*ENOENT/);
  });
});

test("loading a missing, truncated or foreign file names the file and the problem", () => {
  withTempDir("ckpt", (dir) => {
    const missing = join(dir, "missing.safetensors");
    assert.throws(() => io.load(missing), (e: unknown) => e instanceof FluxionError && e.message === `load: no such file: ${missing}`);

    const path = join(dir, "cut.safetensors");
    const full = io.serialize({ w: tensor([[1, 2], [3, 4]]) });
    writeFileSync(path, full.subarray(0, full.length - 4));
    assert.throws(() => io.load(path), new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is not a valid safetensors file: truncated: tensor 'w' ends at data byte 16 but the file holds only 12 bytes`));

    const foreign = join(dir, "notes.txt");
    writeFileSync(foreign, "hello, this is not a checkpoint");
    assert.throws(() => io.load(foreign), /notes\.txt is not a valid safetensors file: header length \d+ is implausibly large/);
  });
});

test("load takes torch.load's mapLocation and weightsOnly; unknown options to load or save are refused, not ignored", () => {
  withTempDir("ckpt-opts", (dir) => {
    const path = join(dir, "model.safetensors");
    io.save({ w: tensor([1, 2]) }, path);
    assert.deepEqual(io.load(path, { mapLocation: "cpu" }).w.tolist(), [1, 2]);
    assert.deepEqual(io.load(path, { weightsOnly: true }).w.tolist(), [1, 2]);
    assert.equal(io.load(path, { mapLocation: "cpu:0" }).w.device, "cpu");
    const refused = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof FluxionError && re.test(e.message));
    refused(() => io.load(path, { map_location: "cpu" } as never), /load\(\): unknown option 'map_location' \(did you mean 'mapLocation'\?\); options: mapLocation, weightsOnly/);
    refused(() => io.load(path, { mapLocation: "cuda" }), /load: unknown or unavailable device 'cuda'/);
    refused(() => io.load(path, { mapLocation: (s: unknown) => s } as never), /load: mapLocation must be a device string/);
    refused(() => io.load(path, { weightsOnly: 1 } as never), /load: weightsOnly must be a boolean, but got int 1/);
    refused(() => (io.load as (...a: unknown[]) => unknown)(path, {}, 3), /load\(\) takes at most 2 arguments/);
    refused(() => io.save({ w: tensor([1]) }, path, { pickleProtocol: 2 } as never), /save\(\): unknown option 'pickleProtocol'; options: metadata, format/);
    assert.deepEqual(io.load(path).w.tolist(), [1, 2], "the refused save left the file alone");
  });
});
