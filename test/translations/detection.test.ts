/**
 * Object-detection utilities and a tiny single-stage detector, translated line by line from
 * test/fixtures/translations/detection.py (-> detection.json, PyTorch 1.13): box conversions
 * with unbind/stack, boxArea, pairwise IoU and GIoU by broadcasting (index(":", null, ":2")),
 * anchors from meshgrid ("ij" and "xy"), arange with float steps, repeatInterleave; anchor
 * matching (max over a dim, argmax, where, -1/-2 labels through indexPut_, nonzero asTuple),
 * box encode/decode with log/exp and the log(1000/16) clamp, a greedy NMS loop and the
 * batched-NMS offset trick, sigmoid focal loss, smoothL1/huber/GIoU losses, a conv backbone
 * with an FPN (F.interpolate nearest + add), a head permuted to [N, H*W*A, K], SGD steps;
 * topk, sort(stable), gather, scatter_, oneHot, maskedSelect, unique, bincount, and RoI crops
 * with affineGrid/gridSample (alignCorners both ways); torchvision's FrozenBatchNorm2d (buffers by
 * registerBuffer), MaxPool2d and a LastLevelMaxPool P5, GroupNorm in the head, SGD parameter
 * groups without weight decay for biases and norms, ChainedScheduler(LinearLR warmup,
 * MultiStepLR), clipGradNorm_, per-level split + topk, the LevelMapper, and boxes clipped with
 * tensor bounds (clamp.Tensor gradients at the border); a YOLOv5-style build_targets and CIoU
 * loss (`.T` unpacked into views that clamp_ writes through, 4-tensor index/indexPut_) and decode
 * (in-place ops on slices, nonzero().T, x.index(i, j.add(5), null)).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { nn, Tensor } from "../../src/index.js";
import { assertTensor, det, initDeterministic, loadFixture } from "./common.js";

const F = nn.functional;
const FIX = loadFixture("detection.json");
const NUM_CLASSES = 3;
const IMG = 32;
const BBOX_CLIP = Math.log(1000.0 / 16);

function boxCxcywhToXyxy(x: Tensor): Tensor {
  const [xC, yC, w, h] = x.unbind(-1);
  const b = [xC!.sub(w!.mul(0.5)), yC!.sub(h!.mul(0.5)), xC!.add(w!.mul(0.5)), yC!.add(h!.mul(0.5))];
  return torch.stack(b, { dim: -1 });
}

function boxXyxyToCxcywh(x: Tensor): Tensor {
  const [x0, y0, x1, y1] = x.unbind(-1);
  const b = [x0!.add(x1!).div(2), y0!.add(y1!).div(2), x1!.sub(x0!), y1!.sub(y0!)];
  return torch.stack(b, { dim: -1 });
}

function boxArea(boxes: Tensor): Tensor {
  return boxes.index(":", 2).sub(boxes.index(":", 0)).mul(boxes.index(":", 3).sub(boxes.index(":", 1)));
}

function boxIou(boxes1: Tensor, boxes2: Tensor): [Tensor, Tensor] {
  const area1 = boxArea(boxes1);
  const area2 = boxArea(boxes2);
  const lt = torch.max(boxes1.index(":", null, ":2"), boxes2.index(":", ":2")); // [N,M,2]
  const rb = torch.min(boxes1.index(":", null, "2:"), boxes2.index(":", "2:")); // [N,M,2]
  const wh = rb.sub(lt).clamp({ min: 0 });
  const inter = wh.index(":", ":", 0).mul(wh.index(":", ":", 1));
  const union = area1.index(":", null).add(area2).sub(inter);
  return [inter.div(union), union];
}

function generalizedBoxIou(boxes1: Tensor, boxes2: Tensor): Tensor {
  assert.ok(boxes1.index(":", "2:").ge(boxes1.index(":", ":2")).all().item());
  const [iou, union] = boxIou(boxes1, boxes2);
  const lt = torch.min(boxes1.index(":", null, ":2"), boxes2.index(":", ":2"));
  const rb = torch.max(boxes1.index(":", null, "2:"), boxes2.index(":", "2:"));
  const wh = rb.sub(lt).clamp({ min: 0 });
  const area = wh.index(":", ":", 0).mul(wh.index(":", ":", 1));
  return iou.sub(area.sub(union).div(area));
}

function makeAnchors(featH: number, featW: number, stride: number, sizes: number[], ratios: number[]): Tensor {
  const scales = torch.asTensor(sizes, { dtype: torch.float32 });
  const aspect = torch.asTensor(ratios, { dtype: torch.float32 });
  const hRatios = torch.sqrt(aspect);
  const wRatios = hRatios.reciprocal();
  const ws = wRatios.index(":", null).mul(scales.index(null, ":")).view(-1);
  const hs = hRatios.index(":", null).mul(scales.index(null, ":")).view(-1);
  const base = torch.stack([ws.neg(), hs.neg(), ws, hs], { dim: 1 }).div(2); // [A, 4]
  const shiftsX = torch.arange(0.5, featW, 1.0).mul(stride);
  const shiftsY = torch.arange(0, featH * stride, stride, { dtype: torch.float32 }).add(stride / 2);
  let [shiftY, shiftX] = torch.meshgrid(shiftsY, shiftsX, { indexing: "ij" });
  [shiftX, shiftY] = [shiftX!.reshape(-1), shiftY!.reshape(-1)];
  const shifts = torch.stack([shiftX, shiftY, shiftX, shiftY], { dim: 1 });
  return shifts.view(-1, 1, 4).add(base.view(1, -1, 4)).reshape(-1, 4);
}

/** The YOLO-style grid: meshgrid with indexing "xy", then repeatInterleave per anchor. */
function gridCentersXy(featH: number, featW: number, stride: number): Tensor {
  const xs = torch.arange(featW, { dtype: torch.float32 });
  const ys = torch.arange(featH, { dtype: torch.float32 });
  const [gx, gy] = torch.meshgrid(xs, ys, { indexing: "xy" }); // [H, W]
  const centers = torch.stack([gx!, gy!], { dim: -1 }).add(0.5).mul(stride);
  return centers.reshape(-1, 2).repeatInterleave(3, { dim: 0 });
}

