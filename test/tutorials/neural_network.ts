/**
 * The NeuralNetwork of the "Build the Neural Network" tutorial, translated; the
 * Optimization and Save & Load tutorials use it again (as the tutorials do).
 */
import { nn, type Tensor } from "../../src/index.js";

export class NeuralNetwork extends nn.Module {
  flatten: nn.Flatten; // not mechanical: TypeScript wants the fields declared
  linearReluStack: nn.Sequential;

  constructor() {
    super();
    this.flatten = new nn.Flatten();
    this.linearReluStack = new nn.Sequential(
      new nn.Linear(28 * 28, 512),
      new nn.ReLU(),
      new nn.Linear(512, 512),
      new nn.ReLU(),
      new nn.Linear(512, 10),
    );
  }

  forward(x: Tensor): Tensor {
    x = this.flatten(x);
    const logits = this.linearReluStack(x);
    return logits;
  }
}
