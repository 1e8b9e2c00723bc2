/**
 * "Adversarial Example Generation" (pytorch.org/tutorials/beginner/fgsm_tutorial) translated
 * line by line: FGSM against the tutorial's LeNet, with test/fixtures/tutorials/fgsm.py's
 * deterministic weights and 40 test images (no pretrained model, no MNIST download), checked
 * against PyTorch 1.13 (fgsm.json): the accuracy per epsilon, the printed lines, every
 * attacked image's new prediction and the saved adversarial examples. Lines that needed more
 * than the mechanical changes carry a comment.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../../src/index.js";
import { data as tdata, nn, noGrad, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { det, detLabels, initDeterministic, loadFixture } from "./common.js";

const F = nn.F;
const FX = loadFixture("fgsm.json");

test("FGSM: accuracy under attack per epsilon, the perturbed predictions and the examples match PyTorch", () => {
  const epsilons = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3];
  const device = "cpu"; // torch.device("cpu")

  // LeNet Model definition
  class Net extends nn.Module {
    conv1 = new nn.Conv2d(1, 10, { kernelSize: 5 });
    conv2 = new nn.Conv2d(10, 20, { kernelSize: 5 });
    conv2_drop = new nn.Dropout2d();
    fc1 = new nn.Linear(320, 50);
    fc2 = new nn.Linear(50, 10);

    forward(x: Tensor): Tensor {
      x = F.relu(F.maxPool2d(this.conv1(x), 2));
      x = F.relu(F.maxPool2d(this.conv2_drop(this.conv2(x)), 2));
      x = x.view(-1, 320);
      x = F.relu(this.fc1(x));
      x = F.dropout(x, { training: this.training });
      x = this.fc2(x);
      return F.logSoftmax(x, { dim: 1 });
    }
  }

  // Initialize the network
  const model = new Net().to(device);
  initDeterministic(model, 4000); // instead of loading lenet_mnist_model.pth

  // Set the model in evaluation mode. In this case this is for the Dropout layers
  model.eval();

  // the test set: 40 images, their labels those the model predicts for half of them
  const images = det([40, 1, 28, 28], 4100, 0.5, 0.5);
  const predicted = noGrad(() => model(images).argmax(1));
  const labels = torch.where(torch.arange(40).remainder(2).eq(0), predicted, detLabels(40, 4101, 10));
  assert.deepEqual(labels.tolist(), FX.labels);
  const testLoader = new tdata.DataLoader(new tdata.TensorDataset(images, labels), { batchSize: 1, shuffle: false });

  // FGSM attack code
  function fgsmAttack(image: Tensor, epsilon: number, dataGrad: Tensor): Tensor {
    // Collect the element-wise sign of the data gradient
    const signDataGrad = dataGrad.sign();
    // Create the perturbed image by adjusting each pixel of the input image
    let perturbedImage = image.add(signDataGrad.mul(epsilon)); // image + epsilon*sign_data_grad
    // Adding clipping to maintain [0,1] range
    perturbedImage = torch.clamp(perturbedImage, 0, 1);
    // Return the perturbed image
    return perturbedImage;
  }

  const printed: string[] = [];
  const finalPreds: Record<string, number[]> = {};

  function testAttack(model: Net, device: string, testLoader: tdata.DataLoader<[Tensor, Tensor]>, epsilon: number): [number, [number, number, number[]][]] {
    // Accuracy counter
    let correct = 0;
    const advExamples: [number, number, number[]][] = [];
    const preds: number[] = [];

    // Loop over all examples in test set
    for (let [data, target] of testLoader) {
      // Send the data and label to the device
      [data, target] = [data.to(device), target.to(device)];

      // Set requires_grad attribute of tensor. Important for Attack
      data.requiresGrad = true;

      // Forward pass the data through the model
      let output = model(data);
      const initPred = output.max(1, { keepdim: true })[1]; // get the index of the max log-probability

      // If the initial prediction is wrong, dont bother attacking, just move on
      if (initPred.item() !== target.item()) continue;

      // Calculate the loss
      const loss = F.nllLoss(output, target);

      // Zero all existing gradients
      model.zeroGrad();

      // Calculate gradients of model in backward pass
      loss.backward();

      // Collect datagrad
      const dataGrad = data.grad!.data;

      // Call FGSM Attack
      const perturbedData = fgsmAttack(data, epsilon, dataGrad);

      // Re-classify the perturbed image
      output = model(perturbedData);

      // Check for success
      const finalPred = output.max(1, { keepdim: true })[1]; // get the index of the max log-probability
      preds.push(finalPred.item());
      if (finalPred.item() === target.item()) {
        correct += 1;
        // Special case for saving 0 epsilon examples
        if (epsilon === 0 && advExamples.length < 5) {
          const advEx = perturbedData.squeeze().detach().cpu().tolist() as number[][]; // .numpy(): no NumPy in JS
          advExamples.push([initPred.item(), finalPred.item(), advEx.flat()]);
        }
      } else {
        // Save some adv examples for visualization later
        if (advExamples.length < 5) {
          const advEx = perturbedData.squeeze().detach().cpu().tolist() as number[][];
          advExamples.push([initPred.item(), finalPred.item(), advEx.flat()]);
        }
      }
    }

    // Calculate final accuracy for this epsilon
    const finalAcc = correct / testLoader.length; // correct/float(len(test_loader))
    printed.push(`Epsilon: ${epsilon}\tTest Accuracy = ${correct} / ${testLoader.length} = ${finalAcc}`);
    finalPreds[String(epsilon)] = preds;

    // Return the accuracy and an adversarial example
    return [finalAcc, advExamples];
  }

  const accuracies: number[] = [];
  const examples: [number, number, number[]][][] = [];

  // Run test for each epsilon
  for (const eps of epsilons) {
    const [acc, ex] = testAttack(model, device, testLoader, eps);
    accuracies.push(acc);
    examples.push(ex);
  }

  assert.deepEqual(accuracies, FX.accuracies);
  // Python prints 0 and 0.05 as "0" and "0.05", as JS does
  assert.deepEqual(printed, FX.printed);
  for (const eps of epsilons) assert.deepEqual(finalPreds[String(eps)], FX.final_preds[String(eps)], `predictions at epsilon ${eps}`);
  assert.equal(examples.length, FX.examples.length);
  examples.forEach((ex, i) => {
    assert.equal(ex.length, FX.examples[i].length, `examples at epsilon ${epsilons[i]}`);
    ex.forEach(([a, b, adv], j) => {
      assert.deepEqual([a, b], FX.examples[i][j].slice(0, 2));
      assertClose(adv.slice(0, 50), FX.examples[i][j][2], { atol: 1e-6 });
    });
  });
});