function encode(reference: Tensor, proposals: Tensor, weights: [number, number, number, number] = [1.0, 1.0, 1.0, 1.0]): Tensor {
  const [wx, wy, ww, wh] = weights;
  const exW = proposals.index(":", 2).sub(proposals.index(":", 0));
  const exH = proposals.index(":", 3).sub(proposals.index(":", 1));
  const exCx = proposals.index(":", 0).add(exW.mul(0.5));
  const exCy = proposals.index(":", 1).add(exH.mul(0.5));
  const gtW = reference.index(":", 2).sub(reference.index(":", 0));
  const gtH = reference.index(":", 3).sub(reference.index(":", 1));
  const gtCx = reference.index(":", 0).add(gtW.mul(0.5));
  const gtCy = reference.index(":", 1).add(gtH.mul(0.5));
  const dx = gtCx.sub(exCx).mul(wx).div(exW);
  const dy = gtCy.sub(exCy).mul(wy).div(exH);
  const dw = torch.log(gtW.div(exW)).mul(ww);
  const dh = torch.log(gtH.div(exH)).mul(wh);
  return torch.stack([dx, dy, dw, dh], { dim: 1 });
}

function decode(relCodes: Tensor, boxes: Tensor): Tensor {
  const widths = boxes.index(":", 2).sub(boxes.index(":", 0));
  const heights = boxes.index(":", 3).sub(boxes.index(":", 1));
  const ctrX = boxes.index(":", 0).add(widths.mul(0.5));
  const ctrY = boxes.index(":", 1).add(heights.mul(0.5));
  const [dx, dy] = [relCodes.index(":", "0::4"), relCodes.index(":", "1::4")];
  const dw = torch.clamp(relCodes.index(":", "2::4"), { max: BBOX_CLIP });
  const dh = torch.clamp(relCodes.index(":", "3::4"), { max: BBOX_CLIP });
  const predCtrX = dx!.mul(widths.index(":", null)).add(ctrX.index(":", null));
  const predCtrY = dy!.mul(heights.index(":", null)).add(ctrY.index(":", null));
  const predW = torch.exp(dw).mul(widths.index(":", null));
  const predH = torch.exp(dh).mul(heights.index(":", null));
  const x1 = predCtrX.sub(predW.mul(0.5));
  const y1 = predCtrY.sub(predH.mul(0.5));
  const x2 = predCtrX.add(predW.mul(0.5));
  const y2 = predCtrY.add(predH.mul(0.5));
  return torch.stack([x1, y1, x2, y2], { dim: 2 }).flatten(1);
}

function match(gtBoxes: Tensor, anchors: Tensor, high = 0.5, low = 0.4): [Tensor, Tensor, Tensor, Tensor, Tensor] {
  const [iou] = boxIou(gtBoxes, anchors); // [G, A]
  let [matchedVals, matches] = iou.max(0);
  const allMatches = matches!.clone();
  const below = matchedVals!.lt(low);
  const between = matchedVals!.ge(low).bitwiseAnd(matchedVals!.lt(high));
  matches = torch.where(below, torch.fullLike(matches!, -1), matches!);
  matches.indexPut_([between], -2);
  // low-quality matches: every gt keeps its best anchor(s)
  const [highest] = iou.max(1);
  const [gtIdx, predIdx] = torch.nonzero(iou.eq(highest!.index(":", null)), { asTuple: true });
  matches.indexPut_([predIdx!], allMatches.index(predIdx!));
  return [matches, iou, gtIdx!, predIdx!, iou.argmax({ dim: 1 })];
}

function nms(boxes: Tensor, scores: Tensor, thresh: number): Tensor {
  let order = scores.sort({ descending: true })[1];
  const keep: Tensor[] = [];
  while (order.numel() > 0) {
    const i = order.index(0);
    keep.push(i.view(1));
    if (order.numel() === 1) break;
    const [ious] = boxIou(boxes.index(i).unsqueeze(0), boxes.index(order.index("1:")));
    const mask = ious.index(0).le(thresh);
    order = order.index("1:").index(mask);
  }
  return keep.length ? torch.cat(keep) : torch.empty(0, { dtype: torch.long });
}

function batchedNms(boxes: Tensor, scores: Tensor, idxs: Tensor, thresh: number): Tensor {
  const maxCoordinate = boxes.max();
  const offsets = idxs.to(boxes).mul(maxCoordinate.add(torch.tensor(1).to(boxes)));
  return nms(boxes.add(offsets.index(":", null)), scores, thresh);
}

function sigmoidFocalLoss(inputs: Tensor, targets: Tensor, alpha = 0.25, gamma = 2.0, reduction = "sum"): Tensor {
  const p = torch.sigmoid(inputs);
  const ceLoss = F.binaryCrossEntropyWithLogits(inputs, targets, { reduction: "none" });
  const pT = p.mul(targets).add(p.rsub(1).mul(targets.rsub(1)));
  let loss = ceLoss.mul(pT.rsub(1).pow(gamma));
  if (alpha >= 0) {
    const alphaT = targets.mul(alpha).add(targets.rsub(1).mul(1 - alpha));
    loss = alphaT.mul(loss);
  }
  return reduction === "sum" ? loss.sum() : loss.mean();
}

/** torchvision's: BatchNorm2d with fixed statistics and affine parameters, as buffers. */
class FrozenBatchNorm2d extends nn.Module {
  eps: number;
  declare weight: Tensor;
  declare bias: Tensor;
  declare running_mean: Tensor; // the buffer's name is the attribute (and the state-dict key), as in PyTorch
  declare running_var: Tensor;
  constructor(n: number, eps = 1e-5) {
    super();
    this.eps = eps;
    this.registerBuffer("weight", torch.ones(n));
    this.registerBuffer("bias", torch.zeros(n));
    this.registerBuffer("running_mean", torch.zeros(n));
    this.registerBuffer("running_var", torch.ones(n));
  }

