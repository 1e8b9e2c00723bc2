import { amp, nn, optim, randn, randint, manualSeed, utils, type Tensor } from "/work/wt/amp/src/index.js";
import { SmallCNN } from "/work/wt/amp/examples/models.js";
import { transformerEncoder } from "/work/wt/amp/bench/amp_cases.js";
const which = process.argv[2] ?? "cnn";
function mk(bf16: boolean) {
  manualSeed(0);
  const cnn = which === "cnn";
  const model = cnn ? new SmallCNN() : transformerEncoder();
  const x = cnn ? randn([64, 1, 28, 28]) : randn([16, 64, 128]);
  const y = cnn ? randint(0, 10, [64]) : randn([16, 64, 128]);
  const ce = new nn.CrossEntropyLoss();
  const crit = cnn ? (o: Tensor, t: Tensor) => ce(o, t) : (o: Tensor, t: Tensor) => nn.functional.mseLoss(o, t);
  const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
  const ac = { deviceType: "cpu", dtype: "bfloat16", enabled: bf16 } as const;
  return () => { opt.zeroGrad(); const l = amp.autocast(ac, () => crit(model(x), y)); l.backward(); opt.step(); };
}
for (const bf of [false, true]) {
  const f = mk(bf);
  for (let i = 0; i < 5; i++) f();
  const rs = [] as any[];
  for (let i = 0; i < 5; i++) rs.push(utils.profile(() => { for (let j = 0; j < 4; j++) f(); }));
  rs.sort((a, b) => a.wallMs - b.wallMs);
  const r = rs[2];
  console.log(`==== ${which} ${bf ? "bf16" : "f32"} wall ${(r.wallMs/4).toFixed(2)} ms/step kernel ${(r.kernelMs/4).toFixed(2)}`);
  console.log(r.table({ by: "primitive", rowLimit: 25 }));
  if (process.argv[3]) console.log(r.table({ by: "op", rowLimit: 25 }));
}
