/**
 * Shared by the translation tests (test/translations/*.test.ts): the fixtures that the PyTorch
 * programs in test/fixtures/translations/*.py write, and the LCG helpers of the tutorial tests
 * (the same weights and data on both sides, see test/tutorials/common.ts).
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export { assertTensor, det, detLabels, initDeterministic, type Enc } from "../tutorials/common.js";

export const FIXTURES = resolve(import.meta.dirname, "../fixtures/translations");

export function loadFixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as T;
}
