/**
 * A character-level GPT written from scratch as in Karpathy's nanoGPT, translated line by line
 * from test/fixtures/translations/nanogpt.py (-> nanogpt.json, PyTorch 1.13): a char
 * vocabulary with encode/decode, token + position Embeddings in an nn.ModuleDict, a
 * hand-written CausalSelfAttention (split, view/transpose to heads, the scaled q @ kᵀ,
 * maskedFill through a registerBuffer'd tril mask sliced to T, softmax, contiguous().view),
 * an MLP with GELU ("none" and "tanh"), nanoGPT's LayerNorm with an optional bias over
 * F.layerNorm, pre-norm Blocks in an nn.ModuleList, weight tying and its effect on
 * parameters()/namedParameters()/stateDict(), _initWeights through model.apply with
 * nn.init.normal_/zeros_ and the scaled c_proj init by name (checked by property, then LCG
 * values), configureOptimizers from namedModules x namedParameters, AdamW betas (0.9, 0.95),
 * getBatch by torch.stack of slices, F.crossEntropy with ignoreIndex -1, warmup + cosine lr
 * written into paramGroups by hand, gradient accumulation, clipGradNorm_'s total norm,
 * estimateLoss under noGrad with eval()/train(), generate() decorated with @torch.noGrad (crop to blockSize, temperature,
 * topk and the logits[logits < v[:, [-1]]] = -inf idiom, a deterministic sampler in place of
 * torch.multinomial, whose shape, dtype, support and errors are checked), getNumParams and
 * cropBlockSize; the newer configure_optimizers by p.dim(), train.py's resume (state dicts with
 * the '_orig_mod.' prefix stripped, optimizer.loadStateDict, a disabled GradScaler step) and
 * from_pretrained's copy of transposed weights into the state dict's (aliasing) tensors.
 * Typed containers (nn.ModuleDict<{...}>, nn.ModuleList<Block>) keep it free of casts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn, Tensor } from "../../src/index.js";
import { assertTensor, det, detLabels, initDeterministic, loadFixture } from "./common.js";

const F = nn.functional;
const FIX = loadFixture("nanogpt.json");

const text = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
  + "First Citizen:\nYou are all resolved rather to die than to famish?\n";
const chars = [...new Set(text)].sort();
const vocabSize = chars.length;
const stoi = new Map(chars.map((ch, i) => [ch, i]));
const itos = new Map(chars.map((ch, i) => [i, ch]));
const encode = (s: string): number[] => [...s].map((c) => stoi.get(c)!);
const decode = (l: number[]): string => l.map((i) => itos.get(i)!).join("");

const data = torch.tensor(encode(text), { dtype: torch.long });
const n = Math.trunc(0.9 * data.shape[0]!);
const trainData = data.index(`:${n}`);
const valData = data.index(`${n}:`);

interface GPTConfig {
  blockSize: number;
  vocabSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  dropout: number;
  bias: boolean;
  gelu: "none" | "tanh";
}

const gptConfig = (c: Partial<GPTConfig>): GPTConfig => ({ blockSize: 8, vocabSize: 50304, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0.0, bias: true, gelu: "none", ...c });

/** LayerNorm but with an optional bias. PyTorch doesn't support simply bias=False */
class LayerNorm extends nn.Module {
  weight: nn.Parameter;
  bias: nn.Parameter | null;
  constructor(ndim: number, bias: boolean) {
    super();
    this.weight = new nn.Parameter(torch.ones(ndim));
    this.bias = bias ? new nn.Parameter(torch.zeros(ndim)) : null;
  }

  forward(input: Tensor): Tensor {
    return F.layerNorm(input, this.weight.shape, this.weight, this.bias, 1e-5);
  }
}

