// ArcFace: an additive angular margin on the target class.
import { ceRows, param, requireNonNegative, requirePositive, targetValue } from './common.js';
import { lossHead } from './builders.js';

export const arcface = lossHead(
  'arcface',
  ({ z, y, t, params }) => {
    const s = param(params, 's');
    const m = param(params, 'm');
    const cos = targetValue(z, y).clamp(-1, 1);
    // cos(θ + m) = cos θ cos m − sin θ sin m with sin θ = √(1 − cos²θ) ≥ 0 on [0, π]: no acos needed. The floor under
    // the root keeps the gradient finite at |cos θ| = 1.
    const sin = cos.square().neg().add(1).clamp(1e-12).sqrt();
    const margined = cos.mul(Math.cos(m)).sub(sin.mul(Math.sin(m)));
    // Official code: once θ + m > π, cos(θ + m) would rise again with θ; use cos θ − m·sin m there, which stays
    // decreasing and continuous at θ = π − m.
    const inRange = cos.gt(Math.cos(Math.PI - m)).to(z.dtype);
    const fallback = cos.sub(Math.sin(Math.PI - m) * m);
    const target = fallback.add(margined.sub(fallback).mul(inRange));
    const logits = z.add(t.mul(target.sub(targetValue(z, y)).unsqueeze(1)));
    return ceRows(logits.mul(s), y);
  },
  {
    title: 'ArcFace (additive angular margin)',
    formula:
      'L = −log softmax(s·cos(θ + m·t))_y  (unit features and weights, no bias; s = 64, m = 0.5; for θ_y > π − m the ' +
      'official code uses cos θ_y − m·sin m)',
    source:
      'Deng, Guo, Xue & Zafeiriou 2019, "ArcFace: Additive Angular Margin Loss for Deep Face Recognition", CVPR 2019, ' +
      'arXiv:1801.07698 (fallback as in deepinsight/insightface)',
    defaults: { s: 64, m: 0.5 },
    outputLayer: 'cosine',
    validate: (p) => {
      requirePositive(p, 's');
      requireNonNegative(p, 'm');
      if (param(p, 'm') >= Math.PI / 2) throw new Error(`parameter 'm' must be < π/2, got ${p.m}.`);
    },
    // At test time there is no margin: softmax(s·cos θ).
    scores: (z, p) => z.mul(param(p, 's')).softmax(1),
  },
);
