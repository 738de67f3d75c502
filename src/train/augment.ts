// Training-time augmentation of image batches: per-example random crop with zero padding and horizontal flip, done on
// the batch's device with two gathers. The random draws (a few integers per example) come from headroom's seeded JS
// generator, not libtorch's, so a run is augmented identically on the CPU and on a GPU.
import { cat, scope, tensor, zeros, type Tensor } from '../engine/index.js';
import { Rng } from '../data/rng.js';

export interface AugmentConfig {
  /** Zero padding on each side before a random crop back to the original size (0: no crop). */
  crop: number;
  /** Flip each example left-right with probability 1/2. */
  flip: boolean;
}

/** Each example's draw: its crop offsets in [0, 2·crop] (crop at (dy, dx) of the padded image) and whether it flips. */
export interface AugmentPlan {
  dy: Int32Array;
  dx: Int32Array;
  flip: Uint8Array;
}

export function checkAugment(a: AugmentConfig): void {
  if (!(Number.isInteger(a.crop) && a.crop >= 0 && a.crop <= 64))
    throw new RangeError(`augmentation: crop padding must be an integer in [0, 64], got ${a.crop}`);
}

/** The draws of one epoch, batch after batch: its own stream per (seed, epoch), independent of the batch order's. */
export class Augmenter {
  readonly #rng: Rng;

  constructor(
    readonly config: AugmentConfig,
    seed: number,
    epoch: number,
  ) {
    checkAugment(config);
    this.#rng = new Rng('augment', seed, epoch);
  }

  plan(size: number): AugmentPlan {
    const span = 2 * this.config.crop + 1;
    const p: AugmentPlan = { dy: new Int32Array(size), dx: new Int32Array(size), flip: new Uint8Array(size) };
    for (let i = 0; i < size; i++) {
      p.dy[i] = this.#rng.int(span);
      p.dx[i] = this.#rng.int(span);
      p.flip[i] = this.config.flip ? this.#rng.int(2) : 0;
    }
    return p;
  }

  /** The augmented batch (a new tensor, on x's device); x [B, C, H, W] is left as it is. */
  apply(x: Tensor): Tensor {
    return augmentBatch(x, this.plan(x.shape[0] ?? 0), this.config.crop);
  }
}

/**
 * out[b, c, i, j] = padded[b, c, dy_b + i, dx_b + (flip_b ? W − 1 − j : j)], padded = x with `crop` zeros on each side:
 * a shift by (dy − crop, dx − crop) with zeros shifted in, then the flip. Only the index rows (B·(H + W) integers)
 * cross from the host.
 */
export function augmentBatch(x: Tensor, plan: AugmentPlan, crop: number): Tensor {
  const [b = 0, c = 0, h = 0, w = 0] = x.shape;
  if (x.shape.length !== 4)
    throw new RangeError(`augmentBatch: expected [B, C, H, W], got [${x.shape.join(', ')}]`);
  const rows = new Int32Array(b * h);
  const cols = new Int32Array(b * w);
  for (let i = 0; i < b; i++) {
    for (let r = 0; r < h; r++) rows[i * h + r] = plan.dy[i]! + r;
    for (let j = 0; j < w; j++) cols[i * w + j] = plan.dx[i]! + (plan.flip[i] ? w - 1 - j : j);
  }
  return scope(() => {
    const dev = { device: x.device };
    let padded = x;
    if (crop > 0) {
      const zr = zeros([b, c, crop, w], { dtype: x.dtype, ...dev });
      padded = cat([zr, x, zr], 2);
      const zc = zeros([b, c, h + 2 * crop, crop], { dtype: x.dtype, ...dev });
      padded = cat([zc, padded, zc], 3);
    }
    const wp = w + 2 * crop;
    const rowIdx = tensor(rows, [b, 1, h, 1], dev).to('int64').expand([b, c, h, wp]);
    const colIdx = tensor(cols, [b, 1, 1, w], dev).to('int64').expand([b, c, h, w]);
    return padded.gather(2, rowIdx).gather(3, colIdx);
  });
}
