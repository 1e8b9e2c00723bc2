/** Loads test/fixtures/optim_reference.json (PyTorch 1.13 values) and builds Fluxion optimizers from its cases. */
import { readFileSync } from "node:fs";
import { Tensor, optim, tensor } from "../../src/index.js";

export interface OptimizerCase {
  name: string;
  optimizer: "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad";
  options: Record<string, unknown>;
  groups: { params: number[]; options: Record<string, unknown> }[] | null;
  expected: number[][][];
  expected64: number[][][];
  midStateDict: { state: Record<string, Record<string, unknown>>; param_groups: Record<string, unknown>[] };
}
export interface SchedulerCase {
  name: string;
  optimizer: "SGD" | "Adam";
  lrs: number[][];
  momenta: number[][];
}
export interface Reference {
  paramShapes: number[][];
  params0: number[][];
  grads: number[][][];
  noGrad: [number, number][];
  optimizers: OptimizerCase[];
  quadratic: { c: number[][]; t: number[][]; losses: number[]; final: number[][] };
  schedulers: SchedulerCase[];
  plateauMetrics: { min: number[]; max: number[] };
  /** CosineAnnealingWarmRestarts stepped with explicit fractional epochs, then once without. */
  warmRestartsEpochs: { T0: number; TMult: number; epochs: number[]; lrs: number[][]; lastEpoch: number }[];
}

export const REF: Reference = JSON.parse(readFileSync(new URL("../fixtures/optim_reference.json", import.meta.url), "utf8"));

/** Fresh float32 leaf parameters with the reference starting values. */
export function makeParams(values: number[][] = REF.params0): Tensor[] {
  return values.map((v, i) => tensor(v, { shape: REF.paramShapes[i]! }).requiresGrad_(true));
}

export const OPTIMIZERS = { SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW, RMSprop: optim.RMSprop, Adagrad: optim.Adagrad } as const;

/** The case's optimizer over `params` (one group, or the case's groups). */
export function makeOptimizer(c: OptimizerCase, params: Tensor[]): optim.Optimizer<any> {
  const Ctor = OPTIMIZERS[c.optimizer] as unknown as new (p: unknown, o: unknown) => optim.Optimizer<any>;
  const spec = c.groups === null ? params : c.groups.map((g) => ({ params: g.params.map((i) => params[i]!), ...g.options }));
  return new Ctor(spec, c.options);
}

/** Sets the reference gradients of step `step` (null where the case has none). */
export function setGrads(params: Tensor[], step: number): void {
  params.forEach((p, i) => {
    const none = REF.noGrad.some(([s, j]) => s === step && j === i);
    p.grad = none ? null : tensor(REF.grads[step]![i]!, { shape: REF.paramShapes[i]! });
  });
}

/** Turns the exported PyTorch state dict ({shape, values} objects) back into tensors. */
export function torchStateDict(sd: OptimizerCase["midStateDict"]): any {
  const state: Record<string, Record<string, unknown>> = {};
  for (const [k, s] of Object.entries(sd.state)) {
    state[k] = Object.fromEntries(
      Object.entries(s).map(([kk, v]) => [kk, v !== null && typeof v === "object" ? tensor((v as any).values, { shape: (v as any).shape }) : v]),
    );
  }
  return { state, param_groups: sd.param_groups };
}
