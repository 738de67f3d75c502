// Baikal: the loss found by GLO's genetic-programming search (the formula is as recalled; see the source note).
import { softmaxScores, targetValue } from './common.js';
import { lossHead } from './builders.js';

export const baikal = lossHead(
  'baikal',
  // −(1/C) Σ_k [log p_k − t_k/p_k] = −(1/C) Σ_k log p_k + (1/C)·1/p_y. 1/p_y is unbounded; that is the loss, not a bug.
  ({ z, y, numClasses }) => {
    const logP = z.logSoftmax(1);
    return logP.sum(1).neg().add(targetValue(logP, y).neg().exp()).div(numClasses);
  },
  {
    title: 'Baikal (GLO)',
    formula:
      'L = −(1/C) Σ_k [log p_k − t_k / p_k],  p = softmax(z)  (recalled, not checked against the paper)',
    source:
      'Gonzalez & Miikkulainen 2020, "Improved Training Speed, Accuracy, and Data Utilization Through Loss Function ' +
      'Optimization", IEEE CEC 2020, arXiv:1905.11528',
    scores: (z) => softmaxScores(z),
  },
);
