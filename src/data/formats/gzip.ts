import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors.js';

/** Returns the buffer itself, or its gunzipped content when it starts with the gzip magic 1f 8b. */
export function maybeGunzip(buf: Uint8Array, source: string): Uint8Array {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return gunzipSync(buf);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new DataError(
        `${source}: corrupt or truncated gzip file (${why}); download it again or replace it with the uncompressed file.`,
      );
    }
  }
  return buf;
}
