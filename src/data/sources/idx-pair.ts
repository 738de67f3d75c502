import { join } from 'node:path';
import { DataError } from '../errors.js';
import { parseIdxImages, parseIdxLabels } from '../formats/idx.js';
import type { ArrayDataset } from '../types.js';
import { bytesToUnit, findFile, readDataFile } from './common.js';

export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** True when all four IDX files (plain or .gz) are in `dir`. */
export function hasIdxFiles(dir: string): boolean {
  return Object.values(IDX_FILES).every((f) => findFile(dir, f) !== undefined);
}

/** `root` or `root/<sub>`, whichever holds the four IDX files first, or undefined. */
export function findIdxDir(root: string, sub: string): string | undefined {
  return [root, join(root, sub)].find(hasIdxFiles);
}

/** Loads one images/labels pair into a dataset with CHW samples [1, rows, cols]. */
export function loadIdxPair(
  dir: string,
  imagesName: string,
  labelsName: string,
  meta: { name: string; numClasses: number; classNames: string[]; rows: number; cols: number },
  howToProvide: string,
): ArrayDataset {
  const imagesPath = findFile(dir, imagesName) ?? `${dir}/${imagesName}.gz`;
  const labelsPath = findFile(dir, labelsName) ?? `${dir}/${labelsName}.gz`;
  const images = parseIdxImages(readDataFile(imagesPath, howToProvide), imagesPath);
  // A well-formed IDX file of another size would load and then fail deep inside the model's first layer.
  if (images.rows !== meta.rows || images.cols !== meta.cols)
    throw new DataError(
      `${imagesPath}: images are ${images.rows}×${images.cols}, but ${meta.name} images are ${meta.rows}×${meta.cols}; ` +
        `the file is from another dataset or damaged, download it again.`,
    );
  const labels = parseIdxLabels(readDataFile(labelsPath, howToProvide), labelsPath);
  if (images.n !== labels.length) {
    throw new DataError(
      `${meta.name}: ${imagesPath} has ${images.n} images but ${labelsPath} has ${labels.length} labels; ` +
        `the files come from different sets or one is damaged, download them again.`,
    );
  }
  const y = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= meta.numClasses) {
      throw new DataError(
        `${labelsPath}: label ${labels[i]} at index ${i} is outside 0..${meta.numClasses - 1}; the file is damaged, download it again.`,
      );
    }
    y[i] = labels[i];
  }
  return {
    name: meta.name,
    x: bytesToUnit(images.data),
    y,
    n: images.n,
    sampleShape: [1, images.rows, images.cols],
    numClasses: meta.numClasses,
    classNames: [...meta.classNames],
  };
}
