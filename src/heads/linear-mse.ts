// Oland et al.'s "linear output": no output activation, squared error against the one-hot target.
import { clipNormalise } from './common.js';
import { lossHead } from './builders.js';

export const linearMse = lossHead('linear-mse', ({ z, t }) => z.sub(t).square().sum(1).mul(0.5), {
  title: 'Linear output + squared error',
  formula: 'L = ½ Σ_k (z_k − t_k)²;  δ = z − t;  predict argmax z',
  source: 'Oland, Bansal, Dannenberg & Raj 2017, "Be Careful What You Backpropagate", arXiv:1707.04199',
  // z regresses onto the one-hot target, so clip-and-normalise is its probability estimate (see clipNormalise).
  scores: (z) => clipNormalise(z),
});
