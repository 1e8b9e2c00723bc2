/**
 * Fluxion's side of bench/survey.sh (bench/survey_torch.py is PyTorch's): ops and layers
 * nobody tuned for, at the sizes a user would run them, each the best of repeated calls
 * (forward + backward for the ".fb" cases), printed as one JSON object {case: microseconds}.
 * Usage: node --import tsx bench/survey.ts THREADS [case ...]
 */
import * as torch from "../src/index.js";
import { nn, setNumThreads, manualSeed, randn, randint, zeros, type Tensor } from "../src/index.js";
const F = nn.F;
setNumThreads(Number(process.argv[2] ?? 1)); manualSeed(0);
function timeit(f: () => unknown, budget = 600): number {
  for (let i = 0; i < 3; i++) f();
  let best = 1e9, n = 0; const end = performance.now() + budget;
  while (n < 5 || performance.now() < end) { const t0 = performance.now(); f(); best = Math.min(best, performance.now() - t0); n++; }
  return best * 1000;
}
function fb(layer: (...xs: Tensor[]) => unknown, ...shapes: number[][]) {
  const xs = shapes.map((s) => randn(s, { requiresGrad: true }));
  return () => { let out = layer(...xs) as Tensor | Tensor[]; if (Array.isArray(out)) out = out[0]!; (out as Tensor).sum().backward(); for (const x of xs) x.grad = null; };
}
const m = (mod: nn.Module) => (...xs: Tensor[]) => (mod as any).forward(...xs);
const C: Record<string, () => unknown> = {};
C["conv1d.fb"] = fb(m(new nn.Conv1d(64, 64, 3, { padding: 1 })), [32, 64, 128]);
C["dwconv.fb"] = fb(m(new nn.Conv2d(32, 32, 3, { padding: 1, groups: 32 })), [32, 32, 32, 32]);
C["convT.fb"] = fb(m(new nn.ConvTranspose2d(64, 32, 4, { stride: 2, padding: 1 })), [16, 64, 16, 16]);
C["conv5x5s2.fb"] = fb(m(new nn.Conv2d(32, 64, 5, { stride: 2, padding: 2 })), [16, 32, 32, 32]);
C["up.nearest.fb"] = fb((x) => F.interpolate(x, { scaleFactor: 2, mode: "nearest" }), [16, 32, 32, 32]);
C["up.bilinear.fb"] = fb((x) => F.interpolate(x, { scaleFactor: 2, mode: "bilinear", alignCorners: false }), [16, 32, 32, 32]);
C["gru.fb"] = fb(m(new nn.GRU(64, 128)), [50, 32, 64]);
C["lstm2bi.fb"] = fb(m(new nn.LSTM(64, 128, { numLayers: 2, bidirectional: true })), [30, 16, 64]);
const mha = new nn.MultiheadAttention(128, 4, { batchFirst: true });
C["mha.fb"] = fb((x) => mha.forward(x, x, x, { needWeights: false }), [16, 64, 128]);
C["maxpool.fb"] = fb(m(new nn.MaxPool2d(2)), [32, 64, 32, 32]);
C["avgpool3s1.fb"] = fb(m(new nn.AvgPool2d(3, 1, 1)), [32, 64, 32, 32]);
C["adaptiveavg.fb"] = fb(m(new nn.AdaptiveAvgPool2d(1)), [32, 256, 16, 16]);
C["bn1d.fb"] = fb(m(new nn.BatchNorm1d(512)), [256, 512]);
C["groupnorm.fb"] = fb(m(new nn.GroupNorm(8, 64)), [32, 64, 32, 32]);
const emb = new nn.Embedding(10000, 128); const idx = randint(0, 10000, [64, 50]);
C["embedding.fb"] = () => { emb.forward(idx).sum().backward(); };
const a = randn([1024, 1024]), ia = randint(0, 1024, [1024, 1024]), mask = a.gt(0);
C["gather"] = () => torch.gather(a, 1, ia);
C["scatter_add"] = () => zeros([1024, 1024]).scatterAdd_(1, ia, a);
C["index_select"] = () => a.indexSelect(0, ia.index(0));
C["masked_fill"] = () => a.maskedFill(mask, 0);
C["where"] = () => torch.where(mask, a, a.neg());
C["cumsum"] = () => a.cumsum(1);
C["sort"] = () => a.sort(1);
C["topk"] = () => a.topk(10, 1);
C["argmax"] = () => a.argmax(1);
const b = randn([4096, 1024]);
C["mean.dim0"] = () => b.mean(0);
C["var.dim1"] = () => b.var(1);
C["norm"] = () => b.norm();
C["transpose.contig"] = () => a.t().contiguous();
const c4 = randn([32, 64, 32, 32]);
C["permute.contig"] = () => c4.permute(0, 2, 3, 1).contiguous();
C["cat"] = () => torch.cat([a, a, a], 1);
C["softmax.dim0"] = () => torch.softmax(a, 0);
C["logsumexp"] = () => torch.logsumexp(a, 1);
C["log_softmax.fb"] = fb((x) => F.logSoftmax(x, 1), [1024, 1024]);
C["pow2"] = () => a.pow(2);
C["clamp"] = () => a.clamp(-0.5, 0.5);
C["abs_sum_mixed"] = () => a.abs().mul(2).add(1).sum();
const s = randn([10]);
C["tiny100"] = () => { let t = s; for (let i = 0; i < 100; i++) t = t.add(1); return t; };
C["linear.small.fb"] = fb(m(new nn.Linear(128, 64)), [32, 128]);
C["bmm.fb"] = fb((p, q) => torch.bmm(p, q), [64, 32, 48], [64, 48, 32]);
C["layernorm.small.fb"] = fb(m(new nn.LayerNorm(64)), [128, 64]);
const drop = new nn.Dropout(0.1); drop.train();
C["dropout"] = () => drop.forward(a);
C["randn"] = () => randn([1024, 1024]);
C["arange_outer"] = () => torch.outer(torch.arange(1024).float(), torch.arange(1024).float());
C["mse.fb"] = fb((p) => F.mseLoss(p, torch.zerosLike(p)), [1024, 1024]);
const ce0 = zeros([4096], { dtype: "int64" });
C["ce.fb"] = fb((p) => F.crossEntropy(p, ce0), [4096, 100]);
const sel = process.argv.slice(3);
const out: Record<string, number> = {};
for (const [k, f] of Object.entries(C)) { if (sel.length && !sel.includes(k)) continue; try { out[k] = timeit(f); } catch (e) { console.error(k, (e as Error).message); } }
console.log(JSON.stringify(out));
