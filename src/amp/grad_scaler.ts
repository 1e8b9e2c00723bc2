/**
 * amp.GradScaler: dynamic loss scaling for float16 training (PyTorch's
 * torch.cuda.amp.GradScaler, same rules and messages). The loss is multiplied by a scale
 * so that small float16 gradients do not flush to zero; the gradients are divided by it
 * again before the optimizer sees them. A step whose gradients hold an inf or NaN is
 * skipped and the scale backs off; after `growthInterval` clean steps it grows.
 * bfloat16 has float32's range and needs no scaler.
 *
 *   const scaler = new amp.GradScaler();
 *   scaler.scale(loss).backward();
 *   scaler.unscale_(optimizer);             // optional: clipGradNorm_ then sees true gradients
 *   scaler.step(optimizer);                 // skipped when a gradient is not finite
 *   scaler.update();
 *
 * The scale is a host number rounded to float32 as PyTorch's scale tensor is; deciding to
 * skip a step reads one value per optimizer from the gradients, as PyTorch's step does.
 */
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { noGrad } from "../autograd/grad_mode.js";
import { keepAfterCall } from "../compile/state.js";
import { ArgumentError, FluxionError } from "../errors.js";
import { zeros } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import type { Optimizer } from "../optim/optimizer.js";

const GRAD_SCALER = "GradScaler(float initScale=65536.0, float growthFactor=2.0, float backoffFactor=0.5, int growthInterval=2000, bool enabled=true)";
const gradScalerArgs = declareArgs(GRAD_SCALER, "amp");

type Stage = "ready" | "unscaled" | "stepped";
interface OptimizerState {
  stage: Stage;
  /** Number of non-finite gradient elements found by unscale_ (a 0-d float32 tensor). */
  foundInf: Tensor | null;
}

/** What stateDict() returns (empty when the scaler is disabled). */
export interface GradScalerStateDict {
  scale?: number;
  growthFactor?: number;
  backoffFactor?: number;
  growthInterval?: number;
  growthTracker?: number;
}

const f32 = Math.fround;

export class GradScaler {
  private readonly enabled: boolean;
  private scaleValue: number;
  private growthFactor: number;
  private backoffFactor: number;
  private growthInterval: number;
  /** Clean steps since the scale last changed. */
  private growthTracker = 0;
  private perOptimizer = new Map<Optimizer, OptimizerState>();

  /**
   * @example new amp.GradScaler()  // initScale 2**16, growth x2 every 2000 clean steps, backoff x0.5
   * @example new amp.GradScaler({ initScale: 1024, growthInterval: 100 })
   */
  constructor(...args: CtorArgs<typeof GRAD_SCALER>) {
    const [initScale, growthFactor, backoffFactor, growthInterval, enabled] = gradScalerArgs.bind(args);
    if (!(growthFactor > 1)) throw new ArgumentError(`GradScaler: growthFactor should be > 1, got ${growthFactor}`);
    if (!(backoffFactor < 1 && backoffFactor > 0)) throw new ArgumentError(`GradScaler: backoffFactor should be in (0, 1), got ${backoffFactor}`);
    if (!(growthInterval > 0)) throw new ArgumentError(`GradScaler: growthInterval should be a positive integer, got ${growthInterval}`);
    if (!(initScale > 0) || !Number.isFinite(initScale)) throw new ArgumentError(`GradScaler: initScale should be a positive finite number, got ${initScale}`);
    this.enabled = enabled;
    this.scaleValue = f32(initScale);
    this.growthFactor = growthFactor;
    this.backoffFactor = backoffFactor;
    this.growthInterval = growthInterval;
  }

  private stateOf(optimizer: Optimizer): OptimizerState {
    let s = this.perOptimizer.get(optimizer);
    if (!s) this.perOptimizer.set(optimizer, (s = { stage: "ready", foundInf: null }));
    keepAfterCall(s); // foundInf outlives a compiled step (update() reads it)
    return s;
  }

