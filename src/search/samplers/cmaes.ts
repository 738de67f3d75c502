import type { Rng } from '../rng.js';

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations (n is small: ≤ a few dozen). */
export function symmetricEigen(a: number[][]): { values: number[]; vectors: number[][] } {
  const n = a.length;
  const m = a.map((row) => [...row]);
  const v: number[][] = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)),
  );
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += m[i]![j]! * m[i]![j]!;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = m[p]![q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q]![q]! - m[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k]![p]!;
          const mkq = m[k]![q]!;
          m[k]![p] = c * mkp - s * mkq;
          m[k]![q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p]![k]!;
          const mqk = m[q]![k]!;
          m[p]![k] = c * mpk - s * mqk;
          m[q]![k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]![p]!;
          const vkq = v[k]![q]!;
          v[k]![p] = c * vkp - s * vkq;
          v[k]![q] = s * vkp + c * vkq;
        }
      }
  }
  // vectors[k] is the k-th eigenvector (column k of v).
  const values = m.map((row, i) => row[i]!);
  const vectors = values.map((_, k) => v.map((row) => row[k]!));
  return { values, vectors };
}

export interface CmaEsOptions {
  /** Population size λ; default 4 + ⌊3 ln n⌋ (Hansen's default). */
  lambda?: number;
}

/**
 * (μ/μ_w, λ)-CMA-ES as in Hansen's tutorial (arXiv:1604.00772, Table 1 and Fig. 6): weighted recombination,
 * cumulative step-size adaptation, rank-one update from the evolution path p_c (with the h_σ stall guard) and the
 * rank-μ update. Minimises; the caller negates accuracies.
 */
export class CmaEs {
  readonly n: number;
  readonly lambda: number;
  readonly mu: number;
  readonly weights: number[];
  readonly mueff: number;
  private readonly cc: number;
  private readonly cs: number;
  private readonly c1: number;
  private readonly cmu: number;
  private readonly damps: number;
  private readonly chiN: number;
  mean: number[];
  sigma: number;
  C: number[][];
  private pc: number[];
  private ps: number[];
  private B: number[][] = [];
  private D: number[] = [];
  generation = 0;

  constructor(mean0: readonly number[], sigma0: number, opts: CmaEsOptions = {}) {
    const n = mean0.length;
    if (n < 1) throw new RangeError('CMA-ES needs at least one dimension');
    if (!(sigma0 > 0)) throw new RangeError(`sigma0 must be > 0, got ${sigma0}`);
    this.n = n;
    this.lambda = opts.lambda ?? 4 + Math.floor(3 * Math.log(n));
    if (this.lambda < 2) throw new RangeError(`lambda must be ≥ 2, got ${this.lambda}`);
    this.mu = Math.floor(this.lambda / 2);
    const raw = Array.from({ length: this.mu }, (_, i) => Math.log((this.lambda + 1) / 2) - Math.log(i + 1));
    const sum = raw.reduce((a, b) => a + b, 0);
    this.weights = raw.map((w) => w / sum);
    this.mueff = 1 / this.weights.reduce((a, w) => a + w * w, 0);
    const me = this.mueff;
    this.cc = (4 + me / n) / (n + 4 + (2 * me) / n);
    this.cs = (me + 2) / (n + me + 5);
    this.c1 = 2 / ((n + 1.3) ** 2 + me);
    this.cmu = Math.min(1 - this.c1, (2 * (me - 2 + 1 / me)) / ((n + 2) ** 2 + me));
    this.damps = 1 + 2 * Math.max(0, Math.sqrt((me - 1) / (n + 1)) - 1) + this.cs;
    this.chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
    this.mean = [...mean0];
    this.sigma = sigma0;
    this.C = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j): number => (i === j ? 1 : 0)),
    );
    this.pc = new Array<number>(n).fill(0);
    this.ps = new Array<number>(n).fill(0);
    this.decompose();
  }

  private decompose(): void {
    // Enforce symmetry against round-off before the decomposition.
    for (let i = 0; i < this.n; i++)
      for (let j = 0; j < i; j++) {
        const s = (this.C[i]![j]! + this.C[j]![i]!) / 2;
        this.C[i]![j] = s;
        this.C[j]![i] = s;
      }
    const { values, vectors } = symmetricEigen(this.C);
    this.D = values.map((x) => Math.sqrt(Math.max(x, 1e-300)));
    // B[i][k] = i-th coordinate of eigenvector k.
    this.B = Array.from({ length: this.n }, (_, i) => vectors.map((vec) => vec[i]!));
  }

  /** λ points x_k = m + σ B D z_k, z_k ~ N(0, I), drawn in order from `rng`. */
  sample(rng: Rng): number[][] {
    const out: number[][] = [];
    for (let k = 0; k < this.lambda; k++) {
      const z = Array.from({ length: this.n }, () => rng.normal());
      const x = this.mean.map((m, i) => {
        let s = 0;
        for (let j = 0; j < this.n; j++) s += this.B[i]![j]! * this.D[j]! * z[j]!;
        return m + this.sigma * s;
      });
      out.push(x);
    }
    return out;
  }

  /** One generation's update from the λ points and their fitness (lower is better; ties keep input order). */
  tell(xs: readonly (readonly number[])[], fitness: readonly number[]): void {
    const { n, mu, weights } = this;
    if (xs.length !== this.lambda || fitness.length !== this.lambda)
      throw new RangeError(`tell needs λ=${this.lambda} points and fitness values`);
    const order = fitness.map((_, i) => i).sort((a, b) => fitness[a]! - fitness[b]! || a - b);
    const old = this.mean;
    const sel = order.slice(0, mu).map((i) => xs[i]!);
    this.mean = Array.from({ length: n }, (_, i) => sel.reduce((s, x, k) => s + weights[k]! * x[i]!, 0));
    const y = this.mean.map((m, i) => (m - old[i]!) / this.sigma);
    // C^{-1/2} y = B D^{-1} Bᵀ y
    const bty = Array.from({ length: n }, (_, k) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += this.B[i]![k]! * y[i]!;
      return s / this.D[k]!;
    });
    const cInvHalfY = Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let k = 0; k < n; k++) s += this.B[i]![k]! * bty[k]!;
      return s;
    });
    const csn = Math.sqrt(this.cs * (2 - this.cs) * this.mueff);
    this.ps = this.ps.map((p, i) => (1 - this.cs) * p + csn * cInvHalfY[i]!);
    const psNorm = Math.sqrt(this.ps.reduce((s, p) => s + p * p, 0));
    this.generation++;
    const hsig =
      psNorm / Math.sqrt(1 - (1 - this.cs) ** (2 * this.generation)) / this.chiN < 1.4 + 2 / (n + 1) ? 1 : 0;
    const ccn = Math.sqrt(this.cc * (2 - this.cc) * this.mueff);
    this.pc = this.pc.map((p, i) => (1 - this.cc) * p + hsig * ccn * y[i]!);
    const artmp = sel.map((x) => x.map((xi, i) => (xi - old[i]!) / this.sigma));
    const { c1, cmu, cc } = this;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let rankMu = 0;
        for (let k = 0; k < mu; k++) rankMu += weights[k]! * artmp[k]![i]! * artmp[k]![j]!;
        this.C[i]![j] =
          (1 - c1 - cmu) * this.C[i]![j]! +
          c1 * (this.pc[i]! * this.pc[j]! + (1 - hsig) * cc * (2 - cc) * this.C[i]![j]!) +
          cmu * rankMu;
      }
    this.sigma *= Math.exp((this.cs / this.damps) * (psNorm / this.chiN - 1));
    this.decompose();
  }
}
