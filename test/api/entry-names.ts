/** The package entry's public names (README's "From code" table). Adding one is a decision: add it to both. */
export const ENTRY_NAMES: readonly string[] = [
  'compare',
  'confirm',
  'defineDataset',
  'defineHead',
  'defineModel',
  'engine',
  'fit',
  'heads',
  'nn',
  'search',
  'Tensor',
].sort();
