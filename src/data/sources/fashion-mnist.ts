import type { DataSource, Located, RawData } from './common.js';
import { IDX_FILES, findIdxDir, hasIdxFiles, loadIdxPair } from './idx-pair.js';

/** Where Debian's dataset-fashion-mnist package installs the four .gz IDX files. */
export const FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';

const HOW =
  `install Debian's dataset-fashion-mnist (\`npm run setup\` as root, or \`sudo apt-get install dataset-fashion-mnist\`), ` +
  `or put the four IDX files in a folder and pass --data-dir <folder> (or set HEADROOM_DATA).`;

const CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** A user folder (itself or its fashion-mnist/ subfolder) wins over the system folder when it holds the files. */
function resolveDir(dataDir?: string): string {
  const roots = [dataDir, process.env.HEADROOM_DATA].filter((d): d is string => d !== undefined && d !== '');
  for (const root of roots) {
    const dir = findIdxDir(root, 'fashion-mnist');
    if (dir !== undefined) return dir;
  }
  return FASHION_MNIST_SYSTEM_DIR;
}

export const fashionMnist: DataSource = {
  name: 'fashion-mnist',
  title: 'Fashion-MNIST clothing images (Xiao et al. 2017)',
  trainSize: 60000,
  testSize: 10000,
  sampleShape: [1, 28, 28],
  numClasses: 10,
  files: Object.values(IDX_FILES),
  findIn: (root) => findIdxDir(root, 'fashion-mnist'),
  locate(dataDir?: string): Located {
    const dir = resolveDir(dataDir);
    return hasIdxFiles(dir)
      ? { location: dir, available: true }
      : { location: dir, available: false, hint: HOW };
  },
  load(dataDir?: string): RawData {
    const dir = resolveDir(dataDir);
    const meta = { name: 'fashion-mnist', numClasses: 10, classNames: CLASS_NAMES, rows: 28, cols: 28 };
    return {
      train: loadIdxPair(dir, IDX_FILES.trainImages, IDX_FILES.trainLabels, meta, HOW),
      test: loadIdxPair(dir, IDX_FILES.testImages, IDX_FILES.testLabels, meta, HOW),
      location: dir,
    };
  },
};
