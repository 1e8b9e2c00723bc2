/**
 * Scalar expressions as closures, for runtimes that forbid `new Function` (codegen.ts): the
 * elementwise table's JavaScript expressions (src/ops/elementwise_table.ts, e.g.
 * "(x >= 0 ? 1 / (1 + Math.exp(-x)) : ...)") are parsed once into a tree of closures with
 * the same semantics, so the table stays the one description of each op.
 *
 * The language is the subset the table uses: number literals; the variables x, y, z (the
 * inputs), p0, p1 (params); Math.*, Number.*, H.* (helpers), Infinity, NaN; calls; unary
 * - + ! ~; * / %, + -, << >>, < <= > >=, === !==, &, ^, |, && ||, ?: and parentheses, with
 * JavaScript's precedence. Anything else is an error naming the expression.
 */
export type ScalarFn = (x: number, y: number, z: number, p0: number, p1: number) => number | boolean;
type Value = number | boolean;
type Node = ScalarFn;

const VARS = ["x", "y", "z", "p0", "p1"] as const;

const TOKEN = /\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_$][\w$]*)|(===|!==|<<|>>|<=|>=|&&|\|\||[-+*/%<>!?:().,&|^~]))/y;

type Token = { kind: "num"; value: number } | { kind: "id"; name: string } | { kind: "op"; op: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    if (/^\s*$/.test(src.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw new Error(`expr: cannot read "${src.slice(at)}" in ${JSON.stringify(src)}`);
    if (m[1] !== undefined) out.push({ kind: "num", value: Number(m[1]) });
    else if (m[2] !== undefined) out.push({ kind: "id", name: m[2] });
    else out.push({ kind: "op", op: m[3]! });
  }
  return out;
}

const constant = (v: unknown): Node => () => v as Value;

/** Compiles `src` into a closure; `globals` holds what names other than the variables mean (Math, H, ...). */
export function compileExpr(src: string, globals: Readonly<Record<string, unknown>>): ScalarFn {
  const toks = tokenize(src);
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`expr: ${what} at token ${i} of ${JSON.stringify(src)}`);
  };
  const peekOp = (): string | undefined => {
    const t = toks[i];
    return t?.kind === "op" ? t.op : undefined;
  };
  const expectOp = (op: string): void => {
    if (peekOp() !== op) fail(`expected "${op}"`);
    i++;
  };

  function primary(): Node {
    const t = toks[i++];
    if (!t) return fail("unexpected end");
    if (t.kind === "num") return constant(t.value);
    if (t.kind === "op") {
      if (t.op !== "(") return fail(`unexpected "${t.op}"`);
      const e = conditional();
      expectOp(")");
      return e;
    }
    const v = VARS.indexOf(t.name as (typeof VARS)[number]);
    if (v === 0) return (x) => x;
    if (v === 1) return (_x, y) => y;
    if (v === 2) return (_x, _y, z) => z;
    if (v === 3) return (_x, _y, _z, p0) => p0;
    if (v === 4) return (_x, _y, _z, _p0, p1) => p1;
    // a global, possibly a member chain (Math.SQRT1_2, H.erf): resolved now, once
    if (!Object.prototype.hasOwnProperty.call(globals, t.name)) return fail(`unknown name "${t.name}"`);
    let value: unknown = globals[t.name];
    let owner: unknown = undefined;
    while (peekOp() === ".") {
      i++;
      const m = toks[i++];
      if (m?.kind !== "id") return fail("expected a property name");
      owner = value;
      value = (owner as Record<string, unknown>)[m.name];
      if (value === undefined) return fail(`unknown property "${m.name}"`);
    }
    if (peekOp() !== "(") return constant(value);
    if (typeof value !== "function") return fail(`${t.name} is not a function`);
    i++;
    const args: Node[] = [];
    if (peekOp() !== ")") {
      for (;;) {
        args.push(conditional());
        if (peekOp() !== ",") break;
        i++;
      }
    }
    expectOp(")");
    const f = (value as (...a: Value[]) => Value).bind(owner);
    if (args.length === 1) {
      const [a] = args as [Node];
      return (x, y, z, p0, p1) => f(a(x, y, z, p0, p1));
    }
    if (args.length === 2) {
      const [a, b] = args as [Node, Node];
      return (x, y, z, p0, p1) => f(a(x, y, z, p0, p1), b(x, y, z, p0, p1));
    }
    return (x, y, z, p0, p1) => f(...args.map((a) => a(x, y, z, p0, p1)));
  }

  function unary(): Node {
    const op = peekOp();
    if (op === "-" || op === "+" || op === "!" || op === "~") {
      i++;
      const a = unary();
      if (op === "-") return (x, y, z, p0, p1) => -(a(x, y, z, p0, p1) as number);
      if (op === "+") return (x, y, z, p0, p1) => +a(x, y, z, p0, p1);
      if (op === "~") return (x, y, z, p0, p1) => ~(a(x, y, z, p0, p1) as number);
      return (x, y, z, p0, p1) => !a(x, y, z, p0, p1);
    }
    return primary();
  }

  // left-associative binary levels, loosest last
  const LEVELS: readonly (readonly string[])[] = [["*", "/", "%"], ["+", "-"], ["<<", ">>"], ["<", "<=", ">", ">="], ["===", "!=="], ["&"], ["^"], ["|"], ["&&"], ["||"]];

  function binary(level: number): Node {
    if (level < 0) return unary();
    let left = binary(level - 1);
    for (;;) {
      const op = peekOp();
      if (op === undefined || !LEVELS[level]!.includes(op)) return left;
      i++;
      left = combine(op, left, binary(level - 1));
    }
  }

  function conditional(): Node {
    const test = binary(LEVELS.length - 1);
    if (peekOp() !== "?") return test;
    i++;
    const a = conditional();
    expectOp(":");
    const b = conditional();
    return (x, y, z, p0, p1) => (test(x, y, z, p0, p1) ? a(x, y, z, p0, p1) : b(x, y, z, p0, p1));
  }

  const root = conditional();
  if (i !== toks.length) fail("unexpected trailing input");
  return root;
}

