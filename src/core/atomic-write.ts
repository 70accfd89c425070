/**
 * Crash-safe file output: write to a temporary name in the same folder, fsync, then rename into
 * place. A reader never sees a half-written file, and a process killed mid-write leaves only a
 * `.tmp-*` file that later runs ignore and overwrite.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes `data` to `path` atomically (temporary file + rename), creating parent folders. */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array | readonly Uint8Array[],
): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(
    dir,
    `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}-${basename(path)}`,
  );
  const fd = openSync(tmp, 'w');
  try {
    const chunks =
      typeof data === 'string' ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
    for (const chunk of chunks) {
      let offset = 0;
      while (offset < chunk.byteLength) offset += writeSync(fd, chunk, offset);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
