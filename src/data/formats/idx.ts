/**
 * IDX files (LeCun's MNIST format, also Fashion-MNIST): a 4-byte magic 00 00 <type> <ndims>, then ndims big-endian
 * uint32 dimensions, then the data. Only unsigned bytes (type 0x08) are used by these datasets.
 */
import { DataError } from '../errors.js';
import { maybeGunzip } from './gzip.js';

export const IDX_LABELS_MAGIC = 0x00000801;
export const IDX_IMAGES_MAGIC = 0x00000803;

export interface IdxArray {
  magic: number;
  dims: number[];
  data: Uint8Array;
}

const hex = (v: number): string => '0x' + v.toString(16).padStart(8, '0');

/** Parses an IDX buffer (gzip-compressed or not); `source` names the file in error messages. */
export function parseIdx(buffer: Uint8Array, source: string, expectedMagic?: number): IdxArray {
  const buf = maybeGunzip(buffer, source);
  if (buf.length < 4) throw new DataError(`${source}: truncated IDX file (${buf.length} bytes, no header).`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  const type = (magic >>> 8) & 0xff;
  const ndims = magic & 0xff;
  const what = expectedMagic === IDX_LABELS_MAGIC ? 'IDX label file' : 'IDX image file';
  if (expectedMagic !== undefined && magic !== expectedMagic) {
    throw new DataError(
      `${source}: wrong magic number ${hex(magic)} (expected ${hex(expectedMagic)} for an ${what}); ` +
        `is this the right file, and not a label/image file swapped or an HTML error page?`,
    );
  }
  if (magic >>> 16 !== 0 || type !== 0x08 || ndims === 0) {
    throw new DataError(
      `${source}: wrong magic number ${hex(magic)} (expected an unsigned-byte IDX file, 0x000008NN).`,
    );
  }
  const headerLen = 4 + 4 * ndims;
  if (buf.length < headerLen) {
    throw new DataError(`${source}: truncated IDX file (${buf.length} bytes, header needs ${headerLen}).`);
  }
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const have = buf.length - headerLen;
  if (have < count) {
    throw new DataError(
      `${source}: truncated IDX file (header says [${dims.join(', ')}] = ${count} bytes of data, found ${have}); ` +
        `download it again.`,
    );
  }
  if (have > count) {
    throw new DataError(
      `${source}: IDX file has ${have - count} extra byte(s) after the [${dims.join(', ')}] data; the file is corrupt, download it again.`,
    );
  }
  return { magic, dims, data: buf.subarray(headerLen, headerLen + count) };
}

/** A label file: magic 0x00000801, dims [n]. */
export function parseIdxLabels(buffer: Uint8Array, source: string): Uint8Array {
  return parseIdx(buffer, source, IDX_LABELS_MAGIC).data;
}

/** An image file: magic 0x00000803, dims [n, rows, cols]. */
export function parseIdxImages(
  buffer: Uint8Array,
  source: string,
): { n: number; rows: number; cols: number; data: Uint8Array } {
  const { dims, data } = parseIdx(buffer, source, IDX_IMAGES_MAGIC);
  return { n: dims[0], rows: dims[1], cols: dims[2], data };
}