  forward(x: Tensor): Tensor {
    const w = this.weight.reshape(1, -1, 1, 1);
    const b = this.bias.reshape(1, -1, 1, 1);
    const rv = this.running_var.reshape(1, -1, 1, 1);
    const rm = this.running_mean.reshape(1, -1, 1, 1);
    const scale = w.mul(rv.add(this.eps).rsqrt());
    const bias = b.sub(rm.mul(scale));
    return x.mul(scale).add(bias);
  }
}

class Backbone extends nn.Module {
  stem = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1, bias: false }), new FrozenBatchNorm2d(8), new nn.ReLU({ inplace: true }), new nn.MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 }));
  c3 = new nn.Sequential(new nn.Conv2d(8, 16, 3, { stride: 2, padding: 1 }), new nn.ReLU({ inplace: true }));
  c4 = new nn.Sequential(new nn.Conv2d(16, 16, 3, { stride: 2, padding: 1 }), new nn.ReLU({ inplace: true }));
  lat3 = new nn.Conv2d(16, 16, 1);
  lat4 = new nn.Conv2d(16, 16, 1);
  out3 = new nn.Conv2d(16, 16, 3, { padding: 1 });

  forward(x: Tensor): Tensor[] {
    const c3 = this.c3(this.stem(x));
    const c4 = this.c4(c3);
    const p4 = this.lat4(c4);
    const p3 = this.lat3(c3).add(F.interpolate(p4, { scaleFactor: 2, mode: "nearest" }));
    const p5 = F.maxPool2d(p4, 1, 2, 0); // torchvision's LastLevelMaxPool
    return [this.out3(p3), p4, p5];
  }
}

class Head extends nn.Module {
  numClasses: number;
  conv: nn.Sequential;
  clsLogits: nn.Conv2d;
  bboxReg: nn.Conv2d;
  constructor(ch: number, numAnchors: number, numClasses: number) {
    super();
    this.numClasses = numClasses;
    this.conv = new nn.Sequential(new nn.Conv2d(ch, ch, 3, { padding: 1 }), new nn.GroupNorm(4, ch), new nn.ReLU());
    this.clsLogits = new nn.Conv2d(ch, numAnchors * numClasses, 3, { padding: 1 });
    this.bboxReg = new nn.Conv2d(ch, numAnchors * 4, 3, { padding: 1 });
  }

  forward(feats: Tensor[]): [Tensor, Tensor] {
    const allCls: Tensor[] = [], allReg: Tensor[] = [];
    for (const f of feats) {
      const t = this.conv(f);
      let cls = this.clsLogits(t);
      const [N, , H, W] = cls.shape as number[];
      cls = cls.view(N!, -1, this.numClasses, H!, W!).permute(0, 3, 4, 1, 2).reshape(N!, -1, this.numClasses);
      let reg = this.bboxReg(t);
      reg = reg.view(N!, -1, 4, H!, W!).permute(0, 3, 4, 1, 2).reshape(N!, -1, 4);
      allCls.push(cls);
      allReg.push(reg);
    }
    return [torch.cat(allCls, { dim: 1 }), torch.cat(allReg, { dim: 1 })];
  }
}

class Detector extends nn.Module {
  backbone = new Backbone();
  head = new Head(16, 3, NUM_CLASSES);

  forward(x: Tensor): [Tensor, Tensor] {
    return this.head(this.backbone(x));
  }
}

// ---- a YOLOv5-style loss and decode
const [na, ny, nx] = [3, 4, 4];
const stride = 8.0;
const anchorsPx = torch.tensor([[10.0, 13.0], [16.0, 30.0], [33.0, 23.0]]);
const anchorsG = anchorsPx.div(stride);

function bboxCiou(box1: Tensor, box2: Tensor, eps = 1e-7): Tensor {
  const [[x1, y1, w1, h1], [x2, y2, w2, h2]] = [box1.chunk(4, -1), box2.chunk(4, -1)] as Tensor[][];
  const [w1_, h1_, w2_, h2_] = [w1!.div(2), h1!.div(2), w2!.div(2), h2!.div(2)];
  const [b1x1, b1x2, b1y1, b1y2] = [x1!.sub(w1_), x1!.add(w1_), y1!.sub(h1_), y1!.add(h1_)];
  const [b2x1, b2x2, b2y1, b2y2] = [x2!.sub(w2_), x2!.add(w2_), y2!.sub(h2_), y2!.add(h2_)];
  const inter = torch.min(b1x2, b2x2).sub(torch.max(b1x1, b2x1)).clamp(0).mul(torch.min(b1y2, b2y2).sub(torch.max(b1y1, b2y1)).clamp(0));
  const union = w1!.mul(h1!).add(w2!.mul(h2!)).sub(inter).add(eps);
  const iou = inter.div(union);
  const cw = torch.max(b1x2, b2x2).sub(torch.min(b1x1, b2x1));
  const ch = torch.max(b1y2, b2y2).sub(torch.min(b1y1, b2y1));
  const c2 = cw.pow(2).add(ch.pow(2)).add(eps);
  const rho2 = b2x1.add(b2x2).sub(b1x1).sub(b1x2).pow(2).add(b2y1.add(b2y2).sub(b1y1).sub(b1y2).pow(2)).div(4);
  const v = torch.pow(torch.atan(w2!.div(h2!)).sub(torch.atan(w1!.div(h1!))), 2).mul(4 / Math.PI ** 2);
  const alpha = torch.noGrad(() => v.div(v.sub(iou).add(1 + eps)));
  return iou.sub(rho2.div(c2).add(v.mul(alpha)));
}