  /**
   * Multiplies `outputs` (a tensor, or an array of them) by the scale; returns them
   * unchanged when the scaler is disabled.
   */
  scale<T extends Tensor | readonly Tensor[]>(outputs: T): T {
    if (!this.enabled) return outputs;
    if (outputs instanceof Tensor) return outputs.mul(this.scaleValue) as T;
    if (Array.isArray(outputs) && outputs.every((o) => o instanceof Tensor)) return outputs.map((o: Tensor) => o.mul(this.scaleValue)) as unknown as T;
    throw new ArgumentError(`GradScaler.scale: outputs must be a Tensor or an array of Tensors, got ${outputs === null ? "null" : typeof outputs}`);
  }

  /**
   * Divides the gradients of `optimizer`'s parameters by the scale, in place, and records
   * whether any is inf/NaN. Call it before clipping gradients; step() then does not
   * unscale again. Once per optimizer between update()s.
   */
  unscale_(optimizer: Optimizer): void {
    if (!this.enabled) return;
    const s = this.stateOf(optimizer);
    if (s.stage === "unscaled") throw new FluxionError("GradScaler.unscale_(): unscale_() has already been called on this optimizer since the last update().");
    if (s.stage === "stepped") throw new FluxionError("GradScaler.unscale_(): unscale_() is being called after step().");
    const grads: Tensor[] = [];
    for (const group of optimizer.paramGroups) {
      for (const p of group.params) {
        if (p.grad === null) continue;
        if (p.grad.dtype === "float16") throw new FluxionError(`GradScaler.unscale_(): Attempting to unscale FP16 gradients (a parameter of shape [${p.shape.join(", ")}] is float16); keep the parameters in float32 and let autocast cast them`);
        grads.push(p.grad);
      }
    }
    // as PyTorch: the reciprocal computed in double, then rounded to float32
    const inv = f32(1 / this.scaleValue);
    s.foundInf = noGrad(() => {
      let found = zeros([], { dtype: "float32" });
      for (const g of grads) {
        found = found.add(g.isfinite().logicalNot().sum().to("float32"));
        g.mul_(inv);
      }
      return found;
    });
    s.stage = "unscaled";
  }

  /**
   * Unscales the gradients (unless unscale_ did already) and runs `optimizer.step()`
   * unless a gradient is inf/NaN; returns what step returned, or undefined when skipped.
   */
  step<T = unknown>(optimizer: Optimizer, ...args: unknown[]): T | undefined {
    if (!this.enabled) return (optimizer.step as (...a: unknown[]) => T | undefined)(...args);
    if (args.length > 0 && args[0] !== null && args[0] !== undefined) throw new FluxionError("GradScaler.step(): Closure use is not currently supported if GradScaler is enabled.");
    const s = this.stateOf(optimizer);
    if (s.stage === "stepped") throw new FluxionError("GradScaler.step(): step() has already been called since the last update().");
    if (s.stage === "ready") this.unscale_(optimizer);
    const found = s.foundInf!.item() as number; // the one host read: whether to step at all
    const r = found === 0 ? optimizer.step() as T | undefined : undefined;
    s.stage = "stepped";
    return r;
  }

  /**
   * Updates the scale after the iteration's step()s: times backoffFactor if any optimizer
   * saw an inf/NaN, times growthFactor after growthInterval clean steps in a row. With
   * `newScale` (a number or a 1-element tensor) the scale is set to it instead.
   */
  update(newScale?: number | Tensor): void {
    if (!this.enabled) return;
    if (newScale !== undefined) {
      let v: number;
      if (typeof newScale === "number") v = newScale;
      else if (newScale instanceof Tensor && newScale.numel() === 1 && !newScale.requiresGrad && (newScale.dtype === "float32" || newScale.dtype === "float64")) v = newScale.item() as number;
      else throw new ArgumentError("GradScaler.update(): new_scale should be a float or a 1-element float32 tensor with requires_grad=False.");
      this.scaleValue = f32(v);
    } else {
      const found = [...this.perOptimizer.values()].filter((s) => s.foundInf !== null);
      if (found.length === 0) throw new FluxionError("GradScaler.update(): No inf checks were recorded prior to update.");
      const anyInf = found.some((s) => (s.foundInf!.item() as number) > 0);
      this.updateScale(anyInf);
    }
    this.perOptimizer = new Map();
  }

