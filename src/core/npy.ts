/**
 * NumPy .npy files (format version 1.0, little-endian, C order), so every array hrtem-ood writes
 * opens with `numpy.load`. Complex arrays are interleaved (re, im) pairs in a Float32Array
 * (dtype '<c8', complex64) or Float64Array ('<c16').
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.js';
import { InputError } from './errors.js';

/** Data types hrtem-ood reads and writes. */
export type NpyDtype = '<f4' | '<f8' | '<c8' | '<c16' | '|u1' | '<i4' | '<u2';

/** An n-dimensional array as stored in a .npy file. */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: Float32Array | Float64Array | Uint8Array | Int32Array | Uint16Array;
}

const BYTES: Record<NpyDtype, number> = {
  '<f4': 4,
  '<f8': 8,
  '<c8': 8,
  '<c16': 16,
  '|u1': 1,
  '<i4': 4,
  '<u2': 2,
};

/** Encodes an array as the bytes of a .npy file. */
export function encodeNpy(array: NpyArray): Uint8Array[] {
  const count = array.shape.reduce((a, b) => a * b, 1);
  const expected = count * BYTES[array.dtype];
  if (array.data.byteLength !== expected) {
    throw new TypeError(
      `npy: data holds ${array.data.byteLength} bytes but dtype ${array.dtype} and shape (${array.shape.join(', ')}) need ${expected}`,
    );
  }
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${array.dtype}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += `${' '.repeat((64 - (total % 64)) % 64)}\n`;
  const head = new Uint8Array(10 + header.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(head.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) head[10 + i] = header.charCodeAt(i);
  const body = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  return [head, body];
}

/** Writes a .npy file atomically. */
export function writeNpy(path: string, array: NpyArray): void {
  writeFileAtomic(path, encodeNpy(array));
}

/**
 * Reads a .npy file written by hrtem-ood or NumPy (little-endian, C order, a dtype listed in
 * `NpyDtype`).
 * @throws InputError naming the file if it is not such a file
 */
export function readNpy(path: string): NpyArray {
  const bytes = readFileSync(path);
  return decodeNpy(bytes, path);
}

/** Decodes the bytes of a .npy file; `source` names it in error messages. */
export function decodeNpy(bytes: Uint8Array, source = 'npy data'): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) {
    throw new InputError(`${source}: not a .npy file (bad magic string)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = Buffer.from(bytes.subarray(start, start + headerLen)).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !(descr in BYTES)) throw new InputError(`${source}: unsupported dtype ${descr}`);
  if (fortran !== 'False')
    throw new InputError(`${source}: Fortran-ordered arrays are not supported`);
  if (shapeText === undefined) throw new InputError(`${source}: header has no shape`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const dtype = descr as NpyDtype;
  const offset = start + headerLen;
  const count = shape.reduce((a, b) => a * b, 1);
  const byteLength = count * BYTES[dtype];
  if (bytes.length - offset < byteLength) throw new InputError(`${source}: file is truncated`);
  const copy = new Uint8Array(byteLength);
  copy.set(bytes.subarray(offset, offset + byteLength));
  const buffer = copy.buffer;
  const data =
    dtype === '<f4' || dtype === '<c8'
      ? new Float32Array(buffer)
      : dtype === '<f8' || dtype === '<c16'
        ? new Float64Array(buffer)
        : dtype === '<i4'
          ? new Int32Array(buffer)
          : dtype === '<u2'
            ? new Uint16Array(buffer)
            : new Uint8Array(buffer);
  return { dtype, shape, data };
}
