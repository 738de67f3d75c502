import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '../layers.js';
import { checkInputShape, seedIfGiven, TrunkBody, type ModelSpec } from './types.js';

/**
 * LeNet-5 in its common modern form (ReLU, max-pooling): conv6 5×5 → pool 2 → conv16 5×5 → pool 2 → 120 → 84.
 * On 32×32 inputs (CIFAR-10, 3 channels) it is LeNet's original geometry; smaller inputs such as 28×28 MNIST get
 * padding 2 on the first conv so the 16×5×5 map is the same. PyTorch default init (kaiming-uniform). Features are 84-d.
 */
export const lenet5: ModelSpec = {
  id: 'lenet5',
  title: 'LeNet-5 (conv6-conv16-120-84, relu, max-pool)',
  inputShape: [1, 28, 28],
  createBody(inputShape, opts) {
    checkInputShape('lenet5', inputShape, 3);
    const [c, h, w] = inputShape;
    const pad = h < 32 || w < 32 ? 2 : 0;
    const after = (n: number): number => Math.floor((Math.floor((n + 2 * pad - 4) / 2) - 4) / 2);
    const fh = after(h);
    const fw = after(w);
    if (fh < 1 || fw < 1) throw new Error(`lenet5: input ${h}×${w} is too small (needs at least 14×14)`);
    seedIfGiven(opts.seed);
    const trunk = new Sequential(
      new Conv2d(c, 6, 5, { padding: pad }),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(6, 16, 5),
      new ReLU(),
      new MaxPool2d(2),
      new Flatten(),
      new Linear(16 * fh * fw, 120),
      new ReLU(),
      new Linear(120, 84),
      new ReLU(),
    );
    return new TrunkBody(trunk, 84);
  },
  defaultOptimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9 },
  defaultEpochs: 10,
  defaultBatchSize: 128,
};
