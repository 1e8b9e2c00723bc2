/**
 * TypeScript types read from the same declaration strings that bind arguments at run time
 * (schema.ts), so the overloads users see in their editor and the checks they get when
 * running untyped JavaScript cannot drift apart:
 *
 *   const SUM = "sum(Tensor self, int[]? dim=null, bool keepdim=false, *, ScalarType? dtype=null) -> Tensor";
 *   type F = Fn<typeof SUM>;      // (self, dim?, keepdim?, opts?) & (self, opts?) & ...
 *   type M = Method<typeof SUM>;  // the same without self
 *
 * Each positional prefix becomes one overload followed by an optional options object
 * that may name any parameter; a declaration list gives an overload per declaration.
 * Declarations must keep one space between a parameter's type and its name, no spaces
 * inside a type, and no commas in defaults other than list defaults (`betas=[0.9, 0.999]`).
 */
import type { DType } from "../tensor/dtype.js";
import type { Generator } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";

/** Types registered from layers above (Module): declared by augmentation. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ExtraBaseTypes {}

type Trim<S extends string> = S extends ` ${infer R}` ? Trim<R> : S extends `${infer R} ` ? Trim<R> : S extends `\n${infer R}` ? Trim<R> : S;

/** Splits a parameter list on commas (declarations keep commas out of types; list defaults are rejoined). */
type SplitParams<S extends string> = Rejoin<NaiveSplit<S>>;
type NaiveSplit<S extends string> = S extends `${infer H},${infer T}` ? [H, ...NaiveSplit<T>] : Trim<S> extends "" ? [] : [S];
/** Whether a piece ends inside a list default (`betas=[0.9` of `betas=[0.9, 0.999]`). */
type OpenList<A extends string> = A extends `${string}=${infer D}` ? (Trim<D> extends `[${infer In}` ? (In extends `${string}]${string}` ? false : true) : false) : false;
type Rejoin<L extends string[]> = L extends [infer A extends string, infer B extends string, ...infer R extends string[]]
  ? OpenList<A> extends true ? Rejoin<[`${A},${B}`, ...R]> : [Trim<A>, ...Rejoin<[B, ...R]>]
  : L extends [infer A extends string] ? [Trim<A>] : [];

type Base<B extends string> =
  B extends "Tensor" ? Tensor
  : B extends "Scalar" ? number | boolean | bigint
  : B extends "int" | "float" ? number
  : B extends "bool" ? boolean
  : B extends "str" | "Device" ? string
  : B extends "ScalarType" ? DType
  : B extends "Generator" ? Generator
  : B extends "Callable" ? (...args: any[]) => any
  : B extends "Dict" ? Record<string, unknown> | Map<string, unknown>
  : B extends keyof ExtraBaseTypes ? ExtraBaseTypes[B]
  : any;

type Atom<A extends string> =
  A extends `"${infer L}"` ? L
  : A extends `int?[${string}]` ? number | readonly (number | null)[]
  : A extends `${infer B}?[${string}]` ? readonly (Base<B> | null)[]
  : A extends `int[${string}]` ? number | readonly number[]
  : A extends `${infer B}[${string}]` ? readonly Base<B>[]
  : Base<A>;

type Union<T extends string> = T extends `${infer A}|${infer R}` ? Atom<A> | Union<R> : Atom<T>;

/** The TypeScript type of a schema type: `int[]?` -> number | readonly number[] | null. */
export type TypeOf<T extends string> = T extends `${infer B}...` ? TypeOf<B> : T extends `${infer B}?` ? Union<B> | null : Union<T>;

interface P<N extends string, T, Opt extends boolean, Var extends boolean> {
  name: N;
  type: T;
  optional: Opt;
  varargs: Var;
}

type ParseParam<S extends string> =
  S extends `${infer Head}=${string}` ? ParseHead<Trim<Head>, true> : ParseHead<S, false>;
type ParseHead<H extends string, D extends boolean> =
  H extends `${infer T} ${infer N}`
    ? P<Trim<N>, TypeOf<T>, D extends true ? true : T extends `${string}?` ? true : false, T extends `${string}...` ? true : false>
    : never;

/** Parameters before and after `*`. */
type ParseList<L extends string[], Pos extends unknown[] = [], Kw extends unknown[] = [], Star extends boolean = false> =
  L extends [infer H extends string, ...infer R extends string[]]
    ? H extends "*" ? ParseList<R, Pos, Kw, true>
    : Star extends true ? ParseList<R, Pos, [...Kw, ParseParam<H>], true>
    : ParseList<R, [...Pos, ParseParam<H>], Kw, false>
    : { pos: Pos; kw: Kw };

type Ret<R extends string> =
  R extends "Tensor" ? Tensor
  : R extends "Tensor[]" ? Tensor[]
  : R extends "self" ? Tensor
  : R extends `(${infer Fields})` ? TupleOf<SplitParams<Fields>>
  : R extends "bool" ? boolean
  : R extends "int" | "float" ? number
  : R extends "None" ? void
  : R extends keyof ExtraBaseTypes ? ExtraBaseTypes[R]
  : any;

