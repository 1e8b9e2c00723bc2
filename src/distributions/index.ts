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
export * as transforms from "./transforms.js";
// torch.distributions re-exports the transforms at the top level too
export { Transform, ExpTransform, SigmoidTransform, TanhTransform, AffineTransform, ComposeTransform } from "./transforms.js";
export { klDivergence, registerKl } from "./kl.js";
// torch.distributions.kl, for `from torch.distributions.kl import kl_divergence`
export * as kl from "./kl.js";
