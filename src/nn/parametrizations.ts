/**
 * nn.utils.parametrizations: ready-made parametrizations registered with
 * nn.utils.parametrize.registerParametrization (PyTorch 1.13's torch.nn.utils.parametrizations,
 * plus PyTorch 2.1's weight_norm):
 *   - orthogonal: the weight is an orthogonal matrix (or has orthonormal columns or rows), the
 *     image of an unconstrained matrix by the matrix exponential, the Cayley map or a product
 *     of Householder reflectors, optionally "trivialized" around a base orthogonal matrix;
 *   - spectralNorm: the weight divided by its largest singular value, estimated by power
 *     iteration with the buffers `_u` and `_v` (advanced by each read in training mode);
 *   - weightNorm: the weight as g * v / ||v||, with g = original0 and v = original1.
 * The module classes are named as PyTorch's (_Orthogonal, _SpectralNorm, _WeightNorm), so
 * printing a parametrized model reads the same. The hook-based nn.utils.weightNorm and
 * spectralNorm of PyTorch 1.13 are in weight_norm.ts.
 */
import { noGrad } from "../autograd/grad_mode.js";
import { describeValue } from "../api/args.js";
import { defineOp } from "../api/registry.js";
import { FluxionError, IndexError, NotImplementedError, ShapeError, fmtShape } from "../errors.js";
import { geqrf, householderProduct } from "../ops/linalg/householder.js";
import { matrixExp } from "../ops/linalg/matrix_exp.js";
import { solve } from "../ops/linalg/solve.js";
import { cat } from "../ops/shape_ops.js";
import { eye, randn, zeros } from "../tensor/creation.js";
import { finfo } from "../ops/toplevel.js";
import { Tensor } from "../tensor/tensor.js";
import { normalize } from "./functional/normalization.js";
import { ConvTranspose1d, ConvTranspose2d, ConvTranspose3d } from "./layers/conv.js";
import { Module, _tensorKind, markBuiltInModules } from "./module.js";
import { registerParametrization, type Parametrized } from "./parametrize.js";
import { normExceptDim } from "./weight_norm.js";

type Attrs = Record<string, unknown>;
type OrthogonalMap = "matrix_exp" | "cayley" | "householder";

function tensorOf(op: string, module: Module, name: string): Tensor {
  const w = (module as unknown as Attrs)[name];
  if (!(w instanceof Tensor)) throw new FluxionError(`${op}(): module ${module.constructor.name} has no parameter or buffer with name '${name}' (got ${describeValue(w)})`);
  return w;
}

// ---- orthogonal -------------------------------------------------------------------------

/** Q = the orthonormal factor of A's QR with R's diagonal made positive (a canonical choice, PyTorch's _make_orthogonal). */
function makeOrthogonal(A: Tensor): Tensor {
  const [X, tau] = geqrf(A);
  return householderProduct(X, tau).mul(X.diagonal(0, -2, -1).sgn().unsqueeze(-2));
}

function isOrthogonal(Q: Tensor): boolean {
  const n = Q.shape[Q.ndim - 2]!, k = Q.shape[Q.ndim - 1]!;
  const eps = 10 * n * finfo(Q.dtype).eps;
  return Q.mH.matmul(Q).allclose(eye(k, { dtype: Q.dtype, device: Q.device }), 1e-5, eps);
}

/** The orthogonal parametrization (PyTorch's _Orthogonal): see orthogonal(). */
export class _Orthogonal extends Module {
  declare base?: Tensor | null;
  readonly shape: readonly number[];
  readonly orthogonalMap: OrthogonalMap;

  constructor(weight: Tensor, orthogonalMap: OrthogonalMap, opts: { useTrivialization?: boolean } = {}) {
    super();
    this.shape = weight.shape;
    this.orthogonalMap = orthogonalMap;
    if (opts.useTrivialization ?? true) this.registerBuffer("base", null);
  }

  private trivialized(): boolean {
    return _tensorKind(this, "base") === "buffer";
  }

