// The output layers of a population: member k's [C, F] weight is row k of one [K, C, F] parameter, and each member
// keeps its own head's kind (linear, cosine, or normalised weights), computed for all members in one batched matmul.
import { scope, where, tensor, type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import type { OutputLayer } from './output-layer.js';
import type { OutputLayerKind } from './types.js';

const unitRows = (t: Tensor, dim: number) => t.div(t.norm(2, dim, true).clamp(1e-12));

export class FusedOutputLayer extends Module {
  readonly #kinds: OutputLayerKind[];
  readonly #normX: Tensor | null;
  readonly #normW: Tensor | null;
  readonly #useBias: Tensor | null;

  /** `solo` is a linear output layer built with the population's seed: every member starts from its weights. */
  constructor(solo: OutputLayer, kinds: OutputLayerKind[]) {
    super();
    if (solo.kind !== 'linear')
      throw new Error('FusedOutputLayer: build the solo layer as linear (it has the bias)');
    const k = kinds.length;
    this.#kinds = kinds;
    const w = solo.weight;
    this.param('weight', tensorStack(w, k)); // [K, C, F]
    this.param(
      'bias',
      scope(() => tensorStack(solo.bias!.unsqueeze(0), k)),
    ); // [K, 1, C]
    const flag = (f: (kind: OutputLayerKind) => boolean): Tensor | null => {
      const on = kinds.map(f);
      if (on.every((x) => !x)) return null;
      const mask = scope(() =>
        tensor(Uint8Array.from(on.map(Number)), [k, 1, 1], { device: w.device }).to('bool'),
      );
      return this.buffer(`mask_${this.#maskCount++}`, mask);
    };
    this.#normX = flag((kind) => kind === 'cosine');
    this.#normW = flag((kind) => kind !== 'linear');
    this.#useBias = flag((kind) => kind === 'linear');
  }

  #maskCount = 0;

  get kinds(): readonly OutputLayerKind[] {
    return this.#kinds;
  }

  forward(x: Tensor): Tensor {
    return this.forwardWithNorm(x).z;
  }

  /** x: [K, B, F] → z: [K, B, C] and ‖x‖: [K, B], each member with its own kind (as OutputLayer computes it). */
  forwardWithNorm(x: Tensor): { z: Tensor; featureNorm: Tensor } {
    const featureNorm = x.norm(2, 2);
    const w = this.getParam('weight');
    const xs = this.#normX ? where(this.#normX, unitRows(x, 2), x) : x;
    const ws = this.#normW ? where(this.#normW, unitRows(w, 2), w) : w;
    let z = xs.matmul(ws.transpose(1, 2));
    if (this.#useBias) z = z.add(where(this.#useBias, this.getParam('bias'), 0));
    return { z, featureNorm };
  }
}

function tensorStack(t: Tensor, k: number): Tensor {
  return scope(() =>
    t
      .detach()
      .unsqueeze(0)
      .expand([k, ...t.shape])
      .contiguous(),
  );
}