class CausalSelfAttention extends nn.Module {
  c_attn: nn.Linear;
  c_proj: nn.Linear;
  attn_dropout: nn.Dropout;
  resid_dropout: nn.Dropout;
  n_head: number;
  n_embd: number;
  declare bias: Tensor;
  constructor(config: GPTConfig) {
    super();
    assert.ok(config.nEmbd % config.nHead === 0);
    this.c_attn = new nn.Linear(config.nEmbd, 3 * config.nEmbd, { bias: config.bias });
    this.c_proj = new nn.Linear(config.nEmbd, config.nEmbd, { bias: config.bias });
    this.attn_dropout = new nn.Dropout(config.dropout);
    this.resid_dropout = new nn.Dropout(config.dropout);
    this.n_head = config.nHead;
    this.n_embd = config.nEmbd;
    this.registerBuffer("bias", torch.tril(torch.ones(config.blockSize, config.blockSize))
      .view(1, 1, config.blockSize, config.blockSize));
  }

  forward(x: Tensor): Tensor {
    const [B, T, C] = x.size() as [number, number, number];
    let [q, k, v] = this.c_attn(x).split(this.n_embd, { dim: 2 }) as [Tensor, Tensor, Tensor];
    k = k.view(B, T, this.n_head, C / this.n_head).transpose(1, 2); // (B, nh, T, hs)
    q = q.view(B, T, this.n_head, C / this.n_head).transpose(1, 2);
    v = v.view(B, T, this.n_head, C / this.n_head).transpose(1, 2);
    let att = q.matmul(k.transpose(-2, -1)).mul(1.0 / Math.sqrt(k.size(-1)));
    att = att.maskedFill(this.bias.index(":", ":", `:${T}`, `:${T}`).eq(0), -Infinity);
    att = F.softmax(att, { dim: -1 });
    att = this.attn_dropout(att);
    let y = att.matmul(v); // (B, nh, T, T) x (B, nh, T, hs) -> (B, nh, T, hs)
    y = y.transpose(1, 2).contiguous().view(B, T, C);
    return this.resid_dropout(this.c_proj(y));
  }
}

class MLP extends nn.Module {
  c_fc: nn.Linear;
  gelu: nn.GELU;
  c_proj: nn.Linear;
  dropout: nn.Dropout;
  constructor(config: GPTConfig) {
    super();
    this.c_fc = new nn.Linear(config.nEmbd, 4 * config.nEmbd, { bias: config.bias });
    this.gelu = new nn.GELU({ approximate: config.gelu });
    this.c_proj = new nn.Linear(4 * config.nEmbd, config.nEmbd, { bias: config.bias });
    this.dropout = new nn.Dropout(config.dropout);
  }

  forward(x: Tensor): Tensor {
    return this.dropout(this.c_proj(this.gelu(this.c_fc(x))));
  }
}

class Block extends nn.Module {
  ln_1: LayerNorm;
  attn: CausalSelfAttention;
  ln_2: LayerNorm;
  mlp: MLP;
  constructor(config: GPTConfig) {
    super();
    this.ln_1 = new LayerNorm(config.nEmbd, config.bias);
    this.attn = new CausalSelfAttention(config);
    this.ln_2 = new LayerNorm(config.nEmbd, config.bias);
    this.mlp = new MLP(config);
  }

  forward(x: Tensor): Tensor {
    x = x.add(this.attn(this.ln_1(x)));
    x = x.add(this.mlp(this.ln_2(x)));
    return x;
  }
}

type Sampler = (probs: Tensor, step: number) => Tensor;

class GPT extends nn.Module {
  config: GPTConfig;
  transformer: nn.ModuleDict<{ wte: nn.Embedding; wpe: nn.Embedding; drop: nn.Dropout; h: nn.ModuleList<Block>; ln_f: LayerNorm }>;
  lm_head: nn.Linear;
  constructor(config: GPTConfig) {
    super();
    this.config = config;
    this.transformer = new nn.ModuleDict({
      wte: new nn.Embedding(config.vocabSize, config.nEmbd),
      wpe: new nn.Embedding(config.blockSize, config.nEmbd),
      drop: new nn.Dropout(config.dropout),
      h: new nn.ModuleList(Array.from({ length: config.nLayer }, () => new Block(config))),
      ln_f: new LayerNorm(config.nEmbd, config.bias),
    });
    this.lm_head = new nn.Linear(config.nEmbd, config.vocabSize, { bias: false });
    this.transformer.wte.weight = this.lm_head.weight; // https://paperswithcode.com/method/weight-tying
    this.apply((m) => this._initWeights(m));
    for (const [pn, p] of this.namedParameters()) {
      if (pn.endsWith("c_proj.weight")) nn.init.normal_(p, { mean: 0.0, std: 0.02 / Math.sqrt(2 * config.nLayer) });
    }
  }

