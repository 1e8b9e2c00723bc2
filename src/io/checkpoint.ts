/**
 * Saving and loading checkpoints as safetensors files, as torch.save / torch.load are used:
 * `io.save(obj, path)` and `io.load(path)`, where obj is a state dict or a dict of state
 * dicts, tensors and plain values (structured.ts). Encoding lives in safetensors.ts; the
 * file system in node_files.ts. Saves are atomic (temp file + fsync + rename), so an
 * interrupted save never destroys the previous checkpoint.
 */
import { ArgumentError, FluxionError } from "../errors.js";
import { describeValue } from "../api/args.js";
import { checkArity, checkOptions } from "../api/check_args.js";
import { checkDevice, deviceType } from "../backend/backend.js";
import { openRegularFile, writeFileAtomic } from "./node_files.js";
import { decodeTensors, parseHeader, readHeaderLength, type SafetensorsContents } from "./safetensors.js";
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint, type SaveOptions } from "./structured.js";

let warnedTorchName = false;
/**
 * torch.save writes a pickle archive under these names; Fluxion writes safetensors, which
 * torch.load cannot read. Saying so once is better than a file that fails later in Python.
 */
function checkTorchName(path: string, opts: SaveOptions): void {
  if (!/\.(pt|pth|pkl)$/i.test(path) || opts.format === "safetensors" || warnedTorchName) return;
  warnedTorchName = true;
  console.warn(`fluxion: io.save writes safetensors, not PyTorch's pickle format, so '${path}' can be read by io.load and by Python's safetensors.torch.load_file, but not by torch.load. Name it .safetensors, or pass { format: "safetensors" } to silence this.`);
}

/**
 * Saves a checkpoint to `path` in the safetensors format: a state dict (object or Map of
 * name -> Tensor) as a plain safetensors file that PyTorch's `safetensors.torch.load_file`
 * reads, or, like torch.save, a dict of state dicts, tensors and plain values
 * (`{ epoch, model: model.stateDict(), optimizer: optimizer.stateDict() }`). Atomic: a
 * failure leaves any file already at `path` untouched.
 * @example
 * io.save(model.stateDict(), "simplenet.safetensors");
 * io.save({ epoch, loss, model: model.stateDict(), optimizer: optimizer.stateDict() }, "ckpt.safetensors");
 */
export function save(obj: Checkpoint, path: string, opts: SaveOptions = {}): void {
  checkArity("save", arguments, 3, "obj, path, opts");
  checkOptions("save", opts, ["metadata", "format"]); // torch.save's pickle options do not apply to safetensors
  if (typeof path !== "string" || path === "") throw new FluxionError(`save: expected a file path string, got ${path === "" ? "an empty string" : typeof path}`);
  const bytes = encodeCheckpoint("save", obj, opts); // fails on bad input before touching the disk
  checkTorchName(path, opts);
  writeFileAtomic(path, bytes, "save");
}

/**
 * Loads a checkpoint written by io.save: a state dict (name -> Tensor, a null-prototype
 * object in file order) for a plain safetensors file, or the saved structure. A truncated
 * or corrupt file is a FluxionError naming the file and the problem; so is a path that is
 * not a regular file (a directory, FIFO or device), or a PyTorch pickle checkpoint.
 * @example
 * model.loadStateDict(io.load("simplenet.safetensors"));
 * const { epoch, model: weights } = io.load("ckpt.safetensors");
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function load(path: string, opts: LoadOptions = {}): any {
  checkArity("load", arguments, 2, "path, opts");
  checkOptions("load", opts, ["mapLocation", "weightsOnly"]);
  const { mapLocation, weightsOnly } = opts;
  if (mapLocation !== undefined && typeof mapLocation !== "string") throw new ArgumentError(`load: mapLocation must be a device string ("cpu", "webgpu"), but got ${describeValue(mapLocation)}; a function or a dict of devices is not supported`);
  if (weightsOnly !== undefined && typeof weightsOnly !== "boolean") throw new ArgumentError(`load: weightsOnly must be a boolean, but got ${describeValue(weightsOnly)}`);
  const device = mapLocation === undefined ? undefined : checkDevice(mapLocation, "load");
  const contents = loadWithMetadata(path);
  if (device !== undefined && deviceType(device) !== "cpu") {
    for (const k of Object.keys(contents.tensors)) contents.tensors[k] = contents.tensors[k]!.to(device);
  }
  return decodeCheckpoint(contents, path);
}

/**
 * torch.load's options: `mapLocation`, the device every tensor is loaded to (a device
 * string; tensors are read to the CPU first); `weightsOnly`, accepted either way, since a
 * Fluxion checkpoint holds only tensors and plain values (never code), which is what
 * torch.load(weights_only=True) allows.
 */
export interface LoadOptions {
  mapLocation?: string;
  weightsOnly?: boolean;
}


/**
 * torch.save's formats: a zip archive (since 1.6) or a bare pickle (protocol 2+). Those
 * first bytes can also be a safetensors header length (0x0280 = 640), so a file whose
 * header starts where safetensors' does (byte 8 is "{") is never taken for a pickle.
 */
function isTorchPickle(first: Uint8Array): boolean {
  if (first[8] === 0x7b) return false;
  return (first[0] === 0x50 && first[1] === 0x4b && first[2] === 0x03 && first[3] === 0x04) || (first[0] === 0x80 && first[1]! >= 2 && first[1]! <= 5);
}

/**
 * Like load, also returning the header's `__metadata__` (null when absent).
 * @example
 * const { tensors, metadata } = io.loadWithMetadata("simplenet.safetensors");
 */
export function loadWithMetadata(path: string): SafetensorsContents {
  // read in steps, each bounded by what came before: the length field, the header (at most
  // 100 MB), then, once the header's offsets agree with the file's size, the data
  const file = openRegularFile(path, "load");
  try {
    const first = file.read(0, Math.min(9, file.size));
    if (isTorchPickle(first)) {
      throw new FluxionError(`load: ${path} is a PyTorch pickle checkpoint (torch.save's format), which Fluxion cannot read; convert it in Python: from safetensors.torch import save_file; save_file(torch.load("${path}"), "model.safetensors")`);
    }
    const n = readHeaderLength(first.subarray(0, 8), file.size - 8, path);
    const dataLen = file.size - 8 - n;
    const { metadata, specs } = parseHeader(file.read(8, n), dataLen, path);
    return { tensors: decodeTensors(specs, file.read(8 + n, dataLen), path), metadata };
  } finally {
    file.close();
  }
}
