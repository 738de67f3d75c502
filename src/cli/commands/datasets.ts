import { opt, parseOptions } from '../args.js';
import { listDatasets, type DatasetInfo } from '../../data/index.js';

const HELP = `usage: headroom datasets [--json] [--data-dir DIR]

Lists the datasets headroom knows, their sizes and shapes, and where each is read from (datasets that plugins
define with --plugin FILE also name that file; listing them reads their data).
  --data-dir DIR   folder holding MNIST, Fashion-MNIST or CIFAR-10 files; default $HEADROOM_DATA
  --json           print one JSON document: { datasets: [...] }`;

function row(d: DatasetInfo): string[] {
  return [
    d.name,
    String(d.trainSize),
    String(d.testSize),
    d.sampleShape.join('×'),
    d.numClasses === 0 ? 'regr.' : String(d.numClasses),
    (d.available ? d.location : `missing: ${d.location}; ${d.hint ?? ''}`) +
      (d.file !== undefined ? ` (defined in ${d.file})` : ''),
  ];
}

export async function run(argv: string[]): Promise<number> {
  const values = parseOptions('datasets', argv, {
    json: opt.flag(),
    'data-dir': opt.dir(),
    help: opt.flag('h'),
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const list = listDatasets({ dataDir: values['data-dir'] });
  if (values.json) {
    console.log(JSON.stringify({ datasets: list }, null, 2));
    return 0;
  }
  const header = ['dataset', 'train', 'test', 'sample', 'classes', 'source'];
  const rows = [header, ...list.map(row)];
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) {
    console.log(
      r
        .map((cell, c) => (c === 5 ? cell : c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
        .join('  '),
    );
  }
  return 0;
}
