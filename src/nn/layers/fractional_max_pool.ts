/**
 * nn.FractionalMaxPool2d and nn.FractionalMaxPool3d: F.fractionalMaxPool2d/3d as modules.
 * Fresh window samples are drawn on every call unless `_randomSamples` is given, which is then
 * a buffer (in the stateDict, as PyTorch's). With returnIndices, forward returns [output, indices].
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { FluxionError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { _tupleOf, type IntOrPair } from "../functional/conv.js";
import type { IntOrTriple } from "../functional/conv3d.js";
import { fractionalMaxPool2d, fractionalMaxPool3d } from "../functional/fractional_max_pool.js";
import { checkTensorArg } from "../args.js";
import { Module } from "../module.js";

const FRACTIONAL_MAX_POOL2D = "FractionalMaxPool2d(int[2] kernelSize, int[2]? outputSize=null, float|float[2]? outputRatio=null, bool returnIndices=false, Tensor? _randomSamples=null)";
const fmpArgs = declareArgs(FRACTIONAL_MAX_POOL2D, "nn");
const FRACTIONAL_MAX_POOL3D = "FractionalMaxPool3d(int[3] kernelSize, int[3]? outputSize=null, float|float[3]? outputRatio=null, bool returnIndices=false, Tensor? _randomSamples=null)";
const fmp3Args = declareArgs(FRACTIONAL_MAX_POOL3D, "nn");

/** The shared state and checks of the 2-D and 3-D modules. */
abstract class FractionalMaxPoolNd extends Module {
  readonly kernelSize: number[];
  readonly outputSize: number[] | null;
  readonly outputRatio: number[] | null;
  readonly returnIndices: boolean;
  declare _random_samples: Tensor | null;
  constructor(op: string, nd: number, [kernelSize, outputSize, outputRatio, returnIndices, samples]:
    [number | readonly number[], number | readonly number[] | null, number | readonly number[] | null, boolean, Tensor | null]) {
    super();
    this.kernelSize = _tupleOf(op, "kernelSize", kernelSize, nd, 1);
    this.outputSize = outputSize === null ? null : _tupleOf(op, "outputSize", outputSize, nd);
    this.outputRatio = outputRatio === null ? null : typeof outputRatio === "number" ? new Array<number>(nd).fill(outputRatio) : [...outputRatio];
    this.returnIndices = returnIndices;
    this.registerBuffer("_random_samples", samples);
    if (this.outputSize === null && this.outputRatio === null) throw new FluxionError(`${op} requires specifying either an output size, or a pooling ratio`);
    if (this.outputSize !== null && this.outputRatio !== null) throw new FluxionError(`${op}: only one of outputSize and outputRatio may be specified`);
    if (this.outputRatio !== null && !this.outputRatio.every((r) => r > 0 && r < 1)) throw new FluxionError(`${op}: outputRatio must be between 0 and 1 (got ${JSON.stringify(outputRatio)})`);
  }
}

/**
 * Fractional max pooling with a pseudo-random non-integer stride.
 * @example new nn.FractionalMaxPool2d(3, [13, 12]).forward(x) // [N, C, 50, 32] -> [N, C, 13, 12]
 * @example new nn.FractionalMaxPool2d(3, { outputRatio: [0.5, 0.5] })
 */
export class FractionalMaxPool2d extends FractionalMaxPoolNd {
  constructor(...args: CtorArgs<typeof FRACTIONAL_MAX_POOL2D>) {
    super("FractionalMaxPool2d", 2, fmpArgs.bind(args));
  }
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    checkTensorArg(this, "input", x);
    return fractionalMaxPool2d(x, this.kernelSize as unknown as IntOrPair, {
      outputSize: this.outputSize as [number, number] | null,
      outputRatio: this.outputRatio as [number, number] | null,
      returnIndices: this.returnIndices,
      _randomSamples: this._random_samples,
    });
  }
}

/**
 * 3-D fractional max pooling over [N, C, T, H, W] (or [C, T, H, W]).
 * @example new nn.FractionalMaxPool3d(2, { outputRatio: 0.5 }).forward(x) // [N, C, 8, 8, 8] -> [N, C, 4, 4, 4]
 */
export class FractionalMaxPool3d extends FractionalMaxPoolNd {
  constructor(...args: CtorArgs<typeof FRACTIONAL_MAX_POOL3D>) {
    super("FractionalMaxPool3d", 3, fmp3Args.bind(args));
  }
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    checkTensorArg(this, "input", x);
    return fractionalMaxPool3d(x, this.kernelSize as unknown as IntOrTriple, {
      outputSize: this.outputSize as [number, number, number] | null,
      outputRatio: this.outputRatio as [number, number, number] | null,
      returnIndices: this.returnIndices,
      _randomSamples: this._random_samples,
    });
  }
}