  getNumParams(nonEmbedding = true): number {
    let nParams = this.parameters().reduce((s, p) => s + p.numel(), 0);
    if (nonEmbedding) nParams -= this.transformer.wpe.weight.numel();
    return nParams;
  }

  _initWeights(module: nn.Module): void {
    if (module instanceof nn.Linear) {
      nn.init.normal_(module.weight, { mean: 0.0, std: 0.02 });
      if (module.bias !== null) nn.init.zeros_(module.bias);
    } else if (module instanceof nn.Embedding) {
      nn.init.normal_(module.weight, { mean: 0.0, std: 0.02 });
    }
  }

  forward(idx: Tensor, targets: Tensor | null = null): [Tensor, Tensor | null] {
    const device = idx.device;
    const [, t] = idx.size() as [number, number]; // b, t = idx.size()
    if (!(t <= this.config.blockSize)) throw new Error(`Cannot forward sequence of length ${t}, block size is only ${this.config.blockSize}`);
    const pos = torch.arange(0, t, { dtype: torch.long, device }); // shape (t)
    const tokEmb = this.transformer.wte(idx); // (b, t, n_embd)
    const posEmb = this.transformer.wpe(pos); // (t, n_embd)
    let x = this.transformer.drop(tokEmb.add(posEmb));
    for (const block of this.transformer.h) x = block(x);
    x = this.transformer.ln_f(x);
    let logits: Tensor, loss: Tensor | null;
    if (targets !== null) {
      logits = this.lm_head(x);
      loss = F.crossEntropy(logits.view(-1, logits.size(-1)), targets.view(-1), { ignoreIndex: -1 });
    } else {
      logits = this.lm_head(x.index(":", [-1], ":")); // note: using list [-1] to preserve the time dim
      loss = null;
    }
    return [logits, loss];
  }

  cropBlockSize(blockSize: number): void {
    assert.ok(blockSize <= this.config.blockSize);
    this.config.blockSize = blockSize;
    this.transformer.wpe.weight = new nn.Parameter(this.transformer.wpe.weight.index(`:${blockSize}`));
    for (const block of this.transformer.h) {
      if ("bias" in block.attn) block.attn.bias = block.attn.bias.index(":", ":", `:${blockSize}`, `:${blockSize}`);
    }
  }

  configureOptimizers(weightDecay: number, learningRate: number, betas: [number, number]): [torch.optim.AdamW, string[], string[]] {
    const decay = new Set<string>();
    const noDecay = new Set<string>();
    const whitelistWeightModules = [nn.Linear];
    const blacklistWeightModules = [nn.LayerNorm, LayerNorm, nn.Embedding];
    for (const [mn, m] of this.namedModules()) {
      for (const [pn] of m.namedParameters()) {
        const fpn = mn ? `${mn}.${pn}` : pn; // full param name
        if (pn.endsWith("bias")) noDecay.add(fpn);
        else if (pn.endsWith("weight") && whitelistWeightModules.some((c) => m instanceof c)) decay.add(fpn);
        else if (pn.endsWith("weight") && blacklistWeightModules.some((c) => m instanceof c)) noDecay.add(fpn);
      }
    }
    // lm_head.weight is tied to wte.weight: namedParameters() lists it once, as transformer.wte.weight
    decay.delete("lm_head.weight");
    const paramDict = new Map(this.namedParameters());
    const interParams = [...decay].filter((pn) => noDecay.has(pn));
    const unionParams = new Set([...decay, ...noDecay]);
    assert.equal(interParams.length, 0, `parameters ${interParams} made it into both decay/no_decay sets!`);
    assert.equal([...paramDict.keys()].filter((pn) => !unionParams.has(pn)).length, 0);
    const optimGroups = [
      { params: [...decay].sort().map((pn) => paramDict.get(pn)!), weightDecay },
      { params: [...noDecay].sort().map((pn) => paramDict.get(pn)!), weightDecay: 0.0 },
    ];
    const optimizer = new torch.optim.AdamW(optimGroups, { lr: learningRate, betas });
    return [optimizer, [...decay].sort(), [...noDecay].sort()];
  }

