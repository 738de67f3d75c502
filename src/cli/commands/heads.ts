// `headroom heads [--json]`: the table of contents of the field.
import { opt, parseOptions } from '../args.js';
import { relative, isAbsolute } from 'node:path';
import { headOrigin, listHeads } from '../../heads/index.js';

const HELP = `usage: headroom heads [--json]

Lists every head: id, title, kind, output layer, default parameters, formula and source; heads that plugins
define (--plugin FILE) also name the file that defined them.
  --json   one JSON array, one object per head ("file" for plugin heads)`;

export interface HeadRow {
  id: string;
  title: string;
  kind: string;
  outputLayer: string;
  formula: string;
  source: string;
  params: Record<string, number>;
  /** Heads defined by a plugin (defineHead): the file that defined them. */
  file?: string;
}

export function headRows(): HeadRow[] {
  return listHeads().map((h) => ({
    id: h.id,
    title: h.title,
    kind: h.kind,
    outputLayer: h.outputLayer,
    formula: h.formula,
    source: h.source,
    params: { ...h.defaults },
    ...(headOrigin(h.id) !== undefined ? { file: headOrigin(h.id) } : {}),
  }));
}

/** A file under the working directory as a relative path (shorter in a terminal), anything else as it is. */
function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

function paramsText(p: Record<string, number>): string {
  const entries = Object.entries(p);
  return entries.length === 0 ? '—' : entries.map(([k, v]) => `${k}=${v}`).join(' ');
}

/** Greedy word wrap so long formulas and sources stay readable in a terminal. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line.length > 0 ? `${line} ${word}` : word;
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

export function formatTable(rows: HeadRow[], columns = 120): string {
  const idW = Math.max(2, ...rows.map((r) => r.id.length));
  const kindW = Math.max(4, ...rows.map((r) => `${r.kind}/${r.outputLayer}`.length));
  const indent = idW + kindW + 4;
  const textW = Math.max(40, columns - indent);
  const pad = ' '.repeat(indent);
  const out = [`${'ID'.padEnd(idW)}  ${'KIND/LAYER'.padEnd(kindW)}  TITLE · PARAMS / FORMULA / SOURCE`];
  for (const r of rows) {
    out.push(
      `${r.id.padEnd(idW)}  ${`${r.kind}/${r.outputLayer}`.padEnd(kindW)}  ${r.title} · ${paramsText(r.params)}`,
    );
    for (const l of wrap(r.formula, textW)) out.push(pad + l);
    for (const l of wrap(`source: ${r.source}`, textW)) out.push(pad + l);
    if (r.file !== undefined) out.push(`${pad}file: ${shown(r.file)}`);
  }
  return out.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const values = parseOptions('heads', argv, { json: opt.flag(), help: opt.flag('h') });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const rows = headRows();
  if (values.json) console.log(JSON.stringify(rows, null, 2));
  else console.log(formatTable(rows, process.stdout.isTTY ? (process.stdout.columns ?? 120) : 120));
  return 0;
}
