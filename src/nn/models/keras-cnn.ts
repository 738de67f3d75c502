import { Conv2d, Dropout, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '../layers.js';
import { checkInputShape, seedIfGiven, TrunkBody, type ModelSpec } from './types.js';

/**
 * The Keras examples' mnist_cnn: Conv(32, 3×3, relu) → Conv(64, 3×3, relu) → MaxPool(2) → Dropout(0.25) → Flatten →
 * Dense(128, relu) → Dropout(0.5) → [Dense(10)]. Valid padding, glorot-uniform weights, zero biases.
 * Features are the 128-d dense layer after dropout. Works for any C×H×W with H, W ≥ 6.
 */
export const kerasCnn: ModelSpec = {
  id: 'keras-cnn',
  title: 'Keras MNIST CNN (conv32-conv64-pool-dense128, dropout)',
  inputShape: [1, 28, 28],
  createBody(inputShape, opts) {
    checkInputShape('keras-cnn', inputShape, 3);
    const [c, h, w] = inputShape;
    if (h < 6 || w < 6) throw new Error(`keras-cnn: input must be at least 6×6, got ${h}×${w}`);
    seedIfGiven(opts.seed);
    const init = 'glorot-uniform';
    const ph = Math.floor((h - 4) / 2);
    const pw = Math.floor((w - 4) / 2);
    const trunk = new Sequential(
      new Conv2d(c, 32, 3, { init }),
      new ReLU(),
      new Conv2d(32, 64, 3, { init }),
      new ReLU(),
      new MaxPool2d(2),
      new Dropout(0.25),
      new Flatten(),
      new Linear(64 * ph * pw, 128, { init }),
      new ReLU(),
      new Dropout(0.5),
    );
    return new TrunkBody(trunk, 128);
  },
  // Keras Adadelta(learning_rate=1.0, rho=0.95, epsilon=1e-7) as in the original example.
  defaultOptimizer: { kind: 'adadelta', lr: 1.0, rho: 0.95, eps: 1e-7 },
  defaultEpochs: 12,
  defaultBatchSize: 128,
};
