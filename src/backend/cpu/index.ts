/**
 * The CPU backend in TypeScript: every primitive as a loop over typed arrays. It runs
 * anywhere JavaScript runs and is the reference the native kernels are tested against;
 * where the native addon is loaded (./native.ts), kernels such as matmul route to it.
 */
import { registerBackend, type Backend } from "../backend.js";
import { assign, binary, cast, copy, unary, where } from "./elementwise.js";
import { matmul } from "./matmul.js";
import { reduce, scan } from "./reduce.js";
import { cat, gather, indexPut, pad, scatter, view } from "./structure.js";
import { sort, unique } from "./sort.js";
import { fromHost, full, random, range } from "./creation.js";
import { conv2d, fold, maxPool, unfold } from "./conv.js";
import { describeNative } from "./native.js";
import { rnnCell, rnnCellBackward } from "./rnn_cell.js";
import { releaseStorage } from "./util.js";

export const cpuBackend: Backend = {
  name: "cpu",
  describe: describeNative,
  release: releaseStorage,
  ops: { unary, binary, where, cast, reduce, scan, view, copy, assign, matmul, cat, pad, gather, scatter, indexPut, sort, unique, unfold, fold, conv2d, maxPool, random, full, range, fromHost, rnnCell, rnnCellBackward },
};

registerBackend(cpuBackend);
