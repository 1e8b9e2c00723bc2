/**
 * How `F` declares its public functions: each is one PyTorch-order declaration (see
 * src/api/schema.ts) registered under the key `F.<name>` in the "nn.functional" docs group,
 * so `F.relu` and `F.softmax` do not clash with the Tensor ops of the same name. The
 * implementation files keep their raw functions (no argument binding) for the layers.
 */
import { defineOp } from "../../api/registry.js";
import type { Fn } from "../../api/types.js";

export function defineF<const S extends string>(decl: S, impl: (...args: any[]) => unknown): Fn<S> {
  const name = decl.slice(0, decl.indexOf("(")).trim();
  return defineOp(decl, impl, { variants: "function", group: "nn.functional", key: `F.${name}` });
}
