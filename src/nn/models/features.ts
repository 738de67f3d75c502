import { Linear, Sequential } from '../layers.js';
import { TrunkBody, type Body, type ModelSpec } from './types.js';

/**
 * Where a body's features are taken. Absent (the default): after the model's own last layer, which for every built-in
 * model is an activation and, for the Keras models, dropout. 'linear': at the output of the last Linear layer, the
 * trailing activation and dropout removed, as SphereFace's fc5 feeds its margin layer: margin heads normalise features
 * that can point anywhere, not only into the positive orthant.
 */
export type FeatureEnd = 'linear';

export const FEATURE_ENDS: readonly FeatureEnd[] = ['linear'];

/**
 * The body a run trains: the model's body, ended at its linear feature layer when asked. Initial weights are those
 * of the model's own body (the removed layers have no parameters), so a seed gives the same weights either way.
 */
export function createBodyFor(
  spec: ModelSpec,
  inputShape: number[],
  opts: { seed?: number; features?: FeatureEnd },
): Body {
  const body = spec.createBody(inputShape, { seed: opts.seed });
  if (opts.features === undefined) return body;
  try {
    return endAtLinearFeatures(spec.id, body);
  } catch (e) {
    body.dispose();
    throw e;
  }
}

function endAtLinearFeatures(model: string, body: Body): Body {
  const trunk = body instanceof TrunkBody ? body.trunk : undefined;
  if (!(trunk instanceof Sequential))
    throw new Error(
      `${model} has no linear feature layer to end on (its features are not a Linear layer's output); ` +
        'use --features linear with keras-mlp, keras-cnn, paper-fcn or lenet5',
    );
  let last = -1;
  for (let i = 0; i < trunk.length; i++) if (trunk.at(i) instanceof Linear) last = i;
  if (last < 0)
    throw new Error(`${model} has no Linear layer; --features linear needs one at the end of the body`);
  const kept = Array.from({ length: last + 1 }, (_, i) => trunk.at(i));
  return new TrunkBody(new Sequential(...kept), (trunk.at(last) as Linear).outFeatures);
}
