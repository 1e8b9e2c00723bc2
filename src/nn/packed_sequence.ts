/**
 * PackedSequence: a batch of variable-length sequences stored without padding, as
 * torch.nn.utils.rnn.PackedSequence. `data` holds the time steps one after another, each
 * step holding the sequences still running at that step (sorted longest first), so step t
 * is the next batchSizes[t] rows. sortedIndices maps that sorted order back to the batch
 * the user gave (unsortedIndices is its inverse); both are null when the batch was already
 * sorted. The recurrent layers take one and return one (src/nn/layers/rnn.ts).
 *
 * batchSizes is an int64 tensor as in PyTorch, which keeps it on the CPU because the
 * recurrent kernels read it on the host: here too its values are host numbers (kept beside
 * the tensor), the one thing about a packed batch that is not a dispatched computation.
 */
import { registerTypeCheck } from "../api/args.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { DTypeError, FluxionError, ShapeError, fmtShape } from "../errors.js";
import { arange, tensor } from "../tensor/creation.js";
import { readHost } from "../tensor/host_read.js";
import { Tensor } from "../tensor/tensor.js";

declare module "../api/types.js" {
  interface ExtraBaseTypes {
    PackedSequence: PackedSequence;
  }
}

const PACKED_SEQUENCE = "PackedSequence(Tensor data, Tensor|int[] batchSizes, Tensor? sortedIndices=null, Tensor? unsortedIndices=null)";
const packedSequenceArgs = declareArgs(PACKED_SEQUENCE, "nn.utils.rnn");

/** The inverse of a permutation given as an int64 tensor (torch's invert_permutation). */
export function invertPermutation(perm: Tensor | null): Tensor | null {
  if (perm === null) return null;
  const n = perm.shape[0]!;
  return perm.newZeros([n]).scatter(0, perm, arange(n, { dtype: perm.dtype, device: perm.device }));
}

/**
 * Sequences packed time step by time step, as pack_padded_sequence / pack_sequence make
 * them. Destructures as PyTorch's namedtuple does: `const [data, batchSizes] = packed`.
 * @example
 * const packed = nn.utils.rnn.packSequence([tensor([1, 2, 3]), tensor([4, 5])]);
 * packed.data.tolist();       // [1, 4, 2, 5, 3]
 * packed.batchSizes.tolist(); // [2, 2, 1]
 */
export class PackedSequence {
  readonly data: Tensor;
  /** How many sequences run at each time step (non-increasing; int64, on the CPU). */
  readonly batchSizes: Tensor;
  /** The batch position of each sorted sequence, or null when the batch came sorted. */
  readonly sortedIndices: Tensor | null;
  /** The inverse of sortedIndices (where each batch position went), or null. */
  readonly unsortedIndices: Tensor | null;
  /** batchSizes' values as host numbers. */
  private readonly sizes: readonly number[];

  constructor(...args: CtorArgs<typeof PACKED_SEQUENCE>) {
    const [data, batchSizes, sortedIndices, unsortedIndices] = packedSequenceArgs.bind(args);
    const sizes = batchSizes instanceof Tensor ? Array.from(readHost(checkSizes(batchSizes), "PackedSequence"), Number) : typeof batchSizes === "number" ? [batchSizes] : [...batchSizes];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (data.ndim === 0 || data.shape[0] !== total) {
      throw new ShapeError(`PackedSequence: data (shape ${fmtShape(data.shape)}) must have the sum of batchSizes (${total}) rows`);
    }
    if (sizes.some((b, t) => !(b > 0) || (t > 0 && b > sizes[t - 1]!))) throw new FluxionError(`PackedSequence: batchSizes must be positive and non-increasing, got [${sizes.join(", ")}]`);
    for (const [name, idx] of [["sortedIndices", sortedIndices], ["unsortedIndices", unsortedIndices]] as const) {
      if (idx && (idx.ndim !== 1 || idx.shape[0] !== (sizes[0] ?? 0) || (idx.dtype !== "int64" && idx.dtype !== "int32"))) {
        throw new ShapeError(`PackedSequence: ${name} must be a 1-D integer tensor of the batch size (${sizes[0] ?? 0}), got ${idx.dtype} of shape ${fmtShape(idx.shape)}`);
      }
    }
    this.data = data;
    this.batchSizes = batchSizes instanceof Tensor ? batchSizes : tensor(sizes, { dtype: "int64" });
    this.sortedIndices = sortedIndices;
    this.unsortedIndices = unsortedIndices ?? invertPermutation(sortedIndices);
    this.sizes = sizes;
  }

  /** @internal The same batch with new data (a layer's output): no checks, no host read of batchSizes. */
  _withData(data: Tensor): PackedSequence {
    const p = Object.create(PackedSequence.prototype) as PackedSequence;
    return Object.assign(p, { data, batchSizes: this.batchSizes, sortedIndices: this.sortedIndices, unsortedIndices: this.unsortedIndices, sizes: this.sizes });
  }

  /** @internal batchSizes as host numbers (the recurrent layers and padPackedSequence read them). */
  get _batchSizes(): readonly number[] {
    return this.sizes;
  }

  /** The same sequences with data converted by Tensor.to (dtype or device); indices follow a device change. */
  to(...args: unknown[]): PackedSequence {
    const data = (this.data.to as (...a: unknown[]) => Tensor).apply(this.data, args);
    if (data === this.data) return this;
    const move = (t: Tensor | null) => (t && t.device !== data.device ? t.to(data.device) : t);
    return Object.assign(this._withData(data), { sortedIndices: move(this.sortedIndices), unsortedIndices: move(this.unsortedIndices) });
  }
  float(): PackedSequence { return this.to("float32"); }
  double(): PackedSequence { return this.to("float64"); }
  half(): PackedSequence { return this.to("float16"); }

  /** The four fields in PyTorch's order: `const [data, batchSizes, sortedIndices, unsortedIndices] = packed`. */
  *[Symbol.iterator](): Generator<Tensor | null> {
    yield this.data;
    yield this.batchSizes;
    yield this.sortedIndices;
    yield this.unsortedIndices;
  }

  toString(): string {
    return `PackedSequence(data=${this.data}, batch_sizes=${this.batchSizes}, sorted_indices=${this.sortedIndices ?? "None"}, unsorted_indices=${this.unsortedIndices ?? "None"})`;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

function checkSizes(t: Tensor): Tensor {
  if (t.ndim !== 1 || t.isFloatingPoint() || t.dtype === "bool") throw new DTypeError(`PackedSequence: batchSizes must be a 1-D integer tensor, got ${t.dtype} of shape ${fmtShape(t.shape)}`);
  return t;
}

registerTypeCheck("PackedSequence", (v) => v instanceof PackedSequence);