function buildTargets(pShape: readonly number[], targets: Tensor, anchorT = 4.0) {
  const nt = targets.shape[0]!;
  const gain = torch.ones(7);
  const ai = torch.arange(na).float().view(na, 1).repeat(1, nt);
  targets = torch.cat([targets.repeat(na, 1, 1), ai.index("...", null)], 2);
  const g = 0.5;
  const off = torch.tensor([[0, 0], [1, 0], [0, 1], [-1, 0], [0, -1]]).float().mul(g);
  gain.indexPut_(["2:6"], torch.tensor([...pShape]).index([3, 2, 3, 2]));
  let t = targets.mul(gain);
  const r = t.index("...", "4:6").div(anchorsG.index(":", null));
  let j = torch.max(r, r.reciprocal()).max(2)[0]!.lt(anchorT);
  t = t.index(j);
  let gxy = t.index(":", "2:4");
  const gxi = gain.index([2, 3]).sub(gxy);
  let [jj, k] = gxy.remainder(1).lt(g).bitwiseAnd(gxy.gt(1)).T;
  const [l, m] = gxi.remainder(1).lt(g).bitwiseAnd(gxi.gt(1)).T;
  j = torch.stack([torch.onesLike(jj!), jj!, k!, l!, m!]);
  t = t.repeat([5, 1, 1]).index(j);
  const offsets = torch.zerosLike(gxy).index(null).add(off.index(":", null)).index(j);
  const [bc, gxy2, gwh, a0] = t.split([2, 2, 2, 1], 1) as Tensor[];
  gxy = gxy2!;
  const a = a0!.long().view(-1);
  const [b, c] = bc!.long().T;
  const gij = gxy.sub(offsets).long();
  const [gi, gj] = gij.T;
  gj!.clamp_(0, pShape[2]! - 1);
  gi!.clamp_(0, pShape[3]! - 1);
  return { tcls: [c!], tbox: [torch.cat([gxy.sub(gij), gwh!], 1)], indices: [[b!, a, gj!, gi!]], anch: [anchorsG.index(a)], gij };
}

function yoloLoss(p: Tensor, targets: Tensor): [Tensor, Tensor, Tensor, Tensor] {
  const BCEcls = new nn.BCEWithLogitsLoss({ posWeight: torch.tensor([1.0]) });
  const BCEobj = new nn.BCEWithLogitsLoss({ posWeight: torch.tensor([1.0]) });
  const [cp, cn] = [1.0 - 0.5 * 0.1, 0.5 * 0.1];
  const [lcls, lbox, lobj] = [torch.zeros(1), torch.zeros(1), torch.zeros(1)];
  const { tcls, tbox, indices, anch, gij } = buildTargets(p.shape, targets);
  const [b, a, gj, gi] = indices[0]!;
  const tobj = torch.zeros(p.shape.slice(0, 4), { dtype: p.dtype });
  const n = b!.shape[0]!;
  let [pxy, pwh, , pcls] = p.index(b!, a!, gj!, gi!).split([2, 2, 1, NUM_CLASSES], 1) as Tensor[];
  pxy = pxy!.sigmoid().mul(2).sub(0.5);
  pwh = pwh!.sigmoid().mul(2).pow(2).mul(anch[0]!);
  const pbox = torch.cat([pxy, pwh], 1);
  let iou = bboxCiou(pbox, tbox[0]!).squeeze();
  lbox.add_(iou.rsub(1.0).mean());
  iou = iou.detach().clamp(0).type(tobj.dtype);
  tobj.indexPut_([b!, a!, gj!, gi!], iou);
  const t = torch.fullLike(pcls!, cn);
  t.indexPut_([torch.arange(n), tcls[0]!], cp);
  lcls.add_(BCEcls(pcls!, t));
  lobj.add_(BCEobj(p.index("...", 4), tobj).mul(4.0));
  lbox.mul_(0.05);
  lobj.mul_(1.0);
  lcls.mul_(0.5);
  const bs = tobj.shape[0]!;
  return [lbox.add(lobj).add(lcls).mul(bs), torch.cat([lbox, lobj, lcls]).detach(), gij, tobj];
}

function yoloDecode(x: Tensor): Tensor {
  const bs = x.shape[0]!;
  const [yv, xv] = torch.meshgrid([torch.arange(ny), torch.arange(nx)], { indexing: "ij" });
  const grid = torch.stack([xv!, yv!], 2).view([1, 1, ny, nx, 2]).float();
  const anchorGrid = anchorsG.clone().mul(stride).view([1, na, 1, 1, 2]).expand([1, na, ny, nx, 2]);
  const y = x.sigmoid();
  y.indexPut_(["...", "0:2"], y.index("...", "0:2").mul(2).sub(0.5).add(grid).mul(stride));
  y.indexPut_(["...", "2:4"], y.index("...", "2:4").mul(2).pow(2).mul(anchorGrid));
  return y.view(bs, -1, 5 + NUM_CLASSES);
}

function xywh2xyxy(x: Tensor): Tensor {
  const y = x.clone();
  y.indexPut_([":", 0], x.index(":", 0).sub(x.index(":", 2).div(2)));
  y.indexPut_([":", 1], x.index(":", 1).sub(x.index(":", 3).div(2)));
  y.indexPut_([":", 2], x.index(":", 0).add(x.index(":", 2).div(2)));
  y.indexPut_([":", 3], x.index(":", 1).add(x.index(":", 3).div(2)));
  return y;
}

function nmsPrep(prediction: Tensor, confThres = 0.45): Tensor[] {
  const xc = prediction.index("...", 4).gt(confThres);
  const out: Tensor[] = [];
  let xi = 0;
  for (let x of prediction) {
    x = x.index(xc.index(xi));
    x.index(":", "5:").mul_(x.index(":", "4:5"));
    const box = xywh2xyxy(x.index(":", ":4"));
    const [i, j] = x.index(":", "5:").gt(confThres * 0.9).nonzero().T;
    x = torch.cat([box.index(i!), x.index(i!, j!.add(5), null), j!.index(":", null).float()], 1);
    x = x.index(x.index(":", 4).argsort({ descending: true }));
    out.push(x);
    xi++;
  }
  return out;
}

const sumOf = (xs: Tensor[]): Tensor => xs.reduce((a, b) => a.add(b));

