/**
 * Classical ML and data preprocessing with plain tensors, translated line by line from
 * test/fixtures/translations/classical_ml.py (-> classical_ml.json, PyTorch 1.13): missing
 * values (isnan, nanmean, nansum, nanmedian, nanquantile, nanToNum, where imputation),
 * standardization, PCA through linalg.svd with sklearn's sign flip, k-means (cdist, argmin,
 * indexAdd_, scatterAdd_, bincount(minlength), where for an empty cluster, oneHot / scatter_),
 * k-nearest neighbours (topk(largest=false), gather, advanced indexing, mode, bincount and
 * one-hot votes, a confusion matrix through bincount), closed-form linear regression (solve,
 * lstsq, ridge; linalg.norm with ord and dim), logsumexp, histc / bucketize / searchsorted,
 * quantile and median, unique, stable sorts, scans, tril/triuIndices, meshgrid, masks and
 * assignment through indices, einsum, dtype promotion, integer floor division / remainder /
 * fmod with negatives, and the errors a user meets. Every result's values, shape and dtype
 * are compared; where Fluxion's documented default integer dtype (int32) stands for
 * PyTorch's int64 the check says so.
 */
import { beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { FluxionError, nn, Tensor } from "../../src/index.js";
import { assertTensor, det, detLabels, loadFixture, type Enc } from "./common.js";

const F = nn.functional;
const R = loadFixture("classical_ml.json");
const N = 48, D = 5, K = 3, C = 3;

/** Mismatches of the running test, reported together at its end (so one run lists them all). */
let fails: string[] = [];
/** Shape, values and dtype against the fixture; `dtype` overrides PyTorch's where Fluxion documents another. */
function chk(t: Tensor, e: Enc, name: string, opts: { atol?: number; rtol?: number; dtype?: string } = {}): void {
  try {
    assert.equal(t.dtype, opts.dtype ?? e.dtype, `${name}: dtype ${t.dtype} vs PyTorch ${e.dtype}`);
    assertTensor(t, e, { atol: opts.atol ?? 1e-5, rtol: opts.rtol ?? 1e-5, msg: name });
  } catch (err) {
    fails.push(`${name}: ${(err as Error).message.split("\n")[0]}`);
  }
}
beforeEach(() => {
  fails = [];
});
function done(): void {
  const f = fails;
  fails = [];
  assert.deepEqual(f, []);
}
const I32 = { dtype: "int32" };
// shared by the tests below, in the Python program's order
let Z: Tensor, y: Tensor, missing: Tensor, proj: Tensor, P: Tensor, assign: Tensor; // Fluxion's default integer dtype for returned indices (README: Integer dtypes)

test("classical ML: missing values, standardization and PCA match PyTorch", () => {
  // ---- raw data with missing values
  const X = det([N, D], 500, 2.0);
  X.indexPut_([":", 1], X.index(":", 1).mul(10).add(3));
  y = detLabels(N, 510, C).long(); // det_labels gives int64 in PyTorch
  missing = det([N, D], 520).gt(0.7);
  const XRaw = X.clone();
  XRaw.indexPut_([missing], NaN);
  chk(torch.isnan(XRaw).sum(), R.n_missing, "n_missing");
  chk(torch.nanmean(XRaw, { dim: 0 }), R.col_nanmean, "col_nanmean");
  chk(torch.nansum(XRaw, { dim: 0 }), R.col_nansum, "col_nansum", { atol: 1e-4 });
  const med = XRaw.nanmedian({ dim: 0 });
  chk(med.values, R.nanmedian_v, "nanmedian values");
  chk(med.indices, R.nanmedian_i, "nanmedian indices", I32);
  chk(torch.nanquantile(XRaw, torch.tensor([0.25, 0.5, 0.75]), { dim: 0 }), R.nanquantile, "nanquantile", { atol: 1e-4 });
  chk(torch.nanquantile(XRaw, 0.5), R.nanquantile_all, "nanquantile all");
  chk(XRaw.nanmean(), R.nanmean_all, "nanmean all");
  const colNanmean = torch.nanmean(XRaw, { dim: 0 });
  const XImp = torch.where(torch.isnan(XRaw), colNanmean.expandAs(XRaw), XRaw);
  chk(XImp, R.X_imp, "X_imp");
  const XInf = XRaw.clone();
  XInf.indexPut_([0, 0], Infinity);
  XInf.indexPut_([1, 0], -Infinity);
  chk(torch.nanToNum(XInf, { nan: 0.0, posinf: 1e6, neginf: -1e6 }).index(":4"), R.nan_to_num, "nan_to_num");
  chk(torch.nanToNum(XInf.index(":2")), R.nan_to_num_default, "nan_to_num default", { rtol: 1e-6 });
  const rowHasNan = torch.isnan(XRaw).any({ dim: 1 });
  chk(rowHasNan.nonzero({ asTuple: true })[0]!, R.rows_nan, "rows_nan", I32);
  chk(torch.ones(1).mul(XRaw.index(rowHasNan.logicalNot()).shape[0]!), R.complete_rows, "complete rows");
  chk(torch.isnan(XRaw).sum({ dim: 0 }), R.isnan_sum_dim, "isnan sum dim");

  // ---- standardization
  const mu = XImp.mean({ dim: 0, keepdim: true });
  const sd = XImp.std({ dim: 0, keepdim: true, unbiased: false });
  Z = XImp.sub(mu).div(sd);
  chk(mu, R.mu, "mu");
  chk(sd, R.sd, "sd");
  chk(Z, R.Z, "Z");
  chk(XImp.std({ dim: 0, unbiased: true }), R.sd_unbiased, "sd unbiased");
  const [v, m] = torch.varMean(XImp, { dim: 0, unbiased: false });
  chk(v, R.var_mean[0], "var", { atol: 1e-3 });
  chk(m, R.var_mean[1], "mean");
  const mn = XImp.min({ dim: 0 }).values, mx = XImp.amax({ dim: 0 });
  chk(XImp.sub(mn).div(mx.sub(mn)), R.minmax, "minmax");
  torch.aminmax(XImp, { dim: 1 }).forEach((t, i) => chk(t, R.aminmax[i], `aminmax ${i}`));

  // ---- PCA
  let { U, S, Vh } = torch.linalg.svd(Z, { fullMatrices: false });
  const maxAbs = torch.argmax(Vh.abs(), { dim: 1 });
  const signs = torch.sign(Vh.index(torch.arange(Vh.shape[0]!), maxAbs));
  Vh = Vh.mul(signs.index(":", null));
  U = U.mul(signs);
  const explained = S.pow(2).div(N - 1);
  const ratio = explained.div(explained.sum());
  const cumRatio = torch.cumsum(ratio, { dim: 0 });
  const nComp = Number(torch.searchsorted(cumRatio, torch.tensor([0.8]), { right: true }).item()) + 1;
  proj = Z.matmul(Vh.index(`:${nComp}`).T);
  const recon = proj.matmul(Vh.index(`:${nComp}`));
  chk(S, R.S, "S", { atol: 1e-4 });
  chk(ratio, R.ratio, "ratio");
  chk(cumRatio, R.cum_ratio, "cum_ratio");
  assert.equal(nComp, R.n_comp);
  chk(proj, R.proj, "proj", { atol: 1e-4 });
  chk(U.index(":", `:${nComp}`).mul(S.index(`:${nComp}`)), R.U_scaled, "U * S", { atol: 1e-4 });
  chk(torch.linalg.norm(Z.sub(recon), { dim: 1 }), R.recon_err, "recon_err", { atol: 1e-4 });
  chk(torch.linalg.norm(Z.sub(recon)), R.recon_fro, "recon_fro", { atol: 1e-4 });
  const cov = Z.T.matmul(Z).div(N - 1);
  chk(torch.linalg.eigvalsh(cov).flip(0), R.eigvalsh, "eigvalsh", { atol: 1e-4 });
  chk(torch.einsum("ni,nj->ij", Z, Z).div(N - 1), R.cov_einsum, "cov einsum");
  done();
});

test("classical ML: k-means with an empty cluster and one-hot assignments match PyTorch", () => {
  P = proj.contiguous();
  let centroids = P.index(torch.tensor([0, 17, 33], { dtype: "int64" })).clone();
  centroids.indexPut_([2], 100.0); // a centroid no point is nearest to: its cluster stays empty at first
  let counts!: Tensor;
  for (let it = 0; it < 5; it++) {
    const d = torch.cdist(P, centroids);
    assign = d.argmin({ dim: 1 });
    const sums = torch.zeros(K, P.shape[1]!).indexAdd_(0, assign, P);
    const sums2 = torch.zeros(K, P.shape[1]!).scatterAdd_(0, assign.index(":", null).expand(-1, P.shape[1]!), P);
    counts = torch.bincount(assign, { minlength: K });
    const newC = sums.div(counts.clamp({ min: 1 }).index(":", null));
    if (it === 1) {
      centroids.indexPut_([2], P.index(d.min({ dim: 1 }).values.argmax())); // re-seed the empty cluster at the farthest point
    }
    centroids = torch.where(counts.gt(0).index(":", null), newC, centroids);
    const inertia = d.gather(1, assign.index(":", null)).pow(2).sum();
    const h = R.kmeans[it];
    chk(assign, h.assign, `kmeans ${it} assign`, I32);
    chk(counts, h.counts, `kmeans ${it} counts`);
    chk(centroids, h.centroids, `kmeans ${it} centroids`, { atol: 1e-4 });
    if (Math.abs(inertia.item() - h.inertia) > 1e-3) fails.push(`kmeans ${it} inertia ${inertia.item()} vs ${h.inertia}`);
    assert.equal(torch.allclose(sums, sums2), h.sums_equal);
  }
  const onehot = F.oneHot(assign, K);
  const onehot2 = torch.zeros(N, K).scatter_(1, assign.unsqueeze(1), 1.0);
  chk(onehot, R.onehot, "one_hot", I32); // of the labels' dtype: assign (argmin) is int32
  chk(onehot2, R.onehot_scatter, "one-hot via scatter_");
  chk(onehot.float().T.matmul(P).div(onehot.sum(0, { keepdim: true }).T), R.centroids_onehot, "centroids via one-hot", { atol: 1e-4 });
  chk(torch.repeatInterleave(torch.arange(K), counts), R.sorted_by_cluster, "repeat_interleave arange", I32);
  chk(torch.repeatInterleave(centroids, counts, { dim: 0 }).index("::7"), R.repeat_interleave_dim, "repeat_interleave dim", { atol: 1e-4 });
  chk(torch.zeros(K).scatterReduce(0, assign, P.index(":", 0), "amax", { includeSelf: false }), R.scatter_reduce_amax, "scatter_reduce amax", { atol: 1e-4 });
  done();
});

let f0: Tensor, ytr: Tensor, neigh: Tensor;

test("classical ML: k-nearest neighbours, votes, confusion matrix and a decision grid match PyTorch", () => {
  const order = torch.argsort(det([N], 530));
  const trIdx = order.index(":36"), teIdx = order.index("36:");
  const Xtr = Z.index(trIdx), Xte = Z.index(teIdx);
  ytr = y.index(trIdx);
  const yte = y.index(teIdx);
  const T = Xte.shape[0]!;
  const dist = torch.cdist(Xte, Xtr);
  const distE = torch.einsum("id,id->i", Xte, Xte).index(":", null)
    .sub(torch.einsum("id,jd->ij", Xte, Xtr).mul(2))
    .add(torch.einsum("jd,jd->j", Xtr, Xtr).index(null))
    .clamp({ min: 0 }).sqrt();
  chk(dist, R.dist, "cdist", { atol: 1e-4 });
  chk(distE, R.dist_einsum, "dist via einsum", { atol: 1e-4 });
  chk(torch.cdist(Xte.index(":3"), Xtr.index(":4"), { p: 1 }), R.cdist_p1, "cdist p=1", { atol: 1e-4 });
  const [knnD, knnI] = dist.topk(5, { dim: 1, largest: false });
  chk(knnD, R.knn_d, "knn_d", { atol: 1e-4 });
  chk(knnI, R.knn_i, "knn_i", I32);
  assert.equal(torch.equal(dist.gather(1, knnI), knnD), R.gather_eq);
  neigh = ytr.index(knnI);
  chk(neigh, R.neigh, "neigh");
  chk(torch.mode(neigh, { dim: 1 }).values, R.pred_mode, "mode");
  const votes = F.oneHot(neigh, C).sum(1);
  chk(votes, R.votes, "votes");
  chk(votes.argmax(1), R.pred_vote, "pred_vote", I32);
  chk(torch.bincount(neigh.index(0), { minlength: C }), R.pred_bincount_row0, "bincount row 0");
  const w = knnD.add(1e-8).reciprocal();
  const wv = torch.zeros(T, C).scatterAdd_(1, neigh, w);
  const pred = wv.argmax(1);
  chk(wv, R.wv, "weighted votes", { rtol: 1e-4 });
  chk(pred, R.pred, "pred", I32);
  chk(pred.eq(yte).float().mean(), R.acc, "acc");
  const cm = torch.bincount(yte.mul(C).add(pred), { minlength: C * C }).reshape(C, C);
  chk(cm, R.cm, "confusion matrix");
  chk(cm.diag().div(cm.sum(0).clamp({ min: 1 })), R.precision, "precision");
  chk(cm.diag().float().div(cm.sum(1)), R.recall, "recall");
  chk(torch.bincount(yte, { weights: knnD.index(":", 0), minlength: C }), R.bincount_weights, "bincount weights", { atol: 1e-4 });
  chk(torch.bincount(yte, { weights: knnD.index(":", 0).double() }), R.bincount_weights64, "bincount float64 weights", { atol: 1e-4 });

  // decision grid over the first two PCA components
  const gx = torch.linspace(-2, 2, 4), gy = torch.linspace(-1, 1, 3);
  const [GX, GY] = torch.meshgrid(gx, gy, { indexing: "ij" });
  const [HX, HY] = torch.meshgrid(gx, gy, { indexing: "xy" });
  chk(GX!, R.mesh_ij[0], "meshgrid ij x");
  chk(GY!, R.mesh_ij[1], "meshgrid ij y");
  chk(HX!, R.mesh_xy[0], "meshgrid xy x");
  chk(HY!, R.mesh_xy[1], "meshgrid xy y");
  const grid = torch.stack([GX!.reshape(-1), GY!.reshape(-1)], { dim: 1 });
  const gd = torch.cdist(grid, P.index(":", ":2").contiguous());
  chk(assign.index(gd.argmin(1)).reshape(GX!.shape), R.grid_pred, "grid_pred", I32);
  done();
});

test("classical ML: closed-form linear regression, norms and logsumexp match PyTorch", () => {
  const trueW = torch.tensor([0.5, -1.0, 2.0, 0.0, 0.25]);
  const target = Z.matmul(trueW).add(1.5).add(det([N], 540).mul(0.1));
  const Xb = torch.cat([torch.ones(N, 1), Z], { dim: 1 });
  const wNe = torch.linalg.solve(Xb.T.matmul(Xb), Xb.T.matmul(target));
  const wLs = torch.linalg.lstsq(Xb, target.unsqueeze(1)).solution.squeeze(1);
  const lam = 0.5;
  const I = torch.eye(D + 1);
  I.indexPut_([0, 0], 0);
  const wRidge = torch.linalg.solve(Xb.T.matmul(Xb).add(I.mul(lam)), Xb.T.matmul(target));
  const w64 = torch.linalg.solve(Xb.double().T.matmul(Xb.double()), Xb.double().T.matmul(target.double()));
  const resid = target.sub(Xb.matmul(wNe));
  const r2 = torch.tensor(1).sub(resid.pow(2).sum().div(target.sub(target.mean()).pow(2).sum()));
  chk(wNe, R.w_ne, "w normal equations", { atol: 1e-4 });
  chk(wLs, R.w_ls, "w lstsq", { atol: 1e-4 });
  chk(wRidge, R.w_ridge, "w ridge", { atol: 1e-4 });
  chk(w64, R.w64, "w float64", { atol: 1e-6 });
  chk(r2, R.r2, "r2");
  [1, 2, Infinity, -Infinity, 0, 3].forEach((o, i) => chk(torch.linalg.norm(wNe, { ord: o }), R.norms[i], `norm ord=${o}`, { atol: 1e-4 }));
  [1, 2, Infinity].forEach((o, i) => chk(torch.linalg.norm(Xb, { ord: o, dim: 1 }), R.row_norms[i], `row norm ord=${o}`, { atol: 1e-4 }));
  (["fro", "nuc", 1, -1, 2, Infinity] as const).forEach((o, i) => chk(torch.linalg.norm(Xb, { ord: o }), R.mat_norms[i], `matrix norm ord=${o}`, { atol: 1e-4 }));
  chk(torch.linalg.vectorNorm(Xb, { ord: 3, dim: 0 }), R.vector_norm, "vector_norm ord=3", { atol: 1e-4 });
  chk(torch.linalg.lstsq(Xb, torch.stack([target, target.mul(2)], 1)).solution, R.lstsq_multi, "lstsq two targets", { atol: 1e-4 });

  // multinomial scores -> log-probabilities via logsumexp
  const W = det([D, C], 550);
  const scores = Z.matmul(W);
  const logp = scores.sub(torch.logsumexp(scores, { dim: 1, keepdim: true }));
  chk(logp.index(":6"), R.logp, "logp");
  chk(logp.gather(1, y.index(":", null)).mean().neg(), R.nll, "nll");
  chk(torch.logsumexp(scores, { dim: [0, 1] }), R.logsumexp_all, "logsumexp all dims");
  const lseInf = torch.logsumexp(torch.tensor([[-Infinity, -Infinity], [0.0, -Infinity]]), { dim: 1 });
  chk(torch.isneginf(lseInf), R.logsumexp_inf[0], "logsumexp of -inf rows: isneginf");
  chk(lseInf.maskedFill(torch.isneginf(lseInf), 0.0), R.logsumexp_inf[1], "logsumexp of -inf rows");
  done();
});

test("classical ML: binning, quantiles and order statistics match PyTorch", () => {
  f0 = Z.index(":", 0).contiguous();
  chk(torch.histc(f0, { bins: 6, min: -2, max: 2 }), R.histc, "histc");
  chk(torch.histc(f0, { bins: 4 }), R.histc_auto, "histc min=max=0");
  const edges = torch.linspace(-2, 2, 7);
  const bLeft = torch.bucketize(f0, edges), bRight = torch.bucketize(f0, edges, { right: true });
  chk(bLeft, R.bucketize, "bucketize");
  chk(bRight, R.bucketize_right, "bucketize right");
  chk(torch.searchsorted(edges, f0, { right: true }), R.searchsorted_right, "searchsorted right");
  chk(torch.searchsorted(edges, torch.tensor([-2.0, 0.0, 2.0]), { side: "left" }), R.searchsorted_side, "searchsorted side");
  chk(torch.searchsorted(edges, f0.index(":5"), { outInt32: true }), R.searchsorted_int32, "searchsorted out_int32");
  chk(torch.bincount(bRight.sub(1).clamp(0, 5), { minlength: 6 }), R.bucket_counts, "bucket counts");
  const fineEdges = torch.arange(-2.5, 2.5, 0.37);
  chk(fineEdges, R.arange_edges, "arange edges", { atol: 0, rtol: 0 });
  chk(torch.bucketize(f0, fineEdges), R.bucketize_arange, "bucketize against arange edges");
  chk(torch.bucketize(0.25, fineEdges), R.bucketize_scalar, "bucketize of a scalar");
  const qs = torch.quantile(f0, torch.linspace(0, 1, 5));
  chk(qs, R.quantiles, "quantiles");
  chk(torch.quantile(Z, 0.9, { dim: 0, keepdim: true }), R.quantile_dim, "quantile dim");
  (["linear", "lower", "higher", "midpoint", "nearest"] as const).forEach((m, i) =>
    chk(torch.quantile(f0, 0.3, { interpolation: m }), R.quantile_modes[i], `quantile ${m}`));
  chk(torch.bucketize(f0, qs.index("1:-1")), R.qbins, "quantile bins");
  chk(f0.median(), R.median, "median");
  chk(torch.tensor([1.0, 4.0, 2.0, 3.0]).median(), R.median_even, "median of an even count");
  const md = Z.median({ dim: 0 });
  chk(md.values, R.median_dim[0], "median dim values");
  chk(md.indices, R.median_dim[1], "median dim indices", I32);
  const kv = torch.kthvalue(Z, 3, { dim: 0 });
  chk(kv.values, R.kthvalue[0], "kthvalue values");
  chk(kv.indices, R.kthvalue[1], "kthvalue indices", I32);
  done();
});

test("classical ML: unique, stable sorts, scans, roll/flip and tril/triu indices match PyTorch", () => {
  const [u, inv, cnt] = torch.unique(neigh, { sorted: true, returnInverse: true, returnCounts: true });
  chk(u, R.unique, "unique");
  chk(inv, R.unique_inv, "unique inverse", I32);
  chk(cnt, R.unique_cnt, "unique counts", I32); // unique's inverse and counts are int32 (UniqueResult)
  const pairs = torch.stack([ytr.index(":12"), ytr.index("12:24")], { dim: 1 });
  const [ur, urInv, urCnt] = torch.unique(pairs, { dim: 0, returnInverse: true, returnCounts: true });
  chk(ur, R.unique_rows, "unique rows");
  chk(urInv, R.unique_rows_inv, "unique rows inverse", I32);
  chk(urCnt, R.unique_rows_cnt, "unique rows counts", I32);
  torch.uniqueConsecutive(torch.sort(y).values, { returnCounts: true }).forEach((t, i) => chk(t, R.unique_consecutive[i], `unique_consecutive ${i}`, i === 1 ? I32 : {}));
  let [sv, si] = torch.sort(y, { stable: true });
  chk(sv, R.sort_stable[0], "sort stable values");
  chk(si, R.sort_stable[1], "sort stable indices", I32);
  [sv, si] = torch.sort(y, { descending: true, stable: true });
  chk(sv, R.sort_desc_stable[0], "sort desc stable values");
  chk(si, R.sort_desc_stable[1], "sort desc stable indices", I32);
  // f0 has ties (the imputed entries): an unstable sort orders them as its introsort happens to,
  // so the values it gathers are compared; the stable forms are compared as indices
  chk(f0.index(torch.argsort(f0, { descending: true })), R.argsort_desc, "argsort desc");
  chk(torch.argsort(y, { stable: true }), R.argsort_stable, "argsort stable", I32);
  chk(torch.argsort(torch.argsort(f0, { stable: true }), { stable: true }), R.rank, "rank", I32);
  chk(torch.cumsum(y, { dim: 0 }), R.cumsum_int, "cumsum int64");
  chk(torch.cumsum(missing, { dim: 0 }).index(-1), R.cumsum_bool, "cumsum bool");
  chk(torch.cumprod(Z.index(":6").mul(0.1).add(1), { dim: 0 }), R.cumprod, "cumprod");
  let [cv, ci] = torch.cummax(f0, { dim: 0 });
  chk(cv, R.cummax[0], "cummax values");
  chk(ci, R.cummax[1], "cummax indices", I32);
  [cv, ci] = torch.cummin(P.index(":8"), { dim: 1 });
  chk(cv, R.cummin[0], "cummin values");
  chk(ci, R.cummin[1], "cummin indices", I32);
  chk(torch.diff(f0.index(":8")), R.diff, "diff");
  chk(torch.diff(Z.index(":4"), { n: 2, dim: 0 }), R.diff_n2, "diff n=2");
  chk(torch.diff(y.index(":6"), { prepend: torch.tensor([0], { dtype: "int64" }), append: y.index(":1") }), R.diff_prepend, "diff prepend/append");
  chk(torch.roll(Z.index(":4"), { shifts: [1, -2], dims: [0, 1] }), R.roll, "roll");
  chk(torch.roll(y.index(":6"), 2), R.roll_flat, "roll flat");
  chk(torch.flip(Z.index(":3"), { dims: [0, 1] }), R.flip, "flip");
  chk(torch.fliplr(Z.index(":2")), R.fliplr, "fliplr");

  const Dm = torch.cdist(P.index(":6"), P.index(":6"));
  const iu = torch.triuIndices(6, 6, { offset: 1 });
  const il = torch.trilIndices(4, 3, -1);
  chk(iu, R.triu_indices, "triu_indices");
  chk(il, R.tril_indices, "tril_indices");
  chk(Dm.index(iu.index(0), iu.index(1)), R.pdist, "pdist via triu_indices", { atol: 1e-4 });
  chk(F.pdist(P.index(":6")), R.pdist_torch, "F.pdist", { atol: 1e-4 });
  done();
});

test("classical ML: masks, nonzero and assignment through indices match PyTorch", () => {
  const Zc = Z.clone();
  Zc.indexPut_([Zc.abs().gt(1.5)], torch.sign(Zc.index(Zc.abs().gt(1.5))).mul(1.5));
  chk(Zc, R.clipped, "clipped through a mask");
  chk(torch.maskedSelect(Z.index(":6"), Z.index(":6").gt(0.5)), R.masked_select, "masked_select");
  chk(torch.maskedSelect(Z.index(":3"), torch.tensor([true, false, true, false, true])), R.masked_select_bcast, "masked_select broadcast mask");
  chk(torch.nonzero(Z.index(":5").gt(1)), R.nonzero, "nonzero", I32);
  const [rows, cols] = Z.index(":5").gt(1).nonzero({ asTuple: true });
  chk(rows!, R.nonzero_tuple[0], "nonzero rows", I32);
  chk(cols!, R.nonzero_tuple[1], "nonzero cols", I32);
  chk(torch.argwhere(y.index(":10").eq(1)), R.argwhere, "argwhere", I32);
  const hist = torch.zeros(C, { dtype: torch.long });
  hist.indexPut_([y.index(":10")], hist.index(y.index(":10")).add(1)); // hist[y[:10]] += 1: each position written once
  chk(hist, R.idx_add_dup, "x[idx] += 1 with repeats");
  const hist2 = torch.zeros(C, { dtype: torch.long });
  hist2.indexPut_([y.index(":10")], torch.tensor(1, { dtype: "int64" }), { accumulate: true });
  chk(hist2, R.index_put_acc, "index_put_ accumulate");
  const hist3 = torch.zeros(C);
  hist3.indexPut_([y.index(":10")], torch.ones(10), { accumulate: true });
  chk(hist3, R.index_put_acc_f, "index_put_ accumulate float");
  const M = torch.zeros(4, 4);
  M.indexPut_([[0, 1, 2], [1, 2, 3]], torch.tensor([1.0, 2.0, 3.0]));
  M.indexPut_([torch.tensor([3], { dtype: "int64" }), ":2"], 7);
  const cmask = torch.tensor([true, false, false, true]);
  M.indexPut_([":", cmask], M.index(":", cmask).add(0.5));
  chk(M, R.M, "M");
  chk(Z.index([0, 2, 4]).index(":", [1, 3]), R.fancy, "Z[[0, 2, 4]][:, [1, 3]]");
  chk(Z.index(torch.tensor([[0, 1], [2, 3]], { dtype: "int64" }), torch.tensor([[1, 2], [3, 4]], { dtype: "int64" })), R.fancy_pair, "2-D index pair");
  chk(Z.index("1:5", [0, 4]), R.index_mix, "Z[1:5, [0, 4]]");
  chk(Z.index([[0, 2], [1, 3]]), R.list_of_lists, "Z[[[0, 2], [1, 3]]] (a tuple, as in PyTorch)");
  chk(torch.takeAlongDim(Z.index(":4"), torch.argsort(Z.index(":4"), { dim: 1 }), { dim: 1 }), R.take_along, "take_along_dim");
  done();
});

test("classical ML: einsum patterns match PyTorch", () => {
  const A = det([3, 4], 560), B = det([4, 5], 561);
  const Bt = det([2, 3, 4], 562);
  const cases: [string, Tensor[]][] = [
    ["ij,jk->ik", [A, B]], ["ij->ji", [A]], ["ii->i", [A.index(":", ":3")]], ["ii", [A.index(":", ":3")]],
    ["bij,jk->bik", [Bt, B]], ["i,j->ij", [A.index(0), B.index(0)]], ["ij,ij->", [A, A]],
    ["...j,jk->...k", [Bt, B]], ["bij->b", [Bt]], ["ij,kj->ik", [A, A]]];
  cases.forEach(([eq, ops], i) => chk(torch.einsum(eq, ...ops), R.einsum[i], `einsum ${eq}`));
  done();
});

test("classical ML: dtype promotion and integer floor division / remainder / fmod match PyTorch", () => {
  const yi = y.index(":6");
  const yf = f0.index(":6");
  const cases: Record<string, Tensor> = {
    int_plus_float: yi.add(yf), int_div_int: yi.div(2), int_true_div_tensor: yi.div(yi.add(1)),
    int_mul_float_scalar: yi.mul(1.5), bool_sum: yi.gt(0).sum(), bool_plus_int: yi.gt(0).add(yi),
    f32_plus_f64: yf.add(yf.double()), f32_plus_0d_f64: yf.add(torch.tensor(1.0, { dtype: torch.float64 })),
    int_plus_0d_f64: yi.add(torch.tensor(1.0, { dtype: torch.float64 })), int_plus_0d_int32: yi.add(torch.tensor(1, { dtype: torch.int32 })),
    int32_plus_int64: yi.int().add(yi), bool_mul_float: yi.gt(0).mul(2.5), mean_of_float_cast: yi.float().mean(),
    int_pow: yi.pow(2), int_pow_float: yi.pow(0.5), where_mixed: torch.where(yi.gt(0), yi, yf),
    where_scalar: torch.where(yi.gt(0), yi, 0),
    // JS has no 1.0 apart from 1 (where(c, 1.0, 0) would be int32, as PyTorch's where(c, 1, 0) is an integer):
    // a float scalar is written as a 0-d float tensor
    where_scalar_f: torch.where(yi.gt(0), torch.tensor(1.0), 0),
    clamp_int: yi.clamp({ min: 1 }), bool_any_int: yi.bool().int(), sum_int32: yi.int().sum(),
    int_max: yi.max(), abs_neg_int: yi.neg().abs(),
  };
  for (const [k, t] of Object.entries(cases)) chk(t, R.promotion[k], `promotion ${k}`);

  const a = torch.tensor([-7, 7, -7, 7, 0, -1], { dtype: "int64" });
  const b = torch.tensor([2, -2, -2, 2, 3, 5], { dtype: "int64" });
  const af = a.float(), bf = b.float();
  const intdiv: Record<string, Tensor> = {
    floor_divide: torch.floorDivide(a, b), floordiv_op: a.floorDivide(b), mod_op: a.remainder(b),
    remainder: torch.remainder(a, b), fmod: torch.fmod(a, b), div_trunc: torch.div(a, b, { roundingMode: "trunc" }),
    div_floor: torch.div(a, b, { roundingMode: "floor" }), true_div: a.div(b),
    floordiv_f: af.floorDivide(bf), mod_f: af.remainder(bf), fmod_f: torch.fmod(af, bf),
    mod_scalar: a.remainder(3), mod_neg_scalar: a.remainder(-3), fmod_scalar: torch.fmod(a, -3),
    floordiv_scalar: a.floorDivide(4), rfloordiv: torch.floorDivide(10, b), rmod: torch.remainder(10, b), mod_float_scalar: a.remainder(2.5),
    fmod_float_neg: torch.fmod(af, -2.5), remainder_int32: torch.remainder(a.int(), b.int()),
    floordiv_int32: a.int().floorDivide(b.int()),
  };
  for (const [k, t] of Object.entries(intdiv)) chk(t, R.intdiv[k], `intdiv ${k}`);
  done();
});

test("classical ML: the errors a user meets are FluxionErrors naming the op", () => {
  const errors: Record<string, () => unknown> = {
    bincount_negative: () => torch.bincount(torch.tensor([0, -1, 2], { dtype: "int64" })),
    bincount_float: () => torch.bincount(torch.tensor([0.0, 1.0])),
    bincount_2d: () => torch.bincount(torch.zeros(2, 2, { dtype: torch.long })),
    one_hot_too_small: () => F.oneHot(torch.tensor([0, 3], { dtype: "int64" }), 3),
    one_hot_float: () => F.oneHot(torch.tensor([0.0, 1.0]), 3),
    cdist_dims: () => torch.cdist(torch.zeros(3, 4), torch.zeros(2, 5)),
    int_div_zero: () => torch.tensor([1, 2], { dtype: "int64" }).floorDivide(torch.tensor([1, 0], { dtype: "int64" })),
    int_mod_zero: () => torch.tensor([1, 2], { dtype: "int64" }).remainder(torch.tensor([1, 0], { dtype: "int64" })),
    quantile_q_range: () => torch.quantile(torch.ones(3), 1.5),
    quantile_int: () => torch.quantile(torch.tensor([1, 2, 3], { dtype: "int64" }), 0.5),
    solve_shapes: () => torch.linalg.solve(torch.eye(3), torch.ones(4)),
    gather_oob: () => torch.zeros(2, 3).gather(1, torch.tensor([[0], [3]], { dtype: "int64" })),
    index_add_dtype: () => torch.zeros(3, { dtype: torch.long }).indexAdd_(0, torch.tensor([0], { dtype: "int64" }), torch.ones(1)),
    scatter_add_dtype: () => torch.zeros(3).scatterAdd_(0, torch.tensor([0], { dtype: "int64" }), torch.ones(1, { dtype: torch.float64 })),
    topk_too_big: () => torch.zeros(4).topk(5),
    mask_shape: () => torch.zeros(3, 4).index(torch.ones(4, { dtype: torch.bool })),
    searchsorted_dims: () => torch.searchsorted(torch.zeros(2, 3), torch.zeros(3, 2)),
    repeat_interleave_len: () => torch.repeatInterleave(torch.arange(3), torch.tensor([1, 2], { dtype: "int64" })),
    histc_int: () => torch.histc(torch.tensor([1, 2, 3], { dtype: "int64" }), { bins: 3 }),
    meshgrid_indexing: () => torch.meshgrid(torch.zeros(2), { indexing: "ji" as "ij" }),
    std_int: () => torch.tensor([1, 2, 3], { dtype: "int64" }).std(),
  };
  const got: Record<string, string | null> = {};
  for (const [k, fn] of Object.entries(errors)) {
    try {
      fn();
      got[k] = null;
    } catch (e) {
      got[k] = `${(e as Error).constructor.name}${e instanceof FluxionError ? "" : " (not a FluxionError)"}: ${(e as Error).message}`;
    }
  }
  // PyTorch's own words (R.errors) where Fluxion keeps them, plus the op, shapes and dtypes
  const expected: Record<string, RegExp> = {
    bincount_negative: /^FluxionError: bincount: only supports 1-d non-negative integral inputs, got a negative value -1/,
    bincount_float: /^DTypeError: bincount: .*float32 tensor of shape \[2\]/,
    bincount_2d: /^DTypeError: bincount: only supports 1-d .*shape \[2, 2\]/,
    one_hot_too_small: /^IndexError: oneHot: class values must be .*smaller than numClasses \(3\), got 3/,
    one_hot_float: /^DTypeError: oneHot: expected labels to be an int64 or int32 tensor, got float32/,
    cdist_dims: /^ShapeError: cdist: X1 and X2 must have the same number of columns. X1: 4 X2: 5/,
    int_div_zero: /^FluxionError: floorDivide: ZeroDivisionError/,
    int_mod_zero: /^FluxionError: remainder: ZeroDivisionError/,
    quantile_q_range: /quantile\(\) q must be in the range \[0, 1\] but got 1.5/,
    quantile_int: /^DTypeError: quantile: quantile\(\) input tensor must be either float or double dtype \(got int64/,
    solve_shapes: /^ShapeError: linalg.solve: Incompatible shapes of A and B for the equation AX = B \(3x3 and 4x1\)/,
    gather_oob: /^IndexError: gather: index 3 is out of bounds for dimension 1 with size 3/,
    index_add_dtype: /^DTypeError: .*indexAdd: expected self and source to have the same dtype, but got self int64 and source float32/,
    scatter_add_dtype: /^DTypeError: .*scatterAdd: expected self and src to have the same dtype, but got self float32 and src float64/,
    topk_too_big: /^IndexError: topk: selected index k out of range \(k = 5, size of dim 0 = 4/,
    mask_shape: /^IndexError: index: the shape of the mask \[4\] at index 0 does not match the shape of the indexed tensor \[3, 4\] at index 0/,
    searchsorted_dims: /^ShapeError: searchsorted: boundaries tensor should be 1 dimension .* boundaries tensor \[2, 3\] and input value tensor \[3, 2\]/,
    repeat_interleave_len: /^ShapeError: repeatInterleave: repeats must have the same size as input along dim/,
    histc_int: /^DTypeError: histc: expected a floating point input, got int64/,
    meshgrid_indexing: /^ArgumentError: meshgrid\(\).*option 'indexing' must be "ij" or "xy"/s,
    std_int: /^DTypeError: .*expected a floating point tensor, got int64/,
  };
  assert.deepEqual(Object.keys(got).sort(), Object.keys(R.errors).sort());
  for (const [k, msg] of Object.entries(got)) {
    assert.ok(R.errors[k] !== null, `PyTorch raises for ${k}`);
    assert.match(msg ?? "(no error)", expected[k]!, `${k}: PyTorch says ${R.errors[k]}`);
  }
});
