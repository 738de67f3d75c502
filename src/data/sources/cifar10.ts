import { join } from 'node:path';
import { DataError } from '../errors.js';
import {
  CIFAR_TEST_FILE,
  CIFAR_TRAIN_FILES,
  concatCifarBatches,
  parseCifarBatch,
  readCifarClassNames,
} from '../formats/cifar-binary.js';
import type { ArrayDataset } from '../types.js';
import {
  bytesToUnit,
  findFile,
  readDataFile,
  type DataSource,
  type Located,
  type RawData,
} from './common.js';

const HOW =
  'download the CIFAR-10 binary version (cifar-10-binary.tar.gz) from https://www.cs.toronto.edu/~kriz/cifar.html, ' +
  'extract it, and pass --data-dir <folder> or set HEADROOM_DATA=<folder>.';

function resolveDir(dataDir?: string): { dir: string | undefined; tried: string[] } {
  const root = dataDir ?? (process.env.HEADROOM_DATA || undefined);
  if (root === undefined) return { dir: undefined, tried: [] };
  // Users point at either the folder they extracted into or the cifar-10-batches-bin folder itself.
  const candidates = [root, join(root, 'cifar-10-batches-bin')];
  for (const dir of candidates)
    if (findFile(dir, CIFAR_TRAIN_FILES[0]) !== undefined) return { dir, tried: candidates };
  return { dir: undefined, tried: candidates };
}

function loadBatches(dir: string, files: string[], classNames: string[]): ArrayDataset {
  const { n, pixels, y } = concatCifarBatches(
    files.map((f) => {
      const path = findFile(dir, f) ?? join(dir, f);
      return parseCifarBatch(readDataFile(path, HOW), path);
    }),
  );
  return {
    name: 'cifar10',
    x: bytesToUnit(pixels),
    y,
    n,
    sampleShape: [3, 32, 32],
    numClasses: 10,
    classNames,
  };
}

export const cifar10: DataSource = {
  name: 'cifar10',
  title: 'CIFAR-10 32×32 colour images (Krizhevsky 2009), binary version',
  trainSize: 50000,
  testSize: 10000,
  sampleShape: [3, 32, 32],
  numClasses: 10,
  files: [...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE],
  findIn: (root) =>
    [root, join(root, 'cifar-10-batches-bin')].find((dir) =>
      [...CIFAR_TRAIN_FILES, CIFAR_TEST_FILE].every((f) => findFile(dir, f) !== undefined),
    ),
  locate(dataDir?: string): Located {
    const { dir, tried } = resolveDir(dataDir);
    if (dir !== undefined) return { location: dir, available: true };
    return {
      location: tried.length > 0 ? tried[0] : 'no --data-dir or HEADROOM_DATA given',
      available: false,
      hint: HOW,
    };
  },
  load(dataDir?: string): RawData {
    const { dir, tried } = resolveDir(dataDir);
    if (dir === undefined) {
      if (tried.length === 0) throw new DataError(`cifar10: no data folder given; ${HOW}`);
      throw new DataError(`cifar10: no ${CIFAR_TRAIN_FILES[0]} in ${tried.join(' or ')}; ${HOW}`);
    }
    const classNames = readCifarClassNames(dir);
    return {
      train: loadBatches(dir, CIFAR_TRAIN_FILES, classNames),
      test: loadBatches(dir, [CIFAR_TEST_FILE], classNames),
      location: dir,
    };
  },
};