test("detection: box utilities, anchors, matching, NMS, focal/smoothL1/GIoU losses, an FPN detector's SGD steps and RoI crops match PyTorch", () => {
  // ---- box utilities on fixed boxes
  const gt = [torch.tensor([[2.0, 3.0, 14.0, 12.0], [16.0, 18.0, 29.0, 30.0]]),
    torch.tensor([[5.0, 6.0, 20.0, 26.0], [0.0, 20.0, 9.0, 31.0], [18.0, 2.0, 30.0, 10.0]])];
  const gtLabels = [torch.tensor([1, 2], { dtype: torch.long }), torch.tensor([0, 2, 1], { dtype: torch.long })];
  const cxcywh = boxXyxyToCxcywh(gt[1]!);
  const roundtrip = boxCxcywhToXyxy(cxcywh);
  const [iou01] = boxIou(gt[0]!, gt[1]!);
  const giou01 = generalizedBoxIou(gt[0]!, gt[1]!);
  assertTensor(cxcywh, FIX.cxcywh, { msg: "cxcywh" });
  assertTensor(roundtrip, FIX.roundtrip, { msg: "roundtrip" });
  assertTensor(boxArea(gt[1]!), FIX.area, { msg: "area" });
  assertTensor(iou01, FIX.iou_01, { atol: 1e-6, msg: "iou" });
  assertTensor(giou01, FIX.giou_01, { atol: 1e-6, msg: "giou" });

  const anchorsIj = makeAnchors(8, 8, 4, [6.0, 10.0], [0.5, 1.0, 2.0]);
  const centersXy = gridCentersXy(4, 6, 8);
  const numAnchorsPerLevel = [8 * 8 * 3, 4 * 4 * 3, 2 * 2 * 3];
  const A_TOTAL = numAnchorsPerLevel.reduce((a, b) => a + b);
  const anchors = torch.cat([makeAnchors(8, 8, 4, [8.0], [0.5, 1.0, 2.0]), makeAnchors(4, 4, 8, [16.0], [0.5, 1.0, 2.0]),
    makeAnchors(2, 2, 16, [32.0], [0.5, 1.0, 2.0])]);
  assert.equal(anchors.shape[0], A_TOTAL);
  assertTensor(anchors, FIX.anchors, { atol: 1e-5, msg: "anchors" });
  assertTensor(anchorsIj, FIX.anchors_ij, { atol: 1e-5, msg: "anchors_ij" });
  assertTensor(centersXy, FIX.centers_xy, { msg: "centers_xy" });

  const matched = gt.map((g) => match(g, anchors));
  matched.forEach((m, b) => {
    assertTensor(m[0], FIX.matches[b], { msg: `matches[${b}]` });
    assertTensor(m[2], FIX.lowq_gt[b], { msg: `lowq_gt[${b}]` });
    assertTensor(m[3], FIX.lowq_pred[b], { msg: `lowq_pred[${b}]` });
    assertTensor(m[4], FIX.best_anchor[b], { msg: `best_anchor[${b}]` });
  });
  assertTensor(matched[1]![1], FIX.iou_match, { atol: 1e-6, msg: "iou_match" });
  assertTensor(encode(gt[1]!, anchors.index(":3")), FIX.encoded, { atol: 1e-5, msg: "encoded" });
  assertTensor(decode(torch.tensor([[0.1, -0.2, 10.0, -0.3], [0.0, 0.0, 0.5, 0.2], [-0.3, 0.4, 0.0, 5.0]]), anchors.index(":3")),
    FIX.decoded, { atol: 1e-4, msg: "decoded" });

  // ---- model and training
  const model = new Detector();
  initDeterministic(model, 700);
  torch.noGrad(() => {
    for (const m of model.modules()) {
      if (m instanceof nn.Conv2d) {
        const fanIn = m.inChannels * m.kernelSize[0]! * m.kernelSize[1]!;
        m.weight.mul_(Math.sqrt(m.kernelSize[1]! / fanIn));
      }
    }
  });
  const priorProb = 0.01;
  nn.init.constant_(model.head.clsLogits.bias!, -Math.log((1 - priorProb) / priorProb));
  nn.init.zeros_(model.head.bboxReg.bias!);
  const frozen = model.backbone.stem.at(1) as FrozenBatchNorm2d;
  torch.noGrad(() => {
    frozen.weight.copy_(det([8], 740, 0.2, 1.0));
    frozen.bias.copy_(det([8], 741, 0.1));
    frozen.running_mean.copy_(det([8], 742, 0.1));
    frozen.running_var.copy_(det([8], 743, 0.3, 1.0));
  });
  const decay: Tensor[] = [], noDecay: Tensor[] = [];
  for (const [, p] of model.namedParameters()) (p.ndim <= 1 ? noDecay : decay).push(p);
  const optimizer = new torch.optim.SGD([{ params: decay, weightDecay: 1e-4 }, { params: noDecay, weightDecay: 0.0 }], { lr: 0.01, momentum: 0.9 });
  const scheduler = new torch.optim.lrScheduler.ChainedScheduler([
    new torch.optim.lrScheduler.LinearLR(optimizer, { startFactor: 0.5, totalIters: 2 }),
    new torch.optim.lrScheduler.MultiStepLR(optimizer, { milestones: [3], gamma: 0.1 })]);
  const images = det([2, 3, IMG, IMG], 710);

  function computeLoss(clsOut: Tensor, regOut: Tensor): [Tensor, number[]] {
    const clsLosses: Tensor[] = [], regLosses: Tensor[] = [], giouLosses: Tensor[] = [], huberLosses: Tensor[] = [];
    for (let b = 0; b < gt.length; b++) {
      const matches = matched[b]![0];
      const fg = matches.ge(0);
      const numFg = fg.sum();
      const gtClassesTarget = torch.zerosLike(clsOut.index(b));
      const fgIdx = torch.where(fg)[0]!;
      gtClassesTarget.indexPut_([fgIdx, gtLabels[b]!.index(matches.index(fgIdx))], 1.0);
      const valid = matches.ne(-2);
      clsLosses.push(sigmoidFocalLoss(clsOut.index(b).index(valid), gtClassesTarget.index(valid)).div(Math.max(1, numFg.item())));
      const matchedGt = gt[b]!.index(matches.index(fgIdx));
      const targetReg = encode(matchedGt, anchors.index(fgIdx));
      const predReg = regOut.index(b).index(fgIdx);
      regLosses.push(F.smoothL1Loss(predReg, targetReg, { beta: 1.0 / 9, reduction: "sum" }).div(Math.max(1, numFg.item())));
      huberLosses.push(F.huberLoss(predReg, targetReg, { delta: 0.5 }));
      const predBoxes = decode(predReg, anchors.index(fgIdx));
      const giou = torch.diag(generalizedBoxIou(predBoxes, matchedGt));
      giouLosses.push(giou.rsub(1).mean());
    }
    const clsL = sumOf(clsLosses).div(gt.length);
    const regL = sumOf(regLosses).div(gt.length);
    const giouL = sumOf(giouLosses).div(gt.length);
    const hubL = sumOf(huberLosses).div(gt.length);
    return [clsL.add(regL).add(giouL.mul(0.5)).add(hubL.mul(0.1)), [clsL.item(), regL.item(), giouL.item(), hubL.item()]];
  }

  const losses: number[] = [], parts: number[][] = [], lrs: number[] = [], gradNorms: number[] = [];
  let first: Record<string, Tensor> = {};
  for (let step = 0; step < 4; step++) {
    const [clsOut, regOut] = model(images);
    const [loss, part] = computeLoss(clsOut, regOut);
    optimizer.zeroGrad();
    loss.backward();
    if (step === 0) {
      first = {
        cls_out: clsOut, reg_out: regOut,
        // clones: clipGradNorm_ scales the grads in place below (Python's enc() reads them at once)
        grad_stem: (model.backbone.stem.at(0) as nn.Conv2d).weight.grad!.clone(),
        grad_lat4: model.backbone.lat4.weight.grad!.clone(),
        grad_cls_b: model.head.clsLogits.bias!.grad!.clone(),
        grad_reg_w: model.head.bboxReg.weight.grad!.clone(),
      };
    }
    gradNorms.push(nn.utils.clipGradNorm_(model.parameters(), { maxNorm: 1.0 }).item());
    optimizer.step();
    lrs.push(optimizer.paramGroups[0]!.lr);
    scheduler.step();
    losses.push(loss.item());
    parts.push(part);
  }
  losses.forEach((l, i) => assert.ok(Math.abs(l - FIX.losses[i]) < 1e-4, `step ${i}: loss ${l} vs PyTorch ${FIX.losses[i]}`));
  lrs.forEach((lr, i) => assert.ok(Math.abs(lr - FIX.lrs[i]) < 1e-12, `step ${i}: lr ${lr} vs ${FIX.lrs[i]}`));
  gradNorms.forEach((n, i) => assert.ok(Math.abs(n - FIX.grad_norms[i]) < 1e-4, `step ${i}: grad norm ${n} vs ${FIX.grad_norms[i]}`));
  parts.forEach((row, i) => row.forEach((v, k) => assert.ok(Math.abs(v - FIX.parts[i][k]) < 1e-4, `step ${i} part ${k}: ${v} vs ${FIX.parts[i][k]}`)));
  assertTensor(first.cls_out!, FIX.first.cls_out, { atol: 1e-5, msg: "cls_out" });
  assertTensor(first.reg_out!, FIX.first.reg_out, { atol: 1e-5, msg: "reg_out" });
  for (const k of ["grad_stem", "grad_lat4", "grad_cls_b", "grad_reg_w"]) assertTensor(first[k]!, FIX.first[k], { atol: 1e-5, msg: k });
  for (const [name, p] of model.namedParameters()) {
    if (name.endsWith("weight")) assertTensor(p, FIX.params[name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)], { atol: 1e-5, msg: name });
  }
  assert.deepEqual(Object.keys(FIX.params).length, [...model.namedParameters()].filter(([n]) => n.endsWith("weight")).length);
  assertTensor(optimizer.state.get(model.head.clsLogits.weight)!.momentumBuffer as Tensor, FIX.momentum_cls, { atol: 1e-5, msg: "momentum_buffer" });

  // ---- post-processing: scores, topk, decode, batched NMS
  model.eval();
  const [clsOut, regOut0, topScores, topIdx, labelsIdx, boxesPred, keepPost, levelBest] = torch.noGrad(() => {
    const [clsOut, regOut] = model(images);
    const scoresAll = torch.sigmoid(clsOut.index(0)).flatten();
    const [topScores, topIdx] = scoresAll.topk(20);
    const anchorIdx = torch.div(topIdx, NUM_CLASSES, { roundingMode: "floor" });
    const labelsIdx = topIdx.remainder(NUM_CLASSES);
    let boxesPred = decode(regOut.index(0).index(anchorIdx), anchors.index(anchorIdx));
    boxesPred = boxesPred.clamp({ min: 0, max: IMG });
    const keepPost = batchedNms(boxesPred, topScores, labelsIdx, 0.5);
    // per level, as RetinaNet's postprocess: split, topk of each, concatenate
    const levelBest: Tensor[] = [];
    const [cs, rs, as] = [clsOut.index(1).split(numAnchorsPerLevel), regOut.index(1).split(numAnchorsPerLevel), anchors.split(numAnchorsPerLevel)];
    for (let lvl = 0; lvl < cs.length; lvl++) {
      const [c, r, a] = [cs[lvl]!, rs[lvl]!, as[lvl]!];
      let sc = torch.sigmoid(c).flatten();
      const keepIdxs = sc.gt(0.0105);
      sc = sc.index(keepIdxs);
      let topkIdxs = torch.where(keepIdxs)[0]!;
      const numTopk = Math.min(5, topkIdxs.size(0));
      let idxs: Tensor;
      [sc, idxs] = sc.topk(numTopk);
      topkIdxs = topkIdxs.index(idxs);
      const aIdx = torch.div(topkIdxs, NUM_CLASSES, { roundingMode: "floor" });
      levelBest.push(torch.cat([decode(r.index(aIdx), a.index(aIdx)), sc.index(":", null), topkIdxs.remainder(NUM_CLASSES).index(":", null).float()], { dim: 1 }));
    }
    return [clsOut, regOut, topScores, topIdx, labelsIdx, boxesPred, keepPost, torch.cat(levelBest)];
  });
  assertTensor(levelBest, FIX.level_best, { atol: 1e-4, msg: "level_best" });

  /** torchvision's LevelMapper: the FPN level of each box from its scale. */
  function mapLevels(boxes: Tensor, kMin = 3, kMax = 5, canonicalScale = 16, canonicalLevel = 4, eps = 1e-6): Tensor {
    const s = torch.sqrt(boxArea(boxes));
    let targetLvls = torch.floor(torch.log2(s.div(canonicalScale).add(eps)).add(canonicalLevel));
    targetLvls = torch.clamp(targetLvls, { min: kMin, max: kMax });
    return targetLvls.to(torch.int64).sub(kMin).to(torch.int64);
  }

  const levels = mapLevels(torch.cat([...gt, torch.tensor([[0.0, 0.0, 64.0, 64.0], [1.0, 1.0, 3.0, 3.0]])]));
  assertTensor(levels, FIX.levels, { msg: "levels" });
  assert.equal(levels.dtype, "int64");
  const imgHw = torch.tensor([IMG, 24, IMG, 24], { dtype: torch.float32 });
  const clipIn = torch.cat([decode(regOut0.index(0).index(":6"), anchors.index(":6")).mul(1.5).sub(2), torch.tensor([[0.0, 24.0, 32.0, 30.0]])]).requiresGrad_();
  const clipped = clipIn.clamp({ min: torch.zeros(4), max: imgHw }); // a box on the border keeps its gradient
  clipped.mul(torch.arange(28.0, { dtype: torch.float32 }).view(7, 4)).sum().backward();
  assertTensor(clipped, FIX.clipped, { atol: 1e-4, msg: "clipped" });
  assertTensor(clipIn.grad!, FIX.clip_grad, { msg: "clip_in.grad" });
  assertTensor(topScores, FIX.top_scores, { atol: 1e-6, msg: "top_scores" });
  assertTensor(topIdx, FIX.top_idx, { msg: "top_idx" });
  assertTensor(boxesPred, FIX.boxes_pred, { atol: 1e-4, msg: "boxes_pred" });
  assertTensor(keepPost, FIX.keep_post, { msg: "keep_post" });

  // ---- NMS on fixed boxes
  const nmsBoxes = boxCxcywhToXyxy(torch.cat([det([12, 2], 720, 10.0, 16.0), det([12, 2], 721, 3.0, 8.0)], { dim: 1 }));
  const nmsScores = det([12], 722, 0.5, 0.5);
  const nmsClasses = torch.tensor([0, 1, 0, 1, 2, 0, 1, 2, 2, 0, 1, 0], { dtype: torch.long });
  const keepNms = nms(nmsBoxes, nmsScores, 0.3);
  const keepBatched = batchedNms(nmsBoxes, nmsScores, nmsClasses, 0.3);
  assertTensor(nmsBoxes, FIX.nms_boxes, { atol: 1e-5, msg: "nms_boxes" });
  assertTensor(keepNms, FIX.keep_nms, { msg: "keep_nms" });
  assert.equal(FIX.keep_nms.dtype, "int64");
  assert.equal(keepNms.dtype, "int32"); // sort's indices are int32 in Fluxion (README: the default integer dtype)
  assertTensor(keepBatched, FIX.keep_batched, { msg: "keep_batched" });

  // ---- misc ops the genre uses
  const vals = torch.tensor([3.0, 1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
  const [, sortedIdx] = vals.sort({ stable: true });
  const [sortedDesc, sortedDescIdx] = torch.sort(vals, { descending: true, stable: true });
  const [tkVals, tkIdx] = nmsScores.topk(4, { largest: false, sorted: true });
  const gathered = torch.gather(clsOut.index(0), 1, labelsIdx.newZeros(clsOut.shape[1]!, 1));
  const oneHot = F.oneHot(torch.cat(gtLabels), { numClasses: NUM_CLASSES });
  const scattered = torch.zeros(5, NUM_CLASSES).scatter_(1, torch.cat(gtLabels).unsqueeze(1), 1.0);
  const scatteredAdd = torch.zeros(NUM_CLASSES).scatter_(0, torch.tensor([0, 2, 2], { dtype: torch.long }), torch.tensor([1.0, 2.0, 3.0]), { reduce: "add" });
  const selected = torch.maskedSelect(nmsScores, nmsScores.gt(0.5));
  const [uniq, inverse, counts] = torch.unique(nmsClasses, { sorted: true, returnInverse: true, returnCounts: true }) as Tensor[];
  const perClass = torch.bincount(nmsClasses, { minlength: 4 });
  const weighted = torch.bincount(nmsClasses, { weights: nmsScores });
  const fgCount = torch.bincount(matched[1]![0].clamp({ min: -1 }).add(1));
  assertTensor(sortedIdx, FIX.sorted_idx, { msg: "sorted_idx" });
  assertTensor(sortedDescIdx, FIX.sorted_desc_idx, { msg: "sorted_desc_idx" });
  assertTensor(sortedDesc, FIX.sorted_desc, { msg: "sorted_desc" });
  assertTensor(tkVals, FIX.tk_vals, { msg: "tk_vals" });
  assertTensor(tkIdx, FIX.tk_idx, { msg: "tk_idx" });
  assertTensor(gathered, FIX.gathered, { atol: 1e-5, msg: "gathered" });
  assertTensor(oneHot, FIX.one_hot, { msg: "one_hot" });
  assert.equal(oneHot.dtype, "int64");
  assertTensor(scattered, FIX.scattered, { msg: "scattered" });
  assertTensor(scatteredAdd, FIX.scattered_add, { msg: "scattered_add" });
  assertTensor(selected, FIX.selected, { msg: "selected" });
  assertTensor(uniq!, FIX.uniq, { msg: "uniq" });
  assertTensor(inverse!, FIX.inverse, { msg: "inverse" });
  assertTensor(counts!, FIX.counts, { msg: "counts" });
  assertTensor(perClass, FIX.per_class, { msg: "per_class" });
  assertTensor(weighted, FIX.weighted, { atol: 1e-6, msg: "weighted" });
  assert.equal(weighted.dtype, FIX.weighted.dtype);
  assertTensor(fgCount, FIX.fg_count, { msg: "fg_count" });

  // ---- RoI crops with affineGrid / gridSample
  const feat = det([2, 4, 8, 8], 730);
  const rois = torch.tensor([[0.0, 4.0, 4.0, 20.0, 28.0], [1.0, 10.0, 2.0, 30.0, 14.0]]); // (batch, x1, y1, x2, y2)
  const bIdx = rois.index(":", 0).long();
  const [x1, y1, x2, y2] = rois.index(":", "1:").unbind(1);
  const theta = torch.zeros(rois.shape[0]!, 2, 3);
  theta.indexPut_([":", 0, 0], x2!.sub(x1!).div(IMG));
  theta.indexPut_([":", 0, 2], x1!.add(x2!).div(IMG).sub(1));
  theta.indexPut_([":", 1, 1], y2!.sub(y1!).div(IMG));
  theta.indexPut_([":", 1, 2], y1!.add(y2!).div(IMG).sub(1));
  const featR = feat.clone().requiresGrad_();
  const crops = new Map<boolean, Tensor>();
  for (const ac of [false, true]) {
    const grid = F.affineGrid(theta, [rois.shape[0]!, 4, 3, 3], { alignCorners: ac });
    crops.set(ac, F.gridSample(featR.index(bIdx), grid, { mode: "bilinear", paddingMode: "zeros", alignCorners: ac }));
  }
  crops.get(false)!.sum().add(crops.get(true)!.pow(2).sum().mul(2)).backward();
  const cropNearest = F.gridSample(feat.index(bIdx), F.affineGrid(theta, [2, 4, 3, 3], { alignCorners: false }), { mode: "nearest", alignCorners: false });
  assertTensor(crops.get(false)!, FIX.crop_false, { atol: 1e-5, msg: "crop_false" });
  assertTensor(crops.get(true)!, FIX.crop_true, { atol: 1e-5, msg: "crop_true" });
  assertTensor(cropNearest, FIX.crop_nearest, { atol: 1e-6, msg: "crop_nearest" });
  assertTensor(featR.grad!, FIX.feat_grad, { atol: 1e-5, msg: "feat.grad" });

  // what a user gets wrong here raises as PyTorch does, naming the shapes
  const headOut = torch.zeros(2, 9, 4, 4);
  // view after permute: "view size is not compatible with input tensor's size and stride ... Use .reshape(...) instead."
  assert.throws(() => headOut.permute(0, 2, 3, 1).view(2, -1, NUM_CLASSES), (e: Error) => e instanceof torch.ShapeError && /Use reshape\(\.\.\.\) instead/.test(e.message));
  // topk asking for more candidates than a level has: "selected index k out of range" (hence min(k, n) above)
  assert.throws(() => torch.ones(3).topk(5), (e: Error) => e instanceof torch.IndexError && /topk: selected index k out of range \(k = 5, size of dim 0 = 3/.test(e.message));
  // "Class values must be smaller than num_classes."
  assert.throws(() => F.oneHot(torch.tensor([0, 3], { dtype: torch.long }), { numClasses: 3 }), /oneHot: class values must be non-negative and smaller than numClasses \(3\), got 3/);
  // "only one of size or scale_factor should be defined"
  assert.throws(() => F.interpolate(headOut, { size: [8, 8], scaleFactor: 2 }), /interpolate: only one of size or scaleFactor should be defined/);
  // "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear"
  assert.throws(() => F.interpolate(headOut, { scaleFactor: 2, mode: "nearest", alignCorners: false }), /align_corners option can only be set with the interpolating modes/);
  // "grid_sampler(): expected grid and input to have same batch size, but got input with sizes [2, 4, 8, 8] and grid with sizes [1, 3, 3, 2]"
  assert.throws(() => F.gridSample(feat, F.affineGrid(theta.index(":1"), [1, 4, 3, 3], { alignCorners: false }), { alignCorners: false }),
    /gridSample: expected grid and input to have same batch size, but got input with sizes \[2, 4, 8, 8\] and grid with sizes \[1, 3, 3, 2\]/);
  // "torch.meshgrid: indexing must be one of "xy" or "ij", but received: IJ"
  assert.throws(() => torch.meshgrid([torch.arange(2), torch.arange(3)], { indexing: "IJ" as never }), /closest: meshgrid\(\): option 'indexing' must be "ij" or "xy"/);
  // GroupNorm(4, 16) fed 8 channels: "Expected weight to be a vector of size equal to the number of channels in input, but got weight of shape [16] and input of shape [2, 8, 4, 4]"
  assert.throws(() => new nn.GroupNorm(4, 16)(torch.zeros(2, 8, 4, 4)), /expected weight of shape \[8\], got \[16\] \(one per channel of the input, of shape \[2, 8, 4, 4\]\)/);
});

test("detection: a YOLOv5-style build_targets, CIoU loss and decode (in-place ops on views, 4-tensor indexing) match PyTorch", () => {
  const Y = FIX.yolo;
  const p = det([2, na, ny, nx, 5 + NUM_CLASSES], 800, 1.5).requiresGrad_();
  const targets = torch.tensor([[0, 1, 0.30, 0.40, 0.20, 0.35], [0, 2, 0.70, 0.62, 0.50, 0.40],
    [1, 0, 0.52, 0.18, 0.12, 0.10], [1, 1, 0.25, 0.80, 0.30, 0.30]]);
  const [loss, items, gij, tobj] = yoloLoss(p, targets);
  loss.backward();
  const [dec, kept] = torch.noGrad(() => {
    const d = yoloDecode(p.detach());
    return [d, nmsPrep(d)] as const;
  });
  assertTensor(loss, Y.loss, { atol: 1e-5, msg: "loss" });
  assertTensor(items, Y.items, { atol: 1e-5, msg: "loss items" });
  assertTensor(gij, Y.gij, { msg: "gij (clamp_ through the views of gij.T)" });
  assertTensor(tobj, Y.tobj, { atol: 1e-5, msg: "tobj" });
  assertTensor(p.grad!, Y.p_grad, { atol: 1e-6, msg: "p.grad" });
  assertTensor(dec, Y.decoded, { atol: 1e-4, msg: "decoded" });
  assertTensor(kept[0]!, Y.kept0, { atol: 1e-4, msg: "kept[0]" });
  assertTensor(kept[1]!, Y.kept1, { atol: 1e-4, msg: "kept[1]" });
});
