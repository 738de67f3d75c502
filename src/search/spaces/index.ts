import { SPACE_NAMES, type Space, type SpaceName } from '../types.js';
import { deltaSpace } from './delta.js';
import { lossSpace } from './loss.js';
import { activationSpace } from './activation.js';
import { taylorSpace } from './taylor.js';
import { polySpace } from './poly.js';
import { tunedSpace } from './tune.js';

export { deltaSpace, lossSpace, activationSpace, taylorSpace, polySpace };
export { parseActivation } from './activation.js';
export { taylorExpr, TAYLOR_DIM } from './taylor.js';
export { polyExpr, POLY_K } from './poly.js';
export { compileExpr, compileActivation } from './compile.js';
export { tunedSpace } from './tune.js';

const MAKERS: Record<SpaceName, () => Space> = {
  delta: deltaSpace,
  loss: lossSpace,
  activation: activationSpace,
  taylor: taylorSpace,
  poly: polySpace,
};

export function getSpace(name: string): Space {
  if (!SPACE_NAMES.includes(name as SpaceName))
    throw new Error(`unknown space '${name}'. Spaces: ${SPACE_NAMES.join(', ')}`);
  return MAKERS[name as SpaceName]();
}

/** The space a study searches: its named space, or the constants of its --tune expression. */
export function studySpace(cfg: { space: string; tune?: string }): Space {
  const base = getSpace(cfg.space);
  return cfg.tune !== undefined ? tunedSpace(base, cfg.tune) : base;
}
