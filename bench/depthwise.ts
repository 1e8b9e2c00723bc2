/**
 * Depthwise convolution (groups = channels), forward + backward of y.sum(), as in
 * MobileNet's blocks: nn.Conv2d(C, C·m, k, { padding, stride, groups: C }) on [N, C, H, W].
 *   node --single-threaded-gc --import tsx bench/depthwise.ts [threads]
 * Prints the median over repeats, ms per step, for the depthwiseConv2d primitive ("direct")
 * and the grouped im2col + batched matmul it replaced ("im2col"). Compare with
 * bench/depthwise_torch.py.
 */
import { nn, randn, setNumThreads } from "../src/index.js";
import { _setDepthwisePath } from "../src/nn/functional/conv.js";

const threads = Number(process.argv[2] ?? 1);
setNumThreads(threads);

const cases: { name: string; N: number; C: number; m: number; H: number; k: number; stride: number; padding: number }[] = [
  { name: "dw3x3 s1 [32,32,32,32]", N: 32, C: 32, m: 1, H: 32, k: 3, stride: 1, padding: 1 },
  { name: "dw3x3 s2 [32,32,32,32]", N: 32, C: 32, m: 1, H: 32, k: 3, stride: 2, padding: 1 },
  { name: "dw5x5 s1 [16,64,16,16]", N: 16, C: 64, m: 1, H: 16, k: 5, stride: 1, padding: 2 },
  { name: "dw3x3 m2 [16,32,28,28]", N: 16, C: 32, m: 2, H: 28, k: 3, stride: 1, padding: 1 },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

for (const path of ["im2col", "direct"] as const) for (const c of cases) {
  _setDepthwisePath(path === "direct");
  const conv = new nn.Conv2d(c.C, c.C * c.m, c.k, { padding: c.padding, stride: c.stride, groups: c.C });
  const x = randn([c.N, c.C, c.H, c.H], { requiresGrad: true });
  const step = () => {
    x.grad = null;
    conv.zeroGrad();
    conv.forward(x).sum().backward();
  };
  for (let i = 0; i < 3; i++) step();
  const fwd: number[] = [], both: number[] = [];
  for (let i = 0; i < 15; i++) {
    let t = performance.now();
    conv.forward(x.detach());
    fwd.push(performance.now() - t);
    t = performance.now();
    step();
    both.push(performance.now() - t);
  }
  console.log(`${path.padEnd(6)} ${c.name.padEnd(26)} threads ${threads}: forward ${median(fwd).toFixed(2)} ms, forward+backward ${median(both).toFixed(2)} ms`);
}
