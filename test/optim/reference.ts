/**
 * Plain-JS float64 transcriptions of PyTorch 1.13's update rules (torch/optim/*.py, single-tensor path),
 * written independently of src/optim so the tests compare two implementations.
 */
export type Vec = number[];

/** The toy objective the tests differentiate: f(p) = Σ ½·a·p² + c·p, so ∇f = a·p + c. */
export function gradOf(p: Vec, a: Vec, c: Vec): Vec {
  return p.map((x, i) => a[i] * x + c[i]);
}

export interface RefOpt {
  step(p: Vec, g: Vec): void;
}

export function refSgd(o: {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  wd?: number;
}): RefOpt {
  const mu = o.momentum ?? 0;
  const damp = o.dampening ?? 0;
  const wd = o.wd ?? 0;
  let buf: Vec | null = null;
  return {
    step(p, g) {
      let d = g.map((gi, i) => gi + wd * p[i]);
      if (mu !== 0) {
        if (buf === null) buf = [...d];
        else buf = buf.map((b, i) => mu * b + (1 - damp) * d[i]);
        const b = buf;
        d = o.nesterov ? d.map((di, i) => di + mu * b[i]) : [...b];
      }
      for (let i = 0; i < p.length; i++) p[i] -= o.lr * d[i];
    },
  };
}

export function refAdam(o: {
  lr: number;
  b1?: number;
  b2?: number;
  eps?: number;
  wd?: number;
  decoupled?: boolean;
}): RefOpt {
  const b1 = o.b1 ?? 0.9;
  const b2 = o.b2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  const wd = o.wd ?? 0;
  let m: Vec | null = null;
  let v: Vec | null = null;
  let t = 0;
  return {
    step(p, g0) {
      t++;
      let g = g0;
      if (wd !== 0 && o.decoupled) for (let i = 0; i < p.length; i++) p[i] *= 1 - o.lr * wd;
      else if (wd !== 0) g = g0.map((gi, i) => gi + wd * p[i]);
      m ??= g.map(() => 0);
      v ??= g.map(() => 0);
      for (let i = 0; i < p.length; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        const mHat = m[i] / (1 - b1 ** t);
        const vHatSqrt = Math.sqrt(v[i]) / Math.sqrt(1 - b2 ** t);
        p[i] -= (o.lr * mHat) / (vHatSqrt + eps);
      }
    },
  };
}

export function refRmsprop(o: {
  lr: number;
  alpha?: number;
  eps?: number;
  momentum?: number;
  wd?: number;
  centered?: boolean;
}): RefOpt {
  const alpha = o.alpha ?? 0.99;
  const eps = o.eps ?? 1e-8;
  const mu = o.momentum ?? 0;
  const wd = o.wd ?? 0;
  let s: Vec | null = null;
  let gbar: Vec | null = null;
  let buf: Vec | null = null;
  return {
    step(p, g0) {
      const g = g0.map((gi, i) => gi + wd * p[i]);
      s ??= g.map(() => 0);
      gbar ??= g.map(() => 0);
      buf ??= g.map(() => 0);
      for (let i = 0; i < p.length; i++) {
        s[i] = alpha * s[i] + (1 - alpha) * g[i] * g[i];
        let denom: number;
        if (o.centered) {
          gbar[i] = alpha * gbar[i] + (1 - alpha) * g[i];
          denom = Math.sqrt(s[i] - gbar[i] * gbar[i]) + eps;
        } else {
          denom = Math.sqrt(s[i]) + eps;
        }
        if (mu > 0) {
          buf[i] = mu * buf[i] + g[i] / denom;
          p[i] -= o.lr * buf[i];
        } else {
          p[i] -= (o.lr * g[i]) / denom;
        }
      }
    },
  };
}

export function refAdadelta(o: { lr: number; rho?: number; eps?: number; wd?: number }): RefOpt {
  const rho = o.rho ?? 0.9;
  const eps = o.eps ?? 1e-6;
  const wd = o.wd ?? 0;
  let s: Vec | null = null;
  let u: Vec | null = null;
  return {
    step(p, g0) {
      const g = g0.map((gi, i) => gi + wd * p[i]);
      s ??= g.map(() => 0);
      u ??= g.map(() => 0);
      for (let i = 0; i < p.length; i++) {
        s[i] = rho * s[i] + (1 - rho) * g[i] * g[i];
        const delta = (Math.sqrt(u[i] + eps) / Math.sqrt(s[i] + eps)) * g[i];
        u[i] = rho * u[i] + (1 - rho) * delta * delta;
        p[i] -= o.lr * delta;
      }
    },
  };
}