  @torch.noGrad
  generate(idx: Tensor, maxNewTokens: number, opts: { temperature?: number; topK?: number | null; sample: Sampler }): Tensor {
    const { temperature = 1.0, topK = null, sample } = opts;
    for (let step = 0; step < maxNewTokens; step++) {
      const idxCond = idx.size(1) <= this.config.blockSize ? idx : idx.index(":", `${-this.config.blockSize}:`);
      let [logits] = this.forward(idxCond);
      logits = logits.index(":", -1, ":").div(temperature);
      if (topK !== null) {
        const [v] = torch.topk(logits, Math.min(topK, logits.size(-1)));
        logits.indexPut_([logits.lt(v.index(":", [-1]))], -Infinity);
      }
      const probs = F.softmax(logits, { dim: -1 });
      const idxNext = sample(probs, step);
      idx = torch.cat([idx, idxNext], { dim: 1 });
    }
    assert.equal(idx.requiresGrad, false); // @torch.no_grad()
    return idx;
  }
}

/** torch.multinomial(probs, num_samples=1) by inverse CDF at LCG points (u in [0, 1)). */
function deterministicSample(seed: number): Sampler {
  return (probs, step) => {
    const u = det([probs.size(0), 1], seed + step).add(1.0).div(2.0);
    const cdf = torch.cumsum(probs, { dim: -1 });
    return cdf.lt(u).sum({ dim: -1, keepdim: true }).clamp({ max: probs.size(-1) - 1 });
  };
}

const greedy: Sampler = (probs) => torch.argmax(probs, { dim: -1, keepdim: true });

