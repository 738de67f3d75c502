// A plugin that defines a dataset read from a CSV folder and a small model for it:
//   npx headroom compare --plugin examples/my-data.js --dataset clusters --model small-mlp --heads softmax-ce,linear-mse
import { defineDataset, defineModel, nn } from 'headroom';

// train.csv and test.csv: four numeric columns and a text label column, 'species' (classes in sorted order).
// The URL makes the folder relative to this file rather than to the working directory.
defineDataset({
  name: 'clusters',
  title: 'Three Gaussian clusters in 4-D (examples/data/clusters, CSV)',
  load: {
    format: 'csv',
    dir: new URL('./data/clusters/', import.meta.url),
    label: 'species',
    standardize: true,
  },
});

// A body maps a batch [B, ...sampleShape] to features [B, featureDim]; each head adds its own output layer on top.
defineModel({
  id: 'small-mlp',
  title: 'MLP 32-32 (relu) for small tabular inputs',
  createBody: (inputShape) => {
    const inputs = inputShape.reduce((a, b) => a * b, 1);
    const trunk = new nn.Sequential(
      new nn.Flatten(),
      new nn.Linear(inputs, 32),
      new nn.ReLU(),
      new nn.Linear(32, 32),
      new nn.ReLU(),
    );
    return new nn.TrunkBody(trunk, 32);
  },
  defaultOptimizer: { kind: 'adam', lr: 0.01 },
  defaultEpochs: 20,
  defaultBatchSize: 32,
});