  forward(X: Tensor): Tensor {
    let n = X.shape[X.ndim - 2]!, k = X.shape[X.ndim - 1]!;
    const transposed = n < k;
    if (transposed) {
      X = X.mT;
      [n, k] = [k, n];
    }
    let Q: Tensor;
    if (this.orthogonalMap === "matrix_exp" || this.orthogonalMap === "cayley") {
      X = X.tril();
      if (n !== k) X = cat([X, zeros([n, n - k], { dtype: X.dtype, device: X.device }).expand([...X.shape.slice(0, -2), n, n - k])], -1);
      const A = X.sub(X.mH);
      if (this.orthogonalMap === "matrix_exp") Q = matrixExp(A);
      else {
        const I = eye(n, { dtype: A.dtype, device: A.device });
        Q = solve(I.add(A, { alpha: -0.5 }), I.add(A, { alpha: 0.5 }));
      }
      if (n !== k) Q = Q.narrow(-1, 0, k);
    } else {
      const A = X.tril(-1);
      const tau = A.mul(A).sum(-2).add(1).reciprocal().mul(2);
      Q = householderProduct(A, tau);
      Q = Q.mul(X.diagonal(0, -2, -1).int().unsqueeze(-2));
    }
    if (this.trivialized()) {
      if (!this.base) throw new FluxionError("_Orthogonal: the base matrix is not set (it is computed by rightInverse when the parametrization is registered)");
      Q = this.base.matmul(Q);
    }
    if (transposed) Q = Q.mT;
    return Q;
  }

  /** The unconstrained matrix whose image is Q (Q must be orthogonal, or is made so with a QR). */
  rightInverse(Q: Tensor): Tensor {
    return noGrad(() => {
      if (Q.shape.length !== this.shape.length || Q.shape.some((s, i) => s !== this.shape[i])) {
        throw new ShapeError(`Expected a matrix or batch of matrices of shape ${fmtShape(this.shape)}. Got a tensor of shape ${fmtShape(Q.shape)}.`);
      }
      const Qinit = Q;
      let n = Q.shape[Q.ndim - 2]!, k = Q.shape[Q.ndim - 1]!;
      const transpose = n < k;
      if (transpose) {
        Q = Q.mT;
        [n, k] = [k, n];
      }
      if (!this.trivialized()) {
        if (this.orthogonalMap !== "householder") {
          throw new NotImplementedError("It is not possible to assign to the matrix exponential or the Cayley parametrizations when useTrivialization=false.");
        }
        // the reflectors of Q, with the diagonal's signs as the forward reads them
        const [A, tau] = geqrf(Q);
        const d = A.diagonal(0, -2, -1);
        const sign = d.sign();
        d.copy_(sign.mul(tau.eq(0).logicalNot().mul(2).sub(1).to(sign.dtype)));
        return transpose ? A.mT : A;
      }
      if (n === k) Q = isOrthogonal(Q) ? Q.clone() : makeOrthogonal(Q);
      else {
        const N = randn([...Q.shape.slice(0, -2), n, n - k], { dtype: Q.dtype, device: Q.device });
        Q = makeOrthogonal(cat([Q, N], -1));
      }
      this.base = Q;
      const negId = zeros(Qinit.shape, { dtype: Qinit.dtype, device: Qinit.device });
      negId.diagonal(0, -2, -1).fill_(-1);
      return negId;
    });
  }
}

/**
 * Constrains `module[name]` (a matrix or a batch of them) to be orthogonal: Qᴴ Q = I, or
 * Q Qᴴ = I for a wide matrix (PyTorch's nn.utils.parametrizations.orthogonal). The map from
 * the unconstrained matrix: "matrix_exp" (default for square matrices), "cayley", or
 * "householder" (default otherwise). With `useTrivialization` (default) the map is applied
 * around a base orthogonal matrix (the buffer `base`), which makes the initial weight (made
 * orthogonal if it is not) exactly representable and assignable. Returns the module.
 * @example
 * const m = nn.utils.parametrizations.orthogonal(new nn.Linear(20, 40));
 * m.weight.mT.matmul(m.weight) // ≈ eye(20)
 */
