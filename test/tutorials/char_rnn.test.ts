/**
 * "Classifying Names with a Character-Level RNN"
 * (pytorch.org/tutorials/intermediate/char_rnn_classification_tutorial) translated line by
 * line: one-hot letters, the hand-written RNN of two Linear layers with LogSoftmax, NLLLoss
 * and SGD through `p.data.add_(p.grad.data, alpha=-lr)`; then the same task with nn.RNN and
 * optim.SGD (the tutorial's newer version). Checked against PyTorch 1.13
 * (test/fixtures/tutorials/char_rnn.py -> char_rnn.json), which also holds the names (the
 * tutorial reads data/names/*.txt) and the recorded random.choice draws, replayed here.
 * Lines that needed more than the mechanical changes carry a comment saying so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cat, nn, noGrad, optim, tensor, zeros, type Tensor } from "../../src/index.js";
import { assertClose } from "../helpers.js";
import { assertTensor, initDeterministic, loadFixture } from "./common.js";

const F = loadFixture("char_rnn.json");

const allLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" + " .,;'"; // string.ascii_letters + " .,;'"
const nLetters = allLetters.length;

// Turn a Unicode string to plain ASCII, thanks to https://stackoverflow.com/a/518232/2809427
function unicodeToAscii(s: string): string {
  return [...s.normalize("NFD")].filter((c) => !/\p{Mn}/u.test(c) && allLetters.includes(c)).join(""); // unicodedata.category(c) != 'Mn'
}

// Build the categoryLines dictionary, a list of names per language
const categoryLines: Record<string, string[]> = {};
const allCategories: string[] = [];
for (const [category, lines] of Object.entries(F.names as Record<string, string[]>)) { // for filename in findFiles('data/names/*.txt')
  allCategories.push(category);
  categoryLines[category] = lines.map(unicodeToAscii);
}
const nCategories = allCategories.length;

// Find letter index from allLetters, e.g. "a" = 0
function letterToIndex(letter: string): number {
  return allLetters.indexOf(letter); // all_letters.find(letter)
}

// Just for demonstration, turn a letter into a <1 x nLetters> Tensor
function letterToTensor(letter: string): Tensor {
  const tensor = zeros(1, nLetters);
  tensor.index(0).indexPut_([letterToIndex(letter)], 1); // tensor[0][letterToIndex(letter)] = 1
  return tensor;
}

// Turn a line into a <lineLength x 1 x nLetters>,
// or an array of one-hot letter vectors
function lineToTensor(line: string): Tensor {
  const tensor = zeros(line.length, 1, nLetters);
  for (const [li, letter] of [...line].entries()) { // for li, letter in enumerate(line)
    tensor.index(li).index(0).indexPut_([letterToIndex(letter)], 1); // tensor[li][0][letterToIndex(letter)] = 1
  }
  return tensor;
}

class RNN extends nn.Module {
  hiddenSize: number; // not mechanical: TypeScript wants the fields declared
  i2h: nn.Linear;
  i2o: nn.Linear;
  softmax: nn.LogSoftmax;

  constructor(inputSize: number, hiddenSize: number, outputSize: number) {
    super();

    this.hiddenSize = hiddenSize;

    this.i2h = new nn.Linear(inputSize + hiddenSize, hiddenSize);
    this.i2o = new nn.Linear(inputSize + hiddenSize, outputSize);
    this.softmax = new nn.LogSoftmax({ dim: 1 });
  }

  forward(input: Tensor, hidden: Tensor): [Tensor, Tensor] {
    const combined = cat([input, hidden], 1); // torch.cat((input, hidden), 1)
    hidden = this.i2h(combined);
    let output = this.i2o(combined);
    output = this.softmax(output);
    return [output, hidden];
  }

  initHidden(): Tensor {
    return zeros(1, this.hiddenSize);
  }
}

function categoryFromOutput(output: Tensor): [string, number] {
  const [topN, topI] = output.topk(1);
  const categoryI = topI.index(0).item(); // top_i[0].item()
  return [allCategories[categoryI]!, categoryI];
}

test("char-RNN: unicodeToAscii, one-hot letters and lines", () => {
  assert.equal(unicodeToAscii("Ślusàrski"), F.unicode_to_ascii);
  assert.deepEqual(categoryLines, F.category_lines);
  assertTensor(letterToTensor("J"), F.letter_J, { atol: 0, rtol: 0 });
  assert.deepEqual(lineToTensor("Jones").size(), F.jones_size);
  assert.deepEqual(lineToTensor("Jones").argmax(2).reshape(-1).tolist(), F.jones_argmax);
});

test("char-RNN: the hand-written RNN trained with NLLLoss and p.data.add_(p.grad.data, alpha=-lr)", () => {
  const nHidden = 128;
  const rnn = new RNN(nLetters, nHidden, nCategories);
  initDeterministic(rnn, 1);
  assert.equal(`${rnn}`, F.rnn_str);

  let input = letterToTensor("A");
  let hidden = zeros(1, nHidden);
  let [output, nextHidden] = rnn(input, hidden);
  assertTensor(output, F.first_output, { atol: 1e-6, rtol: 1e-5 });
  assertTensor(nextHidden, F.first_hidden, { atol: 1e-6, rtol: 1e-5 });

  input = lineToTensor("Albert");
  hidden = zeros(1, nHidden);
  [output, nextHidden] = rnn(input.index(0), hidden); // rnn(input[0], hidden)
  assertTensor(output, F.albert_output, { atol: 1e-6, rtol: 1e-5 });
  assert.deepEqual(categoryFromOutput(output), F.albert_category);

  let draw = 0;
  function randomTrainingExample(): [string, string, Tensor, Tensor] {
    const [category, line] = F.examples[draw++] as [string, string]; // randomChoice(all_categories), randomChoice(category_lines[category]): Python's draws, replayed
    assert.ok(categoryLines[category]!.includes(line));
    const categoryTensor = tensor([allCategories.indexOf(category)], { dtype: "int32" }); // not mechanical: dtype=torch.long -- no int64 dtype (nor fx.long) yet; class indices are int32
    const lineTensor = lineToTensor(line);
    return [category, line, categoryTensor, lineTensor];
  }

  const criterion = new nn.NLLLoss();
  const learningRate = 0.005; // If you set this too high, it might explode. If too low, it might not learn

  function train(categoryTensor: Tensor, lineTensor: Tensor): [Tensor, number] {
    let hidden = rnn.initHidden();

    rnn.zeroGrad();

    let output!: Tensor; // not mechanical: a Python loop variable outlives its loop
    for (let i = 0; i < lineTensor.size()[0]!; i++) {
      [output, hidden] = rnn(lineTensor.index(i), hidden); // rnn(line_tensor[i], hidden)
    }

    const loss = criterion(output, categoryTensor);
    loss.backward();

    // Add parameters' gradients to their values, multiplied by learning rate
    for (const p of rnn.parameters()) {
      p.data.add_(p.grad!.data, { alpha: -learningRate });
    }

    return [output, loss.item()];
  }

  const nIters: number = F.n_iters;
  const printEvery: number = F.print_every;
  const losses: number[] = [], printed: string[] = [], allLosses: number[] = [];
  let currentLoss = 0;
  for (let iter = 1; iter < nIters + 1; iter++) {
    const [category, line, categoryTensor, lineTensor] = randomTrainingExample();
    const [output, loss] = train(categoryTensor, lineTensor);
    losses.push(loss);
    currentLoss += loss;

    // Print iter number, loss, name and guess
    if (iter % printEvery === 0) {
      const [guess] = categoryFromOutput(output);
      const correct = guess === category ? "✓" : `✗ (${category})`;
      printed.push(`${iter} ${Math.trunc((iter / nIters) * 100)}% ${loss.toFixed(4)} ${line} / ${guess} ${correct}`); // '%d %d%% %.4f %s / %s %s' % (...): JS has no printf
      allLosses.push(currentLoss / printEvery);
      currentLoss = 0;
    }
  }
  assertClose(losses, F.losses, { atol: 1e-5, rtol: 1e-4 });
  assert.deepEqual(printed, F.printed);
  assertClose(allLosses, F.all_losses, { atol: 1e-5, rtol: 1e-4 });

  // Just return an output given a line
  function evaluate(lineTensor: Tensor): Tensor {
    let hidden = rnn.initHidden();
    let output!: Tensor;
    for (let i = 0; i < lineTensor.size()[0]!; i++) {
      [output, hidden] = rnn(lineTensor.index(i), hidden);
    }
    return output;
  }

  function predict(inputLine: string, nPredictions = 3): [number, string][] {
    return noGrad(() => { // with torch.no_grad():
      const output = evaluate(lineToTensor(inputLine));

      // Get top N categories
      const [topv, topi] = output.topk(nPredictions, 1, true);
      const predictions: [number, string][] = [];

      for (let i = 0; i < nPredictions; i++) {
        const value = topv.index(0).index(i).item(); // topv[0][i].item()
        const categoryIndex = topi.index(0).index(i).item();
        predictions.push([value, allCategories[categoryIndex]!]);
      }
      return predictions;
    });
  }

  for (const name of ["Dovesky", "Jackson", "Satoshi"]) {
    const got = predict(name), want = F.predictions[name] as [number, string][];
    assert.deepEqual(got.map(([, c]) => c), want.map(([, c]) => c), name);
    assertClose(got.map(([v]) => v), want.map(([v]) => v), { atol: 1e-5, rtol: 1e-4, msg: name });
  }
  assertTensor(rnn.i2o.bias!, F.final_i2o_bias, { atol: 1e-6, rtol: 1e-4 });
});

class CharRNN extends nn.Module {
  rnn: nn.RNN; // not mechanical: TypeScript wants the fields declared
  h2o: nn.Linear;
  softmax: nn.LogSoftmax;

  constructor(inputSize: number, hiddenSize: number, outputSize: number) {
    super();

    this.rnn = new nn.RNN(inputSize, hiddenSize);
    this.h2o = new nn.Linear(hiddenSize, outputSize);
    this.softmax = new nn.LogSoftmax({ dim: 1 });
  }

  forward(lineTensor: Tensor): Tensor {
    const [rnnOut, hidden] = this.rnn(lineTensor);
    let output = this.h2o(hidden.index(0)); // self.h2o(hidden[0])
    output = this.softmax(output);

    return output;
  }
}

test("char-RNN: the same task with nn.RNN, NLLLoss and optim.SGD", () => {
  const nHidden = 128;
  const model = new CharRNN(nLetters, nHidden, nCategories);
  initDeterministic(model, 10);
  assert.equal(`${model}`, F.char_rnn_str);
  assert.deepEqual([...model.namedParameters()].map(([n, p]) => [n, [...p.shape]]), F.char_rnn_params);
  const criterion = new nn.NLLLoss();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.005 });
  const losses: number[] = [];
  for (const [category, line] of F.examples as [string, string][]) {
    const categoryTensor = tensor([allCategories.indexOf(category)], { dtype: "int32" }); // dtype=torch.long: int32 (no int64 yet)
    const lineTensor = lineToTensor(line);
    const output = model(lineTensor);
    const loss = criterion(output, categoryTensor);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  }
  assertClose(losses, F.char_rnn_losses, { atol: 1e-5, rtol: 1e-4 });
  noGrad(() => {
    for (const name of ["Dovesky", "Jackson", "Satoshi"]) {
      assert.deepEqual(model(lineToTensor(name)).topk(3, 1, true)[1].index(0).tolist(), F.char_rnn_predictions[name], name);
    }
  });
});
