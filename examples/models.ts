/**
 * The models of the main job, shared by examples/fashion-mnist.ts and the benchmarks:
 * the seed's SimpleNet (as DESIGN.md writes it) and a small CNN; and the models of the
 * untuned workloads of issue 15 (TransformerLM, SmallResNet, LSTMLM), mirrored in bench/models_torch.py.
 */
import { nn, arange, ones, triu, type Tensor } from "../src/index.js";

/** 784-128-10 with ReLU; images are flattened first. */
export class SimpleNet extends nn.Module {
  fc1 = new nn.Linear(784, 128);
  relu = new nn.ReLU();
  fc2 = new nn.Linear(128, 10);
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.relu.forward(this.fc1.forward(x.flatten(1))));
  }
}

/** Conv 1→32 3x3, ReLU, MaxPool 2, Conv 32→64 3x3, ReLU, MaxPool 2, Linear 1600→10. */
export class SmallCNN extends nn.Module {
  features = new nn.Sequential(
    new nn.Conv2d(1, 32, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3), new nn.ReLU(), new nn.MaxPool2d(2),
  );
  classifier = new nn.Linear(1600, 10);
  forward(x: Tensor): Tensor {
    return this.classifier(this.features(x).flatten(1)); // modules are callable, as in PyTorch
  }
}

// ---- untuned workloads (issue 15), mirrored by bench/models_torch.py -------------------------
// Same architectures and parameter names as the PyTorch mirrors, so a stateDict written by
// PyTorch loads here unchanged (test/examples/models_parity.test.ts checks one training step).

/** A causal mask [L, L] as PyTorch's attention modules take it: true = may NOT attend (a later position). */
function causalMask(L: number): Tensor {
  return triu(ones([L, L], { dtype: "bool" }), 1);
}

/**
 * A small causal language model: token Embedding + learned position Embedding, a post-norm
 * TransformerEncoder (ReLU feed-forward, no dropout so that both frameworks compute the same
 * step), a Linear head to vocabulary logits. Input [N, L] token ids, output [N, L, vocab].
 * Defaults: vocab 1000, d_model 128, 4 heads, 2 layers, dim_feedforward 512, up to 64 positions.
 */
export class TransformerLM extends nn.Module {
  embed: nn.Embedding;
  pos: nn.Embedding;
  encoder: nn.TransformerEncoder;
  head: nn.Linear;
  private masks = new Map<number, Tensor>();
  constructor(opts: { vocab?: number; dModel?: number; nhead?: number; numLayers?: number; dimFeedforward?: number; maxLen?: number } = {}) {
    super();
    const { vocab = 1000, dModel = 128, nhead = 4, numLayers = 2, dimFeedforward = 512, maxLen = 64 } = opts;
    this.embed = new nn.Embedding(vocab, dModel);
    this.pos = new nn.Embedding(maxLen, dModel);
    this.encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(dModel, nhead, { dimFeedforward, dropout: 0, batchFirst: true }), numLayers);
    this.head = new nn.Linear(dModel, vocab);
  }
  forward(tokens: Tensor): Tensor {
    const L = tokens.shape[1]!;
    let mask = this.masks.get(L);
    if (!mask) this.masks.set(L, (mask = causalMask(L)));
    const x = this.embed(tokens).add(this.pos(arange(L, { dtype: "int32" })));
    return this.head(this.encoder(x, mask));
  }
}

/** ResNet's BasicBlock: conv3x3-BN-ReLU-conv3x3-BN plus the shortcut (1x1 conv + BN when the shape changes), ReLU. */
export class BasicBlock extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  downsample: nn.Sequential | null;
  constructor(inPlanes: number, planes: number, stride = 1) {
    super();
    this.conv1 = new nn.Conv2d(inPlanes, planes, 3, { stride, padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(planes);
    this.conv2 = new nn.Conv2d(planes, planes, 3, { padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(planes);
    this.downsample = stride !== 1 || inPlanes !== planes
      ? new nn.Sequential(new nn.Conv2d(inPlanes, planes, 1, { stride, bias: false }), new nn.BatchNorm2d(planes))
      : null;
  }
  forward(x: Tensor): Tensor {
    const out = this.bn2(this.conv2(this.bn1(this.conv1(x)).relu()));
    const identity = this.downsample ? this.downsample(x) : x;
    return out.add(identity).relu();
  }
}

/**
 * A small CIFAR-style ResNet (3×32×32 input): conv3x3 3→16 + BN + ReLU, three stages of
 * BasicBlocks at 16, 32 and 64 channels (two blocks each by default; the second and third
 * stages halve the resolution), global average pooling, Linear 64→classes.
 */
export class SmallResNet extends nn.Module {
  conv1 = new nn.Conv2d(3, 16, 3, { padding: 1, bias: false });
  bn1 = new nn.BatchNorm2d(16);
  layer1: nn.Sequential;
  layer2: nn.Sequential;
  layer3: nn.Sequential;
  pool = new nn.AdaptiveAvgPool2d(1);
  fc: nn.Linear;
  constructor(opts: { blocks?: number; classes?: number } = {}) {
    super();
    const { blocks = 2, classes = 10 } = opts;
    const stage = (inPlanes: number, planes: number, stride: number) =>
      new nn.Sequential(...Array.from({ length: blocks }, (_, i) => new BasicBlock(i === 0 ? inPlanes : planes, planes, i === 0 ? stride : 1)));
    this.layer1 = stage(16, 16, 1);
    this.layer2 = stage(16, 32, 2);
    this.layer3 = stage(32, 64, 2);
    this.fc = new nn.Linear(64, classes);
  }
  forward(x: Tensor): Tensor {
    let h = this.bn1(this.conv1(x)).relu();
    h = this.layer3(this.layer2(this.layer1(h)));
    return this.fc(this.pool(h).flatten(1));
  }
}

/**
 * A character-level LSTM language model: Embedding(vocab 100, 64), one LSTM layer 64→256
 * (time-major input [T, N]), Linear 256→vocab. Output [T, N, vocab].
 */
export class LSTMLM extends nn.Module {
  embed: nn.Embedding;
  lstm: nn.LSTM;
  head: nn.Linear;
  constructor(opts: { vocab?: number; embedDim?: number; hidden?: number } = {}) {
    super();
    const { vocab = 100, embedDim = 64, hidden = 256 } = opts;
    this.embed = new nn.Embedding(vocab, embedDim);
    this.lstm = new nn.LSTM(embedDim, hidden);
    this.head = new nn.Linear(hidden, vocab);
  }
  forward(tokens: Tensor): Tensor {
    const [out] = this.lstm(this.embed(tokens)) as [Tensor, [Tensor, Tensor]];
    return this.head(out);
  }
}