/** orthogonal's call forms, each returning the module it was given (its own type kept). */
export interface OrthogonalFn {
  <M extends Module>(module: M, opts?: { name?: string; orthogonalMap?: OrthogonalMap | null; useTrivialization?: boolean }): Parametrized<M>;
  <M extends Module>(module: M, name: string, orthogonalMap?: OrthogonalMap | null | { orthogonalMap?: OrthogonalMap | null; useTrivialization?: boolean }, opts?: { useTrivialization?: boolean }): Parametrized<M>;
}
export const orthogonal: OrthogonalFn = defineOp(
  'orthogonal(Module module, str name="weight", str? orthogonalMap=null, *, bool useTrivialization=true) -> Module',
  (module: Module, name: string, orthogonalMap: string | null, o: { useTrivialization: boolean }): Module => {
    const weight = tensorOf("orthogonal", module, name);
    if (weight.ndim < 2) throw new ShapeError(`orthogonal(): Expected a matrix or batch of matrices. Got a tensor of ${weight.ndim} dimensions.`);
    const map = orthogonalMap ?? (weight.shape[weight.ndim - 2] === weight.shape[weight.ndim - 1] ? "matrix_exp" : "householder");
    if (map !== "matrix_exp" && map !== "cayley" && map !== "householder") {
      throw new FluxionError(`orthogonal(): orthogonalMap has to be one of "matrix_exp", "cayley", "householder". Got: ${map}`);
    }
    const orth = new _Orthogonal(weight, map, { useTrivialization: o.useTrivialization });
    registerParametrization(module, name, orth, { unsafe: true });
    return module;
  },
  { group: "nn.utils.parametrizations", key: "nn.utils.parametrizations.orthogonal" },
);

// ---- spectral norm ----------------------------------------------------------------------

/** The spectral-norm parametrization (PyTorch's _SpectralNorm): see spectralNorm(). */
export class _SpectralNorm extends Module {
  declare _u: Tensor;
  declare _v: Tensor;
  readonly dim: number;
  readonly eps: number;
  nPowerIterations = 1;

  constructor(weight: Tensor, nPowerIterations = 1, dim = 0, eps = 1e-12) {
    super();
    const ndim = weight.ndim;
    if (dim >= ndim || dim < -ndim) throw new IndexError(`spectralNorm(): Dimension out of range (expected to be in range of [${-ndim}, ${ndim - 1}] but got ${dim})`);
    if (nPowerIterations <= 0) throw new FluxionError(`spectralNorm(): Expected nPowerIterations to be positive, but got nPowerIterations=${nPowerIterations}`);
    this.dim = dim >= 0 ? dim : dim + ndim;
    this.eps = eps;
    if (ndim > 1) {
      this.nPowerIterations = nPowerIterations;
      const mat = this.reshapeWeightToMatrix(weight.detach());
      const [h, w] = mat.shape as [number, number];
      const create = { dtype: weight.dtype, device: weight.device };
      this.registerBuffer("_u", normalize(randn([h], create), 2, 0, this.eps));
      this.registerBuffer("_v", normalize(randn([w], create), 2, 0, this.eps));
      this.powerMethod(mat, 15);
    }
  }

  private reshapeWeightToMatrix(weight: Tensor): Tensor {
    if (this.dim !== 0) weight = weight.permute([this.dim, ...weight.shape.map((_, i) => i).filter((i) => i !== this.dim)]);
    return weight.flatten(1);
  }

  /** nIterations steps of the power method, in place in `_u` and `_v` (no gradient). */
  private powerMethod(mat: Tensor, nIterations: number): void {
    noGrad(() => {
      for (let i = 0; i < nIterations; i++) {
        this._u.copy_(normalize(mat.mv(this._v), 2, 0, this.eps));
        this._v.copy_(normalize(mat.t().mv(this._u), 2, 0, this.eps));
      }
    });
  }

  forward(weight: Tensor): Tensor {
    if (weight.ndim === 1) return normalize(weight, 2, 0, this.eps);
    const mat = this.reshapeWeightToMatrix(weight);
    if (this.training) this.powerMethod(mat, this.nPowerIterations);
    const u = this._u.clone(), v = this._v.clone();
    const sigma = u.dot(mat.mv(v));
    return weight.div(sigma);
  }

  rightInverse(value: Tensor): Tensor {
    return value;
  }
}

