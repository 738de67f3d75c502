import { Dropout, Flatten, Linear, ReLU, Sequential } from '../layers.js';
import { product, seedIfGiven, TrunkBody, type ModelSpec } from './types.js';

/**
 * The Keras examples' mnist_mlp: Dense(512, relu) → Dropout(0.2) → Dense(512, relu) → Dropout(0.2) → [Dense(10)].
 * Glorot-uniform weights, zero biases (Keras defaults). Features are the 512-d second hidden layer after dropout.
 * Any input shape works: it is flattened.
 */
export const kerasMlp: ModelSpec = {
  id: 'keras-mlp',
  title: 'Keras MNIST MLP (784-512-512, relu, dropout 0.2)',
  inputShape: [1, 28, 28],
  createBody(inputShape, opts) {
    seedIfGiven(opts.seed);
    const init = 'glorot-uniform';
    const trunk = new Sequential(
      new Flatten(),
      new Linear(product(inputShape), 512, { init }),
      new ReLU(),
      new Dropout(0.2),
      new Linear(512, 512, { init }),
      new ReLU(),
      new Dropout(0.2),
    );
    return new TrunkBody(trunk, 512);
  },
  // Keras RMSprop(learning_rate=1e-3, rho=0.9, epsilon=1e-7); ρ is torch's `alpha`.
  defaultOptimizer: { kind: 'rmsprop', lr: 1e-3, alpha: 0.9, eps: 1e-7 },
  defaultEpochs: 20,
  defaultBatchSize: 128,
};
