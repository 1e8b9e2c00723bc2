"""Writes the ONNX graphs that the ONNX Runtime peer runs (bench/peers/onnxruntime.ts):
SimpleNet and the small CNN (the models of bench/fashion_mnist_torch.py, inference only,
dynamic batch) and a bare MatMul with dynamic sizes for the GEMM cases, exported from PyTorch.

  /usr/bin/python3 bench/export_onnx.py bench/out/onnx"""
import os, sys
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fashion_mnist_torch import SimpleNet, small_cnn


class MatMul(torch.nn.Module):
    def forward(self, a, b):
        return torch.matmul(a, b)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "bench/out/onnx"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name, model in (("mlp", SimpleNet()), ("cnn", small_cnn())):
        model.eval()
        torch.onnx.export(model, torch.randn(1, 1, 28, 28), os.path.join(out, f"{name}.onnx"), input_names=["x"], output_names=["logits"],
                          dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
    torch.onnx.export(MatMul(), (torch.randn(8, 8), torch.randn(8, 8)), os.path.join(out, "matmul.onnx"), input_names=["a", "b"], output_names=["c"],
                      dynamic_axes={"a": {0: "m", 1: "k"}, "b": {0: "k", 1: "n"}, "c": {0: "m", 1: "n"}}, opset_version=13)
    print(f"ONNX models written to {out}: mlp.onnx, cnn.onnx, matmul.onnx")


if __name__ == "__main__":
    main()
