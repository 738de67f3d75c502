// Comma-separated tables for user datasets: one example per line, numeric features, one label column.
import { DataError } from '../errors.js';

/** Splits one line into fields; a field may be double-quoted ("" inside quotes is one quote). */
export function splitCsvLine(line: string, where: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let field = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new DataError(`${where}: a quoted field is not closed.`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      out.push(field);
      if (i < line.length && line[i] !== ',')
        throw new DataError(`${where}: text after a quoted field; separate fields with commas.`);
    } else {
      const end = line.indexOf(',', i);
      out.push((end < 0 ? line.slice(i) : line.slice(i, end)).trim());
      i = end < 0 ? line.length : end;
    }
    if (i >= line.length) return out;
    i++; // the comma
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
export const isCsvNumber = (s: string): boolean => NUMBER.test(s.trim());

export interface CsvTable {
  /** Column names: the header's, or col0, col1, … when the file has none. */
  columns: string[];
  hasHeader: boolean;
  rows: string[][];
}

/**
 * Parses a whole file. The first line is a header when one of its fields is not a number in a column whose next line
 * holds a number (so a file whose label column is text, e.g. `5.1,3.5,setosa`, needs no header). Blank lines are
 * skipped; every row must have as many fields as the first.
 */
export function parseCsv(text: string, source: string): CsvTable {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((l, i) => ({ l, i }))
    .filter(({ l }) => l.trim() !== '');
  if (lines.length === 0) throw new DataError(`${source}: the file is empty.`);
  const rows = lines.map(({ l, i }) => splitCsvLine(l, `${source}:${i + 1}`));
  const width = rows[0]!.length;
  rows.forEach((r, k) => {
    if (r.length !== width)
      throw new DataError(
        `${source}:${lines[k]!.i + 1}: ${r.length} fields, but the first line has ${width}; every line needs the same columns.`,
      );
  });
  const first = rows[0]!;
  const second = rows[1];
  const hasHeader =
    second !== undefined ? first.some((f, c) => !isCsvNumber(f) && isCsvNumber(second[c]!)) : false;
  return {
    columns: hasHeader ? first.map((f) => f.trim()) : first.map((_, c) => `col${c}`),
    hasHeader,
    rows: hasHeader ? rows.slice(1) : rows,
  };
}
