/**
 * io: reading and writing tensors. Safetensors checkpoints on disk (`save`, `load`) and in
 * memory (`serialize`, `deserialize`, which need no Node and work in browsers).
 *
 * @example
 * import { io } from "fluxion";
 * io.save(model.stateDict(), "model.safetensors");
 * model.loadStateDict(io.load("model.safetensors"));
 */
export { serialize, deserialize, deserializeWithMetadata, type StateDict, type Metadata, type SerializeOptions, type SafetensorsContents } from "./safetensors.js";
export { save, load, loadWithMetadata } from "./checkpoint.js";
