/**
 * torch.distributions as `distributions`: probability distributions with sampling
 * (reparameterized where PyTorch has rsample), log-densities, entropies and KL divergences,
 * built from tensor ops so autograd, devices and compile() see them as any other computation.
 * See docs/distributions.md.
 */
export { Distribution, NotImplementedDistributionError, type DistributionOptions } from "./distribution.js";
export * as constraints from "./constraints.js";
export { Normal } from "./normal.js";
export { HalfNormal } from "./half_normal.js";
export { StudentT } from "./student_t.js";
export { Uniform } from "./uniform.js";
export { Bernoulli } from "./bernoulli.js";
export { Categorical } from "./categorical.js";
export { OneHotCategorical } from "./one_hot_categorical.js";
export { Exponential } from "./exponential.js";
export { Laplace } from "./laplace.js";
export { LogNormal } from "./log_normal.js";
export { Cauchy } from "./cauchy.js";
export { Gumbel } from "./gumbel.js";
export { Poisson } from "./poisson.js";
export { Geometric } from "./geometric.js";
export { Binomial } from "./binomial.js";
export { Gamma } from "./gamma.js";
export { Chi2 } from "./chi2.js";
export { Beta } from "./beta.js";
export { Dirichlet } from "./dirichlet.js";
export { MultivariateNormal } from "./multivariate_normal.js";
export { Independent } from "./independent.js";
export { TransformedDistribution } from "./transformed_distribution.js";
export * as transforms from "./transforms_all.js";
// torch.distributions re-exports the transforms at the top level too
export { Transform, ExpTransform, SigmoidTransform, TanhTransform, AffineTransform, ComposeTransform } from "./transforms.js";
export { klDivergence, registerKl } from "./kl.js";
// torch.distributions.kl, for `from torch.distributions.kl import kl_divergence`
export * as kl from "./kl.js";
export { ExponentialFamily } from "./exp_family.js";
export { ContinuousBernoulli } from "./continuous_bernoulli.js";
export { MixtureSameFamily } from "./mixture_same_family.js";
export { Multinomial } from "./multinomial.js";
export { NegativeBinomial } from "./negative_binomial.js";
export { LogitRelaxedBernoulli, RelaxedBernoulli } from "./relaxed_bernoulli.js";
export { ExpRelaxedCategorical, RelaxedOneHotCategorical } from "./relaxed_categorical.js";
export { LowRankMultivariateNormal } from "./lowrank_multivariate_normal.js";
export { Weibull } from "./weibull.js";
export { Pareto } from "./pareto.js";
export { HalfCauchy } from "./half_cauchy.js";
export { Kumaraswamy } from "./kumaraswamy.js";
export { VonMises } from "./von_mises.js";
export { FisherSnedecor } from "./fisher_snedecor.js";
export { LogisticNormal } from "./logistic_normal.js";
export { OneHotCategoricalStraightThrough } from "./one_hot_straight_through.js";
export { LKJCholesky } from "./lkj_cholesky.js";
export { Wishart } from "./wishart.js";
export {
  PowerTransform, AbsTransform, SoftplusTransform, CumulativeDistributionTransform,
} from "./transforms_elementwise.js";
export {
  SoftmaxTransform, StickBreakingTransform, LowerCholeskyTransform, CorrCholeskyTransform, ReshapeTransform,
  IndependentTransform, CatTransform, StackTransform,
} from "./transforms_event.js";
// the KL pairs of the distributions above (registered on import)
import "./kl_more.js";
