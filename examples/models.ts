/**
 * The models of the main job, shared by examples/fashion-mnist.ts and the benchmarks:
 * the seed's SimpleNet (as DESIGN.md writes it) and a small CNN.
 */
import { nn, type Tensor } from "../src/index.js";

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
