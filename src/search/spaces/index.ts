import { SPACE_NAMES, type Space, type SpaceName } from '../types.js';
import { deltaSpace } from './delta.js';
import { lossSpace } from './loss.js';
import { activationSpace } from './activation.js';
import { taylorSpace } from './taylor.js';
import { polySpace } from './poly.js';

export { deltaSpace, lossSpace, activationSpace, taylorSpace, polySpace };
export { parseActivation } from './activation.js';
export { taylorExpr, TAYLOR_DIM } from './taylor.js';
export { polyExpr, POLY_K } from './poly.js';
export { compileExpr, compileActivation } from './compile.js';

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
