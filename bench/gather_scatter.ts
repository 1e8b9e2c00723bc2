/**
 * gather / indexSelect / scatterAdd / interpolate timings at 1 and 2 threads (float32), the
 * cases of the gather-kernel issue. Run: node --import tsx bench/gather_scatter.ts
 */
import { rand, randint, zeros, gather, setNumThreads, nn, nativeStatus } from "../src/index.js";
import type { Tensor } from "../src/index.js";

const F = nn.functional;
function time(name: string, fn: () => void, reps = 20): void {
  for (let i = 0; i < 2; i++) fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  console.log(`${name.padEnd(44)} ${ts[Math.floor(ts.length / 2)]!.toFixed(2).padStart(9)} ms (min ${ts[0]!.toFixed(2)})`);
}

console.log(`native: ${JSON.stringify({ active: nativeStatus().active, isa: nativeStatus().isa })}`);
const a = rand([1024, 1024]);
const idx = randint(0, 1024, [1024, 1024], { dtype: "int64" }); // as torch.randint
const idx32 = idx.to("int32");
const idx1 = randint(0, 1024, [1024], { dtype: "int64" });
const x = rand([16, 32, 32, 32]);
const read = (t: Tensor) => t.storage.data[0];
for (const threads of [1, 2]) {
  setNumThreads(threads);
  console.log(`-- ${threads} thread(s)`);
  time("gather(a, 1, idx) [1024,1024]", () => read(gather(a, 1, idx)));
  time("gather(a, 1, idx int32)", () => read(gather(a, 1, idx32)));
  time("a.indexSelect(0, idx1024)", () => read(a.indexSelect(0, idx1)));
  time("zeros.scatterAdd_(1, idx, a)", () => read(zeros([1024, 1024]).scatterAdd_(1, idx, a)));
  for (const mode of ["nearest", "bilinear"] as const) {
    time(`interpolate ${mode} x2 fwd [16,32,32,32]`, () => read(F.interpolate(x, { scaleFactor: 2, mode })));
    time(`interpolate ${mode} x2 fwd+bwd`, () => {
      const xi = x.detach().requiresGrad_();
      F.interpolate(xi, { scaleFactor: 2, mode, ...(mode === "bilinear" ? { alignCorners: false } : {}) }).sum().backward();
      read(xi.grad!);
    }, 9);
  }
}