function run(config: GPTConfig, seed: number, maxIters = 6, compileModel = false): Record<string, any> {
  const out: Record<string, any> = {};
  torch.manualSeed(1337);
  const model = new GPT(config);
  // the random init, by property: c_proj weights have the scaled std, biases and LayerNorm as documented
  const h = [...model.transformer.h];
  const cp = torch.cat([...h.map((b) => b.attn.c_proj.weight.flatten()), ...h.map((b) => b.mlp.c_proj.weight.flatten())]);
  out.init_cproj_std = cp.std().item();
  out.init_wte_std = model.transformer.wte.weight.std().item();
  out.tied = model.transformer.wte.weight === model.lm_head.weight;
  out.n_params = model.getNumParams();
  out.n_params_all = model.getNumParams(false);
  out.n_parameters_list = model.parameters().length;
  out.named_parameters = [...model.namedParameters()].map(([pn]) => pn);
  out.state_dict_keys = Object.keys(model.stateDict());
  out.named_modules = [...model.namedModules()].map(([mn]) => mn);
  out.repr = String(model); // print(model)
  // LCG values instead of the random init, then the init's deterministic parts again
  initDeterministic(model, seed);
  torch.noGrad(() => {
    for (const [, m] of model.namedModules()) {
      if (m instanceof nn.Linear && m.bias !== null) nn.init.zeros_(m.bias);
    }
    for (const [pn, p] of model.namedParameters()) {
      if (pn.endsWith("c_proj.weight")) p.mul_(0.02 / Math.sqrt(2 * config.nLayer) * Math.sqrt(p.size(-1)));
    }
  });

  const batchSize = 3, gradAccum = 2, gradClip = 1.0;
  const learningRate = 6e-3, minLr = 6e-4, warmupIters = 2, lrDecayIters = 5;

  function getLr(it: number): number {
    if (it < warmupIters) return learningRate * (it + 1) / (warmupIters + 1);
    if (it > lrDecayIters) return minLr;
    const decayRatio = (it - warmupIters) / (lrDecayIters - warmupIters);
    assert.ok(decayRatio >= 0 && decayRatio <= 1);
    const coeff = 0.5 * (1.0 + Math.cos(Math.PI * decayRatio));
    return minLr + coeff * (learningRate - minLr);
  }

  let batchCounter = 0;
  function getBatch(split: "train" | "val"): [Tensor, Tensor] {
    const d = split === "train" ? trainData : valData;
    const ix = detLabels(batchSize, 900 + batchCounter, d.shape[0]! - config.blockSize);
    batchCounter += 1;
    const x = torch.stack([...ix].map((i) => d.index(torch.slice(i, i.add(config.blockSize)))));
    const y = torch.stack([...ix].map((i) => d.index(torch.slice(i.add(1), i.add(1 + config.blockSize)))));
    return [x, y];
  }

  const estimateLoss = (evalIters = 2): Record<string, Tensor> => torch.noGrad(() => {
    const res: Record<string, Tensor> = {};
    model.eval();
    for (const split of ["train", "val"] as const) {
      const losses = torch.zeros(evalIters);
      for (let k = 0; k < evalIters; k++) {
        const [X, Y] = getBatch(split);
        const [, loss] = fwd(X, Y);
        losses.indexPut_([k], loss!.item());
      }
      res[split] = losses.mean();
    }
    model.train();
    return res;
  });

  const [optimizer, decay, noDecay] = model.configureOptimizers(0.1, learningRate, [0.9, 0.95]);
  // train.py's `model = torch.compile(model)` (PyTorch 2): the compiled call must give the same numbers
  const fwd = compileModel ? torch.compile(model) : model;
  out.decay = decay;
  out.no_decay = noDecay;

  let [X, Y] = getBatch("train");
  out.first_x = X;
  // one target masked out: ignore_index=-1
  Y.indexPut_([0, 0], -1);
  const losses: number[] = [], lrs: number[] = [], norms: number[] = [], evals: number[][] = [];
  for (let it = 0; it < maxIters; it++) {
    const lr = getLr(it);
    for (const paramGroup of optimizer.paramGroups) paramGroup.lr = lr;
    lrs.push(lr);
    if (it % 3 === 0) {
      const e = estimateLoss();
      evals.push([e.train!.item(), e.val!.item()]);
    }
    for (let microStep = 0; microStep < gradAccum; microStep++) {
      let [, loss] = fwd(X, Y);
      loss = loss!.div(gradAccum);
      [X, Y] = getBatch("train");
      loss.backward();
      losses.push(loss.item());
    }
    if (it === 0) {
      out.grad_wte = model.transformer.wte.weight.grad;
      out.grad_c_attn = model.transformer.h.at(0).attn.c_attn.weight.grad;
    }
    const norm = nn.utils.clipGradNorm_(model.parameters(), gradClip);
    norms.push(norm.item());
    optimizer.step();
    optimizer.zeroGrad({ setToNone: true });
  }
  Object.assign(out, { losses, lrs, norms, evals });
  out.grad_after_zero = model.lm_head.weight.grad === null;
  out.wte = model.transformer.wte.weight.clone(); // a snapshot: the resumed step below changes it in place
  out.c_attn_w = model.transformer.h.at(1).attn.c_attn.weight.clone();
  out.ln_f_w = model.transformer.ln_f.weight.clone();
  out.mlp_c_proj_w = model.transformer.h.at(0).mlp.c_proj.weight.clone();
  out.exp_avg_sq_wpe = (optimizer.state.get(model.transformer.wpe.weight)!.expAvgSq as Tensor).clone();

  // the newer configureOptimizers: decay every parameter with dim() >= 2
  let paramDict = new Map(model.namedParameters());
  paramDict = new Map([...paramDict].filter(([, p]) => p.requiresGrad));
  const decayParams = [...paramDict].filter(([, p]) => p.dim() >= 2).map(([, p]) => p);
  const nodecayParams = [...paramDict].filter(([, p]) => p.dim() < 2).map(([, p]) => p);
  out.num_decay_params = decayParams.reduce((s, p) => s + p.numel(), 0);
  out.num_nodecay_params = nodecayParams.reduce((s, p) => s + p.numel(), 0);

  // resuming as train.py does: the checkpoint's state dicts (with the '_orig_mod.' prefix a
  // compiled model's keys carry), a fresh model and optimizer loading them, then one more step
  // on both through a disabled GradScaler (train.py's float32 path); the two must agree
  const checkpoint = { model: model.stateDict(), optimizer: optimizer.stateDict(), iter_num: maxIters };
  const stateDict: Record<string, Tensor> = Object.fromEntries(Object.entries(checkpoint.model).map(([k, v]) => [`_orig_mod.${k}`, v]));
  const unwantedPrefix = "_orig_mod.";
  for (const [k, v] of Object.entries(stateDict)) {
    if (k.startsWith(unwantedPrefix)) {
      stateDict[k.slice(unwantedPrefix.length)] = v;
      delete stateDict[k];
    }
  }
  const model2 = new GPT(config);
  model2.loadStateDict(stateDict);
  const [optimizer2] = model2.configureOptimizers(0.1, learningRate, [0.9, 0.95]);
  optimizer2.loadStateDict(checkpoint.optimizer);
  out.resumed_tied = model2.transformer.wte.weight === model2.lm_head.weight;
  out.resumed_step = Number(optimizer2.stateDict().state[0]!.step);
  const scaler = new torch.cuda.amp.GradScaler({ enabled: false });
  for (const [m, opt] of [[model, optimizer], [model2, optimizer2]] as const) {
    for (const paramGroup of opt.paramGroups) paramGroup.lr = getLr(checkpoint.iter_num);
    const [, loss] = m(X, Y);
    scaler.scale(loss!).backward();
    scaler.unscale_(opt);
    nn.utils.clipGradNorm_(m.parameters(), gradClip);
    scaler.step(opt);
    scaler.update();
    opt.zeroGrad({ setToNone: true });
  }
  const p2 = model2.parameters();
  out.resume_diff = Math.max(...model.parameters().map((a, i) => a.sub(p2[i]!).abs().max().item()));
  out.resumed_c_attn_w = model2.transformer.h.at(1).attn.c_attn.weight;
  out.resumed_exp_avg_wte = optimizer2.state.get(model2.transformer.wte.weight)!.expAvg;

  // from_pretrained's copy: a Conv1D-style checkpoint (transposed weights, no mask buffers)
  // copied into the state dict's tensors, which share storage with the parameters
  const sd = model.stateDict();
  const sdKeys = Object.keys(sd).filter((k) => !k.endsWith(".attn.bias"));
  const transposed = ["attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"];
  const sdHf = Object.fromEntries(sdKeys.map((k) => [k, transposed.some((w) => k.endsWith(w)) ? sd[k]!.t().contiguous() : sd[k]!.clone()]));
  const model3 = new GPT(config);
  const sd3 = model3.stateDict();
  for (const k of sdKeys) {
    if (transposed.some((w) => k.endsWith(w))) {
      assert.deepEqual([...sdHf[k]!.shape].reverse(), [...sd3[k]!.shape]);
      torch.noGrad(() => sd3[k]!.copy_(sdHf[k]!.t()));
    } else {
      assert.deepEqual([...sdHf[k]!.shape], [...sd3[k]!.shape]);
      torch.noGrad(() => sd3[k]!.copy_(sdHf[k]!));
    }
  }
  out.n_sd_keys = sdKeys.length;
  out.hf_copy_diff = torch.noGrad(() => model3(X, Y)[1]!.sub(model(X, Y)[1]!).abs().item());

  // generation: greedy, temperature + top-k with the inverse-CDF sampler, past block_size (crop)
  model.eval();
  const startIds = encode("First");
  const context = torch.tensor(startIds, { dtype: torch.long }).index(null, "...");
  const g1 = model.generate(context, 6, { sample: greedy });
  const ctx2 = torch.tensor([encode("Speak"), encode("All:\n")], { dtype: torch.long });
  const g2 = model.generate(ctx2, 7, { temperature: 0.8, topK: 5, sample: deterministicSample(950) });
  out.gen_greedy = g1.index(0).tolist();
  out.gen_greedy_text = decode(g1.index(0).tolist() as number[]);
  out.gen_topk = g2.tolist();
  torch.noGrad(() => {
    const [logits] = model(ctx2);
    out.last_logits = logits;
    const lg = logits.index(":", -1, ":").div(0.8);
    const [v, ix] = torch.topk(lg, 5);
    out.topk_v = v;
    out.topk_i = ix;
    lg.indexPut_([lg.lt(v.index(":", [-1]))], -Infinity);
    const probs = F.softmax(lg, { dim: -1 });
    out.topk_probs = probs;
    torch.manualSeed(0);
    const s = torch.multinomial(probs, { numSamples: 1 });
    out.mn_shape = [...s.shape];
    out.mn_dtype = s.dtype;
    out.mn_support = probs.gather(1, s).gt(0).all().item();
    const s4 = torch.multinomial(probs, { numSamples: 4 });
    out.mn4_shape = [...s4.shape];
    out.mn4_distinct = (s4.tolist() as number[][]).every((r) => new Set(r).size === 4);
    out.mn4_support = probs.gather(1, s4).gt(0).all().item();
  });

  // cropBlockSize: shorter wpe Parameter and mask buffer
  model.cropBlockSize(5);
  out.cropped_wpe_shape = [...model.transformer.wpe.weight.shape];
  out.cropped_bias_shape = [...model.transformer.h.at(0).attn.bias.shape];
  out.cropped_state_dict_keys = Object.keys(model.stateDict());
  out.cropped_n_params = model.getNumParams(false);
  const g3 = model.generate(ctx2, 4, { sample: greedy });
  out.gen_cropped = g3.tolist();
  try {
    model(torch.zeros(1, 6, { dtype: torch.long }));
  } catch (e) {
    out.too_long = (e as Error).message;
  }
  return out;
}

