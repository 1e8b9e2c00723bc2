import { randn } from "./src/index.js";
const a = randn([32, 256]), b = randn([1024, 256]);
const bt = b.t();
for (let r = 0; r < 3; r++) {
  let t0 = performance.now();
  for (let i = 0; i < 100; i++) a.matmul(bt);
  console.log("100 matmul [32,256]x[256,1024]^T", (performance.now() - t0).toFixed(0), "ms");
  t0 = performance.now();
  const bc = bt.contiguous();
  for (let i = 0; i < 100; i++) a.matmul(bc);
  console.log("100 matmul contiguous", (performance.now() - t0).toFixed(0), "ms");
  const g = randn([32, 1024]);
  t0 = performance.now();
  for (let i = 0; i < 100; i++) { g.sigmoid(); g.tanh(); g.mul(g); g.add(g); }
  console.log("100x elementwise 4 ops [32,1024]", (performance.now() - t0).toFixed(0), "ms");
}