/**
 * Divides `module[name]` by its spectral norm (largest singular value), estimated by power
 * iteration (PyTorch's nn.utils.parametrizations.spectral_norm): the vectors are the buffers
 * `parametrizations.<name>.0._u` and `_v`, initialised randomly and refined by 15 steps at
 * registration, then advanced `nPowerIterations` steps by every read in training mode (none
 * in eval mode). `dim` is the output dim (default 0; 1 for ConvTranspose). Returns the module.
 * @example const d = nn.utils.parametrizations.spectralNorm(new nn.Linear(20, 40));
 */
interface SpectralNormOptions {
  nPowerIterations?: number;
  eps?: number;
  dim?: number | null;
}
/** spectralNorm's call forms, each returning the module it was given (its own type kept). */
export interface SpectralNormFn {
  <M extends Module>(module: M, opts?: SpectralNormOptions & { name?: string }): Parametrized<M>;
  <M extends Module>(module: M, name: string, nPowerIterations?: number | SpectralNormOptions, eps?: number | SpectralNormOptions, dim?: number | null | SpectralNormOptions): Parametrized<M>;
}
export const spectralNorm: SpectralNormFn = defineOp(
  'spectralNorm(Module module, str name="weight", int nPowerIterations=1, float eps=1e-12, int? dim=null) -> Module',
  (module: Module, name: string, nPowerIterations: number, eps: number, dim: number | null): Module => {
    const weight = tensorOf("spectralNorm", module, name);
    const d = dim ?? (module instanceof ConvTranspose1d || module instanceof ConvTranspose2d || module instanceof ConvTranspose3d ? 1 : 0);
    registerParametrization(module, name, new _SpectralNorm(weight, nPowerIterations, d, eps));
    return module;
  },
  { group: "nn.utils.parametrizations", key: "nn.utils.parametrizations.spectralNorm" },
);

// ---- weight norm ------------------------------------------------------------------------

/** The weight-norm parametrization (PyTorch 2.1's _WeightNorm): weight = v * g / ||v||, the norm over every dim but `dim`. */
export class _WeightNorm extends Module {
  readonly dim: number;
  constructor(dim: number | null = 0) {
    super();
    this.dim = dim ?? -1;
  }

  forward(weightG: Tensor, weightV: Tensor): Tensor {
    return weightV.mul(weightG.div(normExceptDim(weightV, this.dim)));
  }

  rightInverse(weight: Tensor): [Tensor, Tensor] {
    return [normExceptDim(weight, this.dim), weight];
  }
}

/**
 * Reparameterizes `module[name]` as g * v / ||v|| (PyTorch 2.1's
 * nn.utils.parametrizations.weight_norm): g (the norm over every dim but `dim`, kept as
 * size 1) is `parametrizations.<name>.original0`, v (the direction) `original1`. `dim` null
 * (or -1) takes one norm over the whole tensor. Returns the module.
 * @example const m = nn.utils.parametrizations.weightNorm(new nn.Linear(20, 40)); m.parametrizations.weight.original0.shape // [40, 1]
 */
/** weightNorm's call forms, each returning the module it was given (its own type kept). */
export interface WeightNormFn {
  <M extends Module>(module: M, opts?: { name?: string; dim?: number | null }): Parametrized<M>;
  <M extends Module>(module: M, name: string, dim?: number | null | { dim?: number | null }): Parametrized<M>;
}
export const weightNorm: WeightNormFn = defineOp(
  'weightNorm(Module module, str name="weight", int? dim=0) -> Module',
  (module: Module, name: string, dim: number | null): Module => {
    const weight = tensorOf("weightNorm", module, name);
    let d = dim ?? -1;
    if (d !== -1) {
      if (d < -weight.ndim || d >= weight.ndim) throw new IndexError(`weightNorm(): Dimension out of range (expected to be in range of [${-weight.ndim}, ${weight.ndim - 1}], but got ${dim})`);
      if (d < 0) d += weight.ndim;
    }
    registerParametrization(module, name, new _WeightNorm(d), { unsafe: true });
    return module;
  },
  { group: "nn.utils.parametrizations", key: "nn.utils.parametrizations.weightNorm" },
);

markBuiltInModules([_Orthogonal, _SpectralNorm, _WeightNorm]);
