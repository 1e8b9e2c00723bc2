/**
 * io: reading and writing tensors. Safetensors checkpoints on disk (`save`, `load`) and in
 * memory (`serialize`, `deserialize`, which need no Node and work in browsers).
 *
 * @example
 * import { io } from "fluxion";
 * io.save(model.stateDict(), "model.safetensors");
 * model.loadStateDict(io.load("model.safetensors"));
 * io.save({ epoch, model: model.stateDict(), optimizer: optimizer.stateDict() }, "ckpt.safetensors");
 */
export { deserializeWithMetadata, type StateDict, type Metadata, type SerializeOptions, type SafetensorsContents } from "./safetensors.js";
export { serializeCheckpoint as serialize, deserializeCheckpoint as deserialize, STRUCTURE_KEY, type Checkpoint, type SaveOptions } from "./structured.js";
export { save, load, loadWithMetadata } from "./checkpoint.js";