function check(name: string, got: Record<string, any>, fix: Record<string, any>): void {
  const exact = ["repr", "tied", "n_params", "n_params_all", "n_parameters_list", "named_parameters", "state_dict_keys", "named_modules", "decay", "no_decay",
    "grad_after_zero", "gen_greedy", "gen_greedy_text", "gen_topk", "mn_shape", "mn_support", "mn4_shape", "mn4_distinct", "mn4_support",
    "num_decay_params", "num_nodecay_params", "resumed_tied", "resumed_step", "resume_diff", "n_sd_keys", "hf_copy_diff",
    "cropped_wpe_shape", "cropped_bias_shape", "cropped_state_dict_keys", "cropped_n_params", "gen_cropped", "too_long", "lrs"];
  for (const k of exact) assert.deepEqual(got[k], fix[k], `${name}: ${k}`);
  assert.equal(fix.mn_dtype, "torch.int64");
  assert.equal(got.mn_dtype, "int32"); // Fluxion's default integer dtype (README: multinomial, topk and argmax indices)
  // the random init by property: std 0.02 for embeddings, 0.02 / sqrt(2 n_layer) for c_proj
  assert.ok(Math.abs(got.init_wte_std - 0.02) < 0.002, `${name}: wte std ${got.init_wte_std} (PyTorch ${fix.init_wte_std})`);
  assert.ok(Math.abs(got.init_cproj_std - 0.01) < 0.001, `${name}: c_proj std ${got.init_cproj_std} (PyTorch ${fix.init_cproj_std})`);
  (got.losses as number[]).forEach((l, i) => assert.ok(Math.abs(l - fix.losses[i]) < 1e-5, `${name}: micro-step ${i}: loss ${l} vs PyTorch ${fix.losses[i]}`));
  (got.norms as number[]).forEach((v, i) => assert.ok(Math.abs(v - fix.norms[i]) < 1e-5, `${name}: step ${i}: grad norm ${v} vs PyTorch ${fix.norms[i]}`));
  (got.evals as number[][]).forEach((row, i) => row.forEach((v, k) => assert.ok(Math.abs(v - fix.evals[i][k]) < 1e-5, `${name}: eval ${i}.${k}: ${v} vs ${fix.evals[i][k]}`)));
  assertTensor(got.first_x, fix.first_x, { msg: `${name}: first batch` });
  for (const k of ["grad_wte", "grad_c_attn", "wte", "c_attn_w", "ln_f_w", "mlp_c_proj_w", "exp_avg_sq_wpe", "resumed_c_attn_w", "resumed_exp_avg_wte", "last_logits", "topk_v", "topk_probs"]) {
    assertTensor(got[k], fix[k], { atol: 1e-5, msg: `${name}: ${k}` });
  }
  assertTensor(got.topk_i, fix.topk_i, { msg: `${name}: topk indices` });
}

