/**
 * Named tuples for ops that PyTorch returns as `torch.return_types.*`: `x.max(1)` is an
 * array `[values, indices]` that also has `.values` and `.indices`, so both
 * `const [v, i] = x.max(1)` and `x.max(1).values` read as they do in PyTorch.
 */
const classes = new Map<string, new () => unknown[]>();

/** The class of `name`'s named tuple with these fields (made once). */
function tupleClass(name: string, fields: readonly string[]): new () => unknown[] {
  const key = `${name}(${fields.join(",")})`;
  let C = classes.get(key);
  if (C) return C;
  class NamedTuple extends Array<unknown> {
    // map/filter/slice give plain arrays, not half-filled named tuples
    static override get [Symbol.species]() {
      return Array;
    }
    override toString(): string {
      return `fluxion.return_types.${name}(\n${fields.map((f, i) => `${f}=${String(this[i])}`).join(",\n")})`;
    }
    [Symbol.for("nodejs.util.inspect.custom")](): string {
      return this.toString();
    }
  }
  fields.forEach((f, i) => Object.defineProperty(NamedTuple.prototype, f, { get(this: unknown[]) { return this[i]; }, enumerable: false }));
  Object.defineProperty(NamedTuple, "name", { value: name });
  C = NamedTuple as unknown as new () => unknown[];
  classes.set(key, C);
  return C;
}

/** Makes a named tuple from values in field order. */
export function namedTuple(name: string, fields: readonly string[], values: readonly unknown[]): unknown[] {
  const C = tupleClass(name, fields);
  const t = new C();
  for (let i = 0; i < values.length; i++) t[i] = values[i];
  return t;
}

/**
 * For a declared return `(Tensor values, Tensor indices)`: a function turning the
 * implementation's result (an array or an object with those fields) into the named tuple.
 * Null for any other return type, and for unnamed fields `(Tensor, Tensor)` (a plain array).
 */
export function namedTupleFactory(name: string, returns: string): ((r: unknown) => unknown) | null {
  const m = /^\((.*)\)$/.exec(returns.trim());
  if (!m) return null;
  const parts = m[1]!.split(",").map((f) => f.trim().split(/\s+/));
  if (parts.every((p) => p.length === 1)) return null; // `(Tensor, Tensor)`: a plain tuple, as torch.std_mean's
  const fields = parts.map((p) => p[p.length - 1]!);
  const C = tupleClass(name, fields);
  return (r: unknown) => {
    if (r instanceof C) return r;
    const t = new C();
    if (Array.isArray(r)) for (let i = 0; i < fields.length; i++) t[i] = r[i];
    else for (let i = 0; i < fields.length; i++) t[i] = (r as Record<string, unknown>)[fields[i]!];
    return t;
  };
}
