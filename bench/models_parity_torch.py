"""One training step of each untuned-workload model in PyTorch, written for Fluxion to repeat
(test/examples/models_parity.test.ts): for each case a safetensors file holding the initial
weights ("model.<name>", the full state_dict, float64), the inputs ("x", "y"), the gradients
after one backward ("grad.<name>"), and in its metadata the parameter count, the float32
model's loss, and the float64 model's loss before and after one and two optimizer steps.

The step is compared in float64: in float32 a ReLU input that rounds to the other side of
zero (one element in the ResNet, whose f64 value is 2e-8) flips that element's gradient, and
the gradients of the layers below differ by percents between any two correct implementations.
The weights are drawn in float32 and widened, so the float32 model is the same model.
Written by hand (the safetensors package is not needed).

  /usr/bin/python3 bench/models_parity_torch.py OUT_DIR [transformer resnet lstm]"""
import copy, json, os, struct, sys
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models_torch import make_case, make_inputs, loss_fn

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": {k: str(v) for k, v in metadata.items()}}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def one_step(name, out_dir):
    torch.manual_seed(0)
    model, shape, kind, classes, make_opt = make_case(name)
    x, y = make_inputs(shape, kind, classes, torch.Generator().manual_seed(1))
    model.train()
    loss_f32 = loss_fn(copy.deepcopy(model)(x), y).item()  # a copy: BatchNorm's running stats stay initial
    model.double()
    if x.is_floating_point():
        x = x.double()
    tensors = {f"model.{k}": v.clone() for k, v in model.state_dict().items()}
    opt = make_opt(model.parameters())
    opt.zero_grad(set_to_none=True)
    loss0 = loss_fn(model(x), y)
    loss0.backward()
    for k, p in model.named_parameters():
        tensors[f"grad.{k}"] = p.grad.clone()
    opt.step()
    opt.zero_grad(set_to_none=True)
    loss1 = loss_fn(model(x), y)
    loss1.backward()
    opt.step()  # a second step: SGD's momentum and Adam's moments only matter from the second on
    with torch.no_grad():
        loss2 = loss_fn(model(x), y)
    tensors["x"], tensors["y"] = x, y
    meta = {"case": name, "loss_f32": repr(loss_f32), "loss0": repr(loss0.item()), "loss1": repr(loss1.item()), "loss2": repr(loss2.item()),
            "parameters": sum(p.numel() for p in model.parameters()), "torch": torch.__version__}
    write_safetensors(os.path.join(out_dir, f"{name}.safetensors"), tensors, meta)
    print(json.dumps(meta))


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for case in sys.argv[2:] or ["transformer", "resnet", "lstm"]:
        one_step(case, out)