test("nanoGPT (bias, exact GELU): losses, grad norms, AdamW parameters, generated ids and model surgery match PyTorch", () => {
  assert.equal(chars.join(""), FIX.chars);
  assert.equal(vocabSize, FIX.vocab_size);
  assert.deepEqual([trainData.shape[0], valData.shape[0]], [FIX.n_train, FIX.n_val]);
  check("bias_none", run(gptConfig({ vocabSize, bias: true, gelu: "none" }), 700), FIX.bias_none);
});

test("nanoGPT (no bias, tanh GELU): the same checks", () => {
  check("nobias_tanh", run(gptConfig({ vocabSize, bias: false, gelu: "tanh" }), 800), FIX.nobias_tanh);
});

test("nanoGPT with the model compiled (train.py's torch.compile(model)): the same numbers", () => {
  check("bias_none compiled", run(gptConfig({ vocabSize, bias: true, gelu: "none" }), 700, 6, true), FIX.bias_none);
});

test("nanoGPT: torch.multinomial's shapes and its errors, and split's", () => {
  const p = torch.tensor([[0.2, 0.3, 0.5]]);
  const errors: Record<string, string | null> = {};
  const cases: [string, () => unknown][] = [
    ["too_many", () => torch.multinomial(p, 4)],
    ["negative", () => torch.multinomial(torch.tensor([[0.2, -0.1, 0.5]]), 1)],
    ["zero_sum", () => torch.multinomial(torch.zeros(1, 3), 1)],
    ["three_d", () => torch.multinomial(torch.ones(1, 1, 3), 1)],
    ["split_bad", () => torch.ones(2, 3, 48).split(16, { dim: 3 })],
  ];
  for (const [name, fn] of cases) {
    try {
      fn();
      errors[name] = null;
    } catch (e) {
      assert.ok(e instanceof torch.FluxionError, `${name}: ${e}`);
      errors[name] = e.message;
    }
  }
  for (const [name, msg] of Object.entries(FIX.errors as Record<string, string>)) {
    assert.ok(errors[name] !== null, `${name}: no error (PyTorch: ${msg})`);
  }
  assert.match(errors.too_many!, /cannot sample .* > prob_dist.size\(-1\)/);
  assert.match(errors.negative!, /probability tensor contains either inf, nan or element < 0/);
  assert.match(errors.zero_sum!, /sum of probabilities <= 0/);
  assert.match(errors.three_d!, /prob_dist must be 1 or 2 dim/);
  assert.match(errors.split_bad!, /dimension 3 out of range \(expected to be in range of \[-3, 2\]\)/);
  assert.deepEqual([...torch.multinomial(p, 5, { replacement: true }).shape], FIX.mn_repl_shape);
  assert.deepEqual([...torch.multinomial(torch.tensor([0.1, 0.9]), 2).shape], FIX.mn_1d_shape);
});
