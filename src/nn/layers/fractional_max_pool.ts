/**
 * nn.FractionalMaxPool2d: F.fractionalMaxPool2d as a module. Fresh window samples are drawn on
 * every call unless `_randomSamples` is given, which is then a buffer (in the stateDict, as
 * PyTorch's). With returnIndices, forward returns [output, indices].
 */
import { declareArgs, type CtorArgs } from "../../api/registry.js";
import { FluxionError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { _tupleOf, type IntOrPair } from "../functional/conv.js";
import { fractionalMaxPool2d } from "../functional/fractional_max_pool.js";
import { checkTensorArg } from "../args.js";
import { Module } from "../module.js";

const FRACTIONAL_MAX_POOL2D = "FractionalMaxPool2d(int[2] kernelSize, int[2]? outputSize=null, float|float[2]? outputRatio=null, bool returnIndices=false, Tensor? _randomSamples=null)";
const fmpArgs = declareArgs(FRACTIONAL_MAX_POOL2D, "nn");

/**
 * Fractional max pooling with a pseudo-random non-integer stride.
 * @example new nn.FractionalMaxPool2d(3, [13, 12]).forward(x) // [N, C, 50, 32] -> [N, C, 13, 12]
 * @example new nn.FractionalMaxPool2d(3, { outputRatio: [0.5, 0.5] })
 */
export class FractionalMaxPool2d extends Module {
  readonly kernelSize: number[];
  readonly outputSize: number[] | null;
  readonly outputRatio: number[] | null;
  readonly returnIndices: boolean;
  declare _random_samples: Tensor | null;
  constructor(...args: CtorArgs<typeof FRACTIONAL_MAX_POOL2D>) {
    super();
    const [kernelSize, outputSize, outputRatio, returnIndices, samples] = fmpArgs.bind(args);
    const op = "FractionalMaxPool2d";
    this.kernelSize = _tupleOf(op, "kernelSize", kernelSize, 2, 1);
    this.outputSize = outputSize === null ? null : _tupleOf(op, "outputSize", outputSize, 2);
    this.outputRatio = outputRatio === null ? null : typeof outputRatio === "number" ? [outputRatio, outputRatio] : [...outputRatio];
    this.returnIndices = returnIndices;
    this.registerBuffer("_random_samples", samples);
    if (this.outputSize === null && this.outputRatio === null) throw new FluxionError(`${op} requires specifying either an output size, or a pooling ratio`);
    if (this.outputSize !== null && this.outputRatio !== null) throw new FluxionError(`${op}: only one of outputSize and outputRatio may be specified`);
    if (this.outputRatio !== null && !this.outputRatio.every((r) => r > 0 && r < 1)) throw new FluxionError(`${op}: outputRatio must be between 0 and 1 (got ${JSON.stringify(outputRatio)})`);
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
