/**
 * Tensor convenience wrappers: copy a tensor to the host once and call the host metric. Metrics over a whole
 * evaluation set are cheap on the host, and this keeps one implementation of each definition.
 */
import { type Tensor, scope } from '../engine/index.js';
import { accuracy, ece, nll } from './classification.js';
import type { Matrix } from './matrix.js';

/** A 2-D float tensor (any device) as a host matrix; float64 stays float64, everything else becomes float32. */
export function toMatrix(t: Tensor): Matrix {
  if (t.ndim !== 2) throw new Error(`toMatrix: expected a 2-D tensor, got shape [${t.shape.join(', ')}]`);
  const [rows, cols] = t.shape;
  return scope(() => {
    const host = t.device === 'cpu' ? t : t.toDevice('cpu');
    const data = host.dtype === 'float64' ? host.toFloat64Array() : host.to('float32').toFloat32Array();
    return { data, rows, cols };
  });
}

/** A 1-D integer tensor (int64 or any dtype holding integers) as host labels. */
export function toLabels(t: Tensor): Int32Array {
  if (t.ndim !== 1) throw new Error(`toLabels: expected a 1-D tensor, got shape [${t.shape.join(', ')}]`);
  return scope(() => Int32Array.from((t.device === 'cpu' ? t : t.toDevice('cpu')).toNumbers()));
}

/** Accuracy of scores [B, C] (argmax) or predicted class indices [B] against labels [B]. */
export function tensorAccuracy(pred: Tensor, labels: Tensor): number {
  return accuracy(pred.ndim === 2 ? toMatrix(pred) : toLabels(pred), toLabels(labels));
}

export function tensorEce(probs: Tensor, labels: Tensor, bins = 15): number {
  return ece(toMatrix(probs), toLabels(labels), bins);
}

export function tensorNll(probs: Tensor, labels: Tensor, eps = 1e-12): number {
  return nll(toMatrix(probs), toLabels(labels), eps);
}
