/**
 * LKJCholesky(dim, concentration) (torch.distributions.LKJCholesky): the LKJ distribution
 * (Lewandowski, Kurowicka and Joe 2009) over lower Cholesky factors of dim x dim correlation
 * matrices; density proportional to det(L Lᵀ)^(concentration - 1). Sampling is PyTorch's onion
 * method: Beta draws for the squared row norms, uniform directions on the hypersphere.
 */
import { checkNumel } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { declareArgs, type CtorArgs } from "../api/registry.js";
import { ArgumentError } from "../errors.js";
import { noGrad } from "../autograd/grad_mode.js";
import { arange, cat, randn, tensor, where, zerosLike } from "../functional.js";
import { Distribution } from "./distribution.js";
import * as constraints from "./constraints.js";
import { Beta } from "./beta.js";
import { broadcastAll, finfo, named, shapeArg } from "./utils.js";

const LKJ = "LKJCholesky(int dim, Tensor|float concentration=1, bool? validateArgs=null)";
const lkjArgs = declareArgs(LKJ, "distributions");

/**
 * @example new distributions.LKJCholesky(3, 0.5).sample() // L with L Lᵀ a 3 x 3 correlation matrix
 */
export class LKJCholesky extends Distribution {
  static override readonly argConstraints = { concentration: constraints.positive };
  dim: number;
  concentration: Tensor;
  private beta: Beta;
  constructor(...args: CtorArgs<typeof LKJ>) {
    const [dim, concentration, validateArgs] = lkjArgs.bind(args);
    if (!(dim >= 2)) throw new ArgumentError(`LKJCholesky: expected dim to be an integer greater than or equal to 2, got dim=${dim}`);
    checkNumel("LKJCholesky", [dim, dim]); // its samples are dim x dim: a dim of 2**32 fails here, not in an allocation
    const [c] = broadcastAll("LKJCholesky", ["concentration"], [concentration]);
    super(c!.shape, [dim, dim], validateArgs);
    this.dim = dim;
    this.concentration = c!;
    this.validateParams();
    // the Beta parameters of the onion method: row i's squared norm below the diagonal
    const marginal = this.concentration.add(0.5 * (dim - 2));
    const offset = cat([tensor([0], { dtype: c!.dtype, device: c!.device }), arange(dim - 1, { dtype: c!.dtype, device: c!.device })]);
    this.beta = named("LKJCholesky", () => new Beta(offset.add(0.5), marginal.unsqueeze(-1).sub(offset.mul(0.5)), { validateArgs: false }));
  }
  protected override params(): Record<string, Tensor | null> {
    return { concentration: this.concentration };
  }
  protected override expandFields(): [string, number][] {
    return [["concentration", 0]];
  }
  protected override afterExpand(): void {
    this.beta = this.beta.expand([...this.batchShape, this.dim]);
  }
  override get support(): constraints.Constraint {
    return constraints.corrCholesky;
  }
  override sample(sampleShape: number | readonly number[] = []): Tensor {
    const s = shapeArg("LKJCholesky.sample", "sampleShape", sampleShape);
    return noGrad(() => {
      const y = this.beta.sample(s).unsqueeze(-1);
      const uNormal = randn(this.extendedShape(s), { dtype: y.dtype, device: y.device }).tril(-1);
      const norm = uNormal.pow(2).sum(-1, true).sqrt();
      // row 0 has no entries below the diagonal: its direction is 0, not 0/0
      const firstRow = arange(this.dim, { device: y.device }).eq(0).unsqueeze(-1);
      const uHypersphere = where(firstRow, zerosLike(uNormal), uNormal.div(norm));
      const w = y.sqrt().mul(uHypersphere);
      const diag = w.pow(2).sum(-1).neg().add(1).clampMin(finfo(w.dtype).tiny).sqrt();
      return w.add(diag.diagEmbed());
    });
  }
  override logProb(value: Tensor): Tensor {
    const v = this.checkValue(value);
    return named("LKJCholesky.logProb", () => {
      const dim = this.dim, c = this.concentration;
      const diag = v.diagonal(0, -1, -2).narrow(-1, 1, dim - 1);
      const order = arange(2, dim + 1, { dtype: c.dtype, device: c.device });
      const orderTerm = c.sub(1).unsqueeze(-1).mul(2).add(dim).sub(order);
      const unnormalized = orderTerm.mul(diag.log()).sum(-1);
      const dm1 = dim - 1;
      const alpha = c.add(0.5 * dm1);
      const denominator = alpha.lgamma().mul(dm1);
      const numerator = alpha.sub(0.5).mvlgamma(dm1);
      const normalize = numerator.sub(denominator).add(0.5 * dm1 * Math.log(Math.PI));
      return unnormalized.sub(normalize);
    });
  }
}