/** The closure for `a op b`, with JavaScript's semantics (booleans in arithmetic count as 0/1). */
function combine(op: string, a: Node, b: Node): Node {
  type N = number;
  switch (op) {
    case "*": return (x, y, z, p0, p1) => (a(x, y, z, p0, p1) as N) * (b(x, y, z, p0, p1) as N);
    case "/": return (x, y, z, p0, p1) => (a(x, y, z, p0, p1) as N) / (b(x, y, z, p0, p1) as N);
    case "%": return (x, y, z, p0, p1) => (a(x, y, z, p0, p1) as N) % (b(x, y, z, p0, p1) as N);
    case "+": return (x, y, z, p0, p1) => (a(x, y, z, p0, p1) as N) + (b(x, y, z, p0, p1) as N);
    case "-": return (x, y, z, p0, p1) => (a(x, y, z, p0, p1) as N) - (b(x, y, z, p0, p1) as N);
    case "<<": return (x, y, z, p0, p1) => (a(x, y, z, p0, p1) as N) << (b(x, y, z, p0, p1) as N);
    case ">>": return (x, y, z, p0, p1) => (a(x, y, z, p0, p1) as N) >> (b(x, y, z, p0, p1) as N);
    case "&": return (x, y, z, p0, p1) => (a(x, y, z, p0, p1) as N) & (b(x, y, z, p0, p1) as N);
    case "^": return (x, y, z, p0, p1) => (a(x, y, z, p0, p1) as N) ^ (b(x, y, z, p0, p1) as N);
    case "|": return (x, y, z, p0, p1) => (a(x, y, z, p0, p1) as N) | (b(x, y, z, p0, p1) as N);
    case "<": return (x, y, z, p0, p1) => a(x, y, z, p0, p1) < b(x, y, z, p0, p1);
    case "<=": return (x, y, z, p0, p1) => a(x, y, z, p0, p1) <= b(x, y, z, p0, p1);
    case ">": return (x, y, z, p0, p1) => a(x, y, z, p0, p1) > b(x, y, z, p0, p1);
    case ">=": return (x, y, z, p0, p1) => a(x, y, z, p0, p1) >= b(x, y, z, p0, p1);
    case "===": return (x, y, z, p0, p1) => a(x, y, z, p0, p1) === b(x, y, z, p0, p1);
    case "!==": return (x, y, z, p0, p1) => a(x, y, z, p0, p1) !== b(x, y, z, p0, p1);
    case "&&": return (x, y, z, p0, p1) => a(x, y, z, p0, p1) && b(x, y, z, p0, p1);
    default: return (x, y, z, p0, p1) => a(x, y, z, p0, p1) || b(x, y, z, p0, p1); // "||"
  }
}