type FieldTypes<F extends string[]> = { [K in keyof F]: F[K] extends `${infer T} ${string}` ? Ret<T> : never };
type FieldObj<F extends string[]> = { [K in F[number] as K extends `${string} ${infer N}` ? N : never]: K extends `${infer T} ${string}` ? Ret<T> : never };
/** `(Tensor values, Tensor indices)`: destructures as a tuple and reads as an object. */
export type NamedTupleOf<F extends string[]> = FieldTypes<F> & FieldObj<F>;
/** `(Tensor, Tensor)` (no field names): a plain tuple. */
type PlainTupleOf<F extends string[]> = { [K in keyof F]: Ret<F[K]> };
type TupleOf<F extends string[]> = F[number] extends `${string} ${string}` ? NamedTupleOf<F> : PlainTupleOf<F>;

type RawRet<Tail extends string> = Tail extends ` -> ${infer R}` ? Trim<R> : "Tensor";
type Decl<S extends string> = S extends `${infer Head}(${infer Params})${infer Tail}`
  ? { params: ParseList<SplitParams<Params>>; ret: Ret<RawRet<Tail>>; raw: RawRet<Tail>; head: Head }
  : never;

/** The options object: every parameter by name (those after `*` required if they have no default). */
type Options<Ps extends unknown[]> = { [K in Ps[number] as K extends P<infer N, any, any, any> ? N : never]?: K extends P<any, infer T, any, infer V> ? (V extends true ? readonly Exclude<T, null>[] : T) | undefined : never };
type RequiredKw<Kw extends unknown[]> = Kw extends [infer H, ...infer R] ? (H extends P<any, any, false, any> ? true : RequiredKw<R>) : false;

type Arg<Q> = Q extends P<any, infer T, infer O, any> ? (O extends true ? T | undefined : T) : never;
type Labeled<Ps extends unknown[]> = { [K in keyof Ps]: Arg<Ps[K]> };

/** The argument lists a declaration accepts: each positional prefix, then the options object. */
type Tuples<Ps extends unknown[], O, Req extends boolean, Acc extends unknown[] = []> =
  Ps extends [infer H, ...infer T]
    ? H extends P<any, infer VT, any, true>
      ? [...Labeled<Acc>, ...Exclude<VT, null>[]] | [...Labeled<Acc>, ...Exclude<VT, null>[], O] | OneList<Acc, Exclude<VT, null>, O> | StopBefore<Acc, O, Req, H>
      : StopBefore<Acc, O, Req, H> | Tuples<T, O, Req, [...Acc, H]>
    : WithOptions<Labeled<Acc>, O, Req>;

/** Int varargs (sizes) also take one list, as args.ts unpacks: view([2, 3]). */
type OneList<Acc extends unknown[], VT, O> = VT extends number ? [...Labeled<Acc>, readonly VT[], O?] : never;

/** An argument list followed by the options object (none when there is nothing to name). */
type WithOptions<A extends unknown[], O, Req extends boolean> = keyof O extends never ? A : Req extends true ? [...A, O] : [...A, O?];

/** Stopping before H: the options object is optional when H is. */
type StopBefore<Acc extends unknown[], O, Req extends boolean, H> =
  H extends P<any, any, true, any> ? WithOptions<Labeled<Acc>, O, Req> : [...Labeled<Acc>, O];

type Drop1<Ps> = Ps extends [any, ...infer Rest] ? Rest : [];
type ArgTuples<D, Skip extends boolean> = D extends { params: { pos: infer Pos extends unknown[]; kw: infer Kw extends unknown[] } }
  ? Skip extends true ? Tuples<Drop1<Pos>, Options<[...Drop1<Pos>, ...Kw]>, RequiredKw<Kw>> : Tuples<Pos, Options<[...Pos, ...Kw]>, RequiredKw<Kw>>
  : never;
type RetOf<D, Self> = D extends { ret: infer R; raw: infer Raw } ? (Raw extends "self" ? Self : R) : never;
type Calls<D, Skip extends boolean, Self> = ArgTuples<D, Skip> extends infer T ? (T extends unknown[] ? (...args: T) => RetOf<D, Self> : never) : never;

type UnionToIntersection<U> = (U extends any ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type Decls<S> = S extends string ? Decl<S> : S extends readonly string[] ? { [K in keyof S]: Decl<S[K] & string> }[number] : never;

/** The function form of a declaration (or a list of overloads): one overload per accepted argument list. */
export type Fn<S extends string | readonly string[]> = UnionToIntersection<Decls<S> extends infer D ? (D extends any ? Calls<D, false, Tensor> : never) : never>;
/** The method form: the same without `self`; in-place ops (`-> self`) return `this`. */
export type Method<S extends string | readonly string[], Self = Tensor> = UnionToIntersection<Decls<S> extends infer D ? (D extends any ? Calls<D, true, Self> : never) : never>;
/** Constructor arguments: the union of the accepted argument lists. */
export type CtorArgs<S extends string> = ArgTuples<Decl<S>, false>;

/** A bound value: its type, or for varargs the array of them. */
type Filled<Q> = Q extends P<any, infer T, any, infer V> ? (V extends true ? Exclude<T, null>[] : T) : never;
type KwValues<Kw extends unknown[]> = { [K in Kw[number] as K extends P<infer N, any, any, any> ? N : never]: K extends P<any, infer T, any, any> ? T : never };
/**
 * What `declareArgs(S).bind(args)` returns: the positional-or-keyword values in order
 * (defaults filled in), then, when there are keyword-only parameters, their object.
 */
export type BoundArgs<S extends string> = Decl<S> extends { params: { pos: infer Pos extends unknown[]; kw: infer Kw extends unknown[] } }
  ? Kw extends [] ? { [K in keyof Pos]: Filled<Pos[K]> } : [...{ [K in keyof Pos]: Filled<Pos[K]> }, KwValues<Kw>]
  : never;
