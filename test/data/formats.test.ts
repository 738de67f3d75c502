import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { parseIdx, parseIdxImages, parseIdxLabels } from '../../src/data/formats/idx.js';
import { parseCifarBatch } from '../../src/data/formats/cifar-binary.js';
import { DataError } from '../../src/data/errors.js';

/** Writes an IDX buffer by hand (big-endian header), independent of the reader. */
function idx(magic: number, dims: number[], bytes: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * dims.length + bytes.length);
  b.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  Buffer.from(bytes).copy(b, 4 + 4 * dims.length);
  return b;
}

function dataError(re: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof DataError, `expected DataError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    assert.ok(!e.message.includes('\n'), 'message is one line');
    assert.match(e.message, re);
    return true;
  };
}

test('IDX labels: magic 0x801, big-endian count', () => {
  const buf = idx(0x801, [5], [3, 1, 4, 1, 5]);
  assert.deepEqual([...parseIdxLabels(buf, 'l')], [3, 1, 4, 1, 5]);
  // A count ≥ 256 proves the dimension is read big-endian over all four bytes.
  const many = Array.from({ length: 300 }, (_, i) => i % 7);
  assert.equal(parseIdxLabels(idx(0x801, [300], many), 'l').length, 300);
});

test('IDX images: dims [n, rows, cols] and row-major data', () => {
  const bytes = [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15];
  const img = parseIdxImages(idx(0x803, [2, 2, 3], bytes), 'i');
  assert.equal(img.n, 2);
  assert.equal(img.rows, 2);
  assert.equal(img.cols, 3);
  assert.deepEqual([...img.data], bytes);
});

test('IDX: gzip-compressed buffers are detected and read', () => {
  const plain = idx(0x803, [1, 2, 2], [9, 8, 7, 6]);
  const gz = gzipSync(plain);
  assert.equal(gz[0], 0x1f);
  assert.deepEqual([...parseIdxImages(gz, 'g').data], [9, 8, 7, 6]);
});

test('IDX errors: wrong magic, truncated, trailing bytes, corrupt gzip', () => {
  assert.throws(
    () => parseIdxImages(idx(0x801, [4], [1, 2, 3, 4]), 'f.idx'),
    dataError(/f\.idx.*wrong magic number 0x00000801.*0x00000803/),
  );
  assert.throws(
    () => parseIdxLabels(idx(0x803, [1, 1, 1], [1]), 'f'),
    dataError(/wrong magic number 0x00000803.*0x00000801/),
  );
  assert.throws(
    () => parseIdxLabels(Buffer.from('<html>not found</html>'), 'page'),
    dataError(/wrong magic/),
  );
  assert.throws(
    () => parseIdxLabels(idx(0x801, [10], [1, 2, 3]), 'short'),
    dataError(/short.*truncated.*10 bytes of data, found 3/),
  );
  assert.throws(
    () => parseIdxImages(idx(0x803, [2, 28, 28], new Array(784).fill(0)), 's'),
    dataError(/truncated/),
  );
  assert.throws(() => parseIdxLabels(Buffer.from([0, 0, 8]), 'tiny'), dataError(/truncated/));
  assert.throws(() => parseIdxImages(Buffer.from([0, 0, 8, 3, 0, 0]), 'hdr'), dataError(/truncated.*header/));
  assert.throws(() => parseIdxLabels(idx(0x801, [2], [1, 2, 3]), 't'), dataError(/1 extra byte\(s\) after/));
  const gz = gzipSync(idx(0x801, [100], new Array(100).fill(1)));
  assert.throws(() => parseIdxLabels(gz.subarray(0, gz.length - 10), 'cut.gz'), dataError(/cut\.gz.*gzip/));
  // generic parse rejects non-ubyte types (0x0D = float)
  assert.throws(() => parseIdx(idx(0xd01, [1], [0, 0, 0, 0]), 'float'), dataError(/wrong magic/));
});

/** Hand-written CIFAR records: label byte, then R plane, G plane, B plane. */
function cifarRecord(label: number, r: number, g: number, b: number): Buffer {
  const rec = Buffer.alloc(3073);
  rec[0] = label;
  rec.fill(r, 1, 1025);
  rec.fill(g, 1025, 2049);
  rec.fill(b, 2049, 3073);
  return rec;
}

test('CIFAR batch: label byte then 3072 CHW pixel bytes per record', () => {
  const buf = Buffer.concat([cifarRecord(3, 10, 20, 30), cifarRecord(9, 255, 0, 1)]);
  const batch = parseCifarBatch(buf, 'b');
  assert.equal(batch.n, 2);
  assert.deepEqual([...batch.labels], [3, 9]);
  assert.equal(batch.pixels.length, 2 * 3072);
  assert.equal(batch.pixels[0], 10);
  assert.equal(batch.pixels[1023], 10);
  assert.equal(batch.pixels[1024], 20);
  assert.equal(batch.pixels[2048], 30);
  assert.equal(batch.pixels[3072], 255);
  assert.equal(batch.pixels[3072 + 2048], 1);
});

test('CIFAR batch errors: truncated record, empty file, label out of range', () => {
  const two = Buffer.concat([cifarRecord(1, 0, 0, 0), cifarRecord(2, 0, 0, 0)]);
  assert.throws(
    () => parseCifarBatch(two.subarray(0, 3073 + 100), 'cut.bin'),
    dataError(/cut\.bin.*truncated.*1 complete/),
  );
  assert.throws(() => parseCifarBatch(Buffer.alloc(0), 'empty.bin'), dataError(/truncated/));
  assert.throws(() => parseCifarBatch(cifarRecord(12, 0, 0, 0), 'c100.bin'), dataError(/label 12/));
});
