// A plugin: a module that defines heads. Load it with `--plugin examples/my-heads.js` (every command, and the worker
// processes they fork, then know `my-head`) or import it from a script (see custom-head.mjs).
import { defineHead } from 'headroom';

// A δ-rule: the softmax error p − t, scaled up for the examples the network gets wrong. It is not the gradient of a
// loss headroom knows; the body receives exactly δ/B.
defineHead({
  id: 'my-head',
  title: 'Hardness-weighted softmax error (example δ-rule)',
  formula: 'δ_k = (1 + γ(1 − p_y))·(p_k − t_k),  p = softmax(z)  (γ = 1)',
  source: 'examples/my-heads.js',
  params: { gamma: 1 },
  validate: (p) => {
    if (!(p.gamma >= 0)) throw new Error(`gamma must be ≥ 0, got ${p.gamma}`);
  },
  deltaRule: ({ z, t, params }) => {
    const p = z.softmax(1);
    const pTarget = p.mul(t).sum(1, true); // p_y, [B, 1]
    const weight = pTarget.neg().add(1).mul(params.gamma).add(1);
    return p.sub(t).mul(weight);
  },
});