  /** PyTorch's _amp_update_scale_ kernel, in float32 arithmetic. */
  private updateScale(foundInf: boolean): void {
    if (foundInf) {
      this.scaleValue = f32(this.scaleValue * this.backoffFactor);
      this.growthTracker = 0;
      return;
    }
    const successful = this.growthTracker + 1;
    if (successful === this.growthInterval) {
      const grown = f32(this.scaleValue * this.growthFactor);
      if (Number.isFinite(grown)) this.scaleValue = grown; // the scale never overflows to inf
      this.growthTracker = 0;
    } else this.growthTracker = successful;
  }

  /** The current scale (1 when disabled). */
  getScale(): number {
    return this.enabled ? this.scaleValue : 1;
  }
  getGrowthFactor(): number {
    return this.growthFactor;
  }
  setGrowthFactor(v: number): void {
    if (!(v > 1)) throw new ArgumentError(`GradScaler.setGrowthFactor: growthFactor should be > 1, got ${v}`);
    this.growthFactor = v;
  }
  getBackoffFactor(): number {
    return this.backoffFactor;
  }
  setBackoffFactor(v: number): void {
    if (!(v < 1 && v > 0)) throw new ArgumentError(`GradScaler.setBackoffFactor: backoffFactor should be in (0, 1), got ${v}`);
    this.backoffFactor = v;
  }
  getGrowthInterval(): number {
    return this.growthInterval;
  }
  setGrowthInterval(v: number): void {
    if (!(Number.isInteger(v) && v > 0)) throw new ArgumentError(`GradScaler.setGrowthInterval: growthInterval should be a positive integer, got ${v}`);
    this.growthInterval = v;
  }
  isEnabled(): boolean {
    return this.enabled;
  }

  /** The scale and its settings ({} when disabled), to save in a checkpoint. */
  stateDict(): GradScalerStateDict {
    if (!this.enabled) return {};
    return { scale: this.scaleValue, growthFactor: this.growthFactor, backoffFactor: this.backoffFactor, growthInterval: this.growthInterval, growthTracker: this.growthTracker };
  }

  /**
   * Restores a stateDict(); also accepts PyTorch's keys (growth_factor, _growth_tracker, ...).
   * Checks everything before changing anything.
   */
  loadStateDict(stateDict: GradScalerStateDict | Record<string, unknown>): void {
    if (!this.enabled) return;
    if (stateDict === null || typeof stateDict !== "object") throw new ArgumentError(`GradScaler.loadStateDict: expected an object, got ${stateDict === null ? "null" : typeof stateDict}`);
    const sd = stateDict as Record<string, unknown>;
    if (Object.keys(sd).length === 0) throw new FluxionError("GradScaler.loadStateDict: The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler.");
    const pick = (camel: string, snake: string): number => {
      const v = sd[camel] ?? sd[snake];
      const n = v instanceof Tensor ? (v.item() as number) : v;
      if (typeof n !== "number" || !Number.isFinite(n)) throw new ArgumentError(`GradScaler.loadStateDict: '${camel}' must be a finite number, got ${v === undefined ? "nothing" : typeof v}`);
      return n;
    };
    const scale = pick("scale", "scale"), growthFactor = pick("growthFactor", "growth_factor"), backoffFactor = pick("backoffFactor", "backoff_factor");
    const growthInterval = pick("growthInterval", "growth_interval"), growthTracker = pick("growthTracker", "_growth_tracker");
    if (!(scale > 0)) throw new ArgumentError(`GradScaler.loadStateDict: scale must be positive, got ${scale}`);
    if (!(growthFactor > 1) || !(backoffFactor > 0 && backoffFactor < 1) || !(Number.isInteger(growthInterval) && growthInterval > 0) || !(Number.isInteger(growthTracker) && growthTracker >= 0)) {
      throw new ArgumentError(`GradScaler.loadStateDict: invalid settings (growthFactor ${growthFactor}, backoffFactor ${backoffFactor}, growthInterval ${growthInterval}, growthTracker ${growthTracker})`);
    }
    this.scaleValue = f32(scale);
    this.growthFactor = growthFactor;
    this.backoffFactor = backoffFactor;
    this.growthInterval = growthInterval;
    this.growthTracker = growthTracker;
  }
}
