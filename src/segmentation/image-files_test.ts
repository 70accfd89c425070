import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.js';
import { writeNpy } from '../core/npy.js';
import { LUMA_WEIGHTS, readImageFile, readImages, SUPPORTED_IMAGE_INPUT } from './image-files.js';
import { OVERLAY_STYLE, overlayRgb } from './overlay.js';

const W = 5;
const H = 3;
let dir: string;

/**
 * A baseline little-endian grey TIFF, one uncompressed strip. Needed because sharp 0.35 turns raw
 * float input into zeros when it writes, so it cannot make the float fixtures itself.
 * @param sampleFormat 1 unsigned integer, 2 signed integer, 3 IEEE float (TIFF 6.0 tag 339)
 */
function greyTiff(data: Float32Array | Float64Array | Int32Array, sampleFormat: 1 | 2 | 3) {
  const bits = data.BYTES_PER_ELEMENT * 8;
  const bytes = W * H * data.BYTES_PER_ELEMENT;
  const tags: [number, number, number][] = [
    [256, 3, W],
    [257, 3, H],
    [258, 3, bits],
    [259, 3, 1],
    [262, 3, 1],
    [273, 4, 0],
    [277, 3, 1],
    [278, 3, H],
    [279, 4, bytes],
    [339, 3, sampleFormat],
  ];
  const dataOffset = 8 + 2 + tags.length * 12 + 4;
  const out = Buffer.alloc(dataOffset + bytes);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(8, 4);
  out.writeUInt16LE(tags.length, 8);
  tags.forEach(([tag, type, value], k) => {
    const at = 10 + 12 * k;
    out.writeUInt16LE(tag, at);
    out.writeUInt16LE(type, at + 2);
    out.writeUInt32LE(1, at + 4);
    const v = tag === 273 ? dataOffset : value;
    if (type === 3) out.writeUInt16LE(v, at + 8);
    else out.writeUInt32LE(v, at + 8);
  });
  Buffer.from(data.buffer).copy(out, dataOffset);
  return out;
}

const ramp16 = Uint16Array.from({ length: W * H }, (_, i) => 1 + 4000 * i);
const ramp8 = Uint8Array.from({ length: W * H }, (_, i) => 10 * i);
const floats = Float32Array.from({ length: W * H }, (_, i) => 0.37 * i - 2.5);
const raw = (channels: 1 | 3) => ({ raw: { width: W, height: H, channels } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hrtem-image-files-'));
  await sharp(ramp8, raw(1)).toColourspace('b-w').png().toFile(join(dir, 'grey8.png'));
  await sharp(ramp16, raw(1)).toColourspace('grey16').png().toFile(join(dir, 'grey16.png'));
  await sharp(ramp16, raw(1))
    .toColourspace('grey16')
    .tiff({ compression: 'deflate' })
    .toFile(join(dir, 'grey16.tif'));
  await sharp(ramp8, raw(1))
    .toColourspace('b-w')
    .tiff({ compression: 'lzw' })
    .toFile(join(dir, 'grey8.tif'));
  const rgb = Uint8Array.from({ length: 3 * W * H }, (_, i) => (i % 3 === 0 ? 200 : 7 * i));
  await sharp(rgb, raw(3)).png().toFile(join(dir, 'rgb.png'));
  const twoPages = new Uint8Array(2 * W * H).fill(9, W * H);
  await sharp(twoPages, { raw: { width: W, height: 2 * H, channels: 1, pageHeight: H } })
    .toColourspace('b-w')
    .tiff({ compression: 'none' })
    .toFile(join(dir, 'pages.tif'));
  await sharp(rgb, raw(3)).jpeg().toFile(join(dir, 'photo.jpg'));
  writeFileSync(join(dir, 'float.tif'), greyTiff(floats, 3));
  writeFileSync(join(dir, 'int32.tif'), greyTiff(new Int32Array(W * H), 2));
  writeFileSync(join(dir, 'double.tif'), greyTiff(new Float64Array(W * H), 3));
  writeFileSync(join(dir, 'notes.png'), 'not an image');
  writeNpy(join(dir, 'stack.npy'), { dtype: '<u2', shape: [H, W], data: ramp16 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readImageFile', () => {
  it('reads 16-bit grey PNG and TIFF samples unscaled, as 16-bit values', async () => {
    for (const name of ['grey16.png', 'grey16.tif']) {
      const file = await readImageFile(join(dir, name));
      expect(file.shape).toEqual([1, H, W]);
      expect(file.sampleType).toBe('uint16');
      expect(Array.from(file.values)).toEqual(Array.from(ramp16));
      expect(Math.max(...file.values)).toBe(56001);
    }
  });

  it('reads 8-bit grey PNG and TIFF exactly', async () => {
    for (const name of ['grey8.png', 'grey8.tif']) {
      const file = await readImageFile(join(dir, name));
      expect([file.format, file.sampleType, file.channels]).toEqual([
        name.endsWith('png') ? 'png' : 'tiff',
        'uint8',
        1,
      ]);
      expect(Array.from(file.values)).toEqual(Array.from(ramp8));
    }
  });

  it('reads a 32-bit float TIFF exactly, negative values included', async () => {
    const file = await readImageFile(join(dir, 'float.tif'));
    expect([file.format, file.sampleType]).toEqual(['tiff', 'float32']);
    expect(file.values).toEqual(floats);
  });

  it('turns RGB into grey by Rec. 709 luma weights on the stored values', async () => {
    const file = await readImageFile(join(dir, 'rgb.png'));
    expect(file.channels).toBe(3);
    const [wr, wg, wb] = LUMA_WEIGHTS;
    expect(wr + wg + wb).toBeCloseTo(1, 12);
    // pixel 1 holds (R, G, B) = (200, 7·4, 7·5)
    expect(file.values[1]).toBeCloseTo(wr * 200 + wg * 28 + wb * 35, 4);
  });

  it('reads the pages of a multi-page TIFF as a stack', async () => {
    const file = await readImageFile(join(dir, 'pages.tif'));
    expect(file.shape).toEqual([2, H, W]);
    expect(file.values[0]).toBe(0);
    expect(file.values[W * H]).toBe(9);
  });

  it('reads .npy stacks through the NumPy reader', async () => {
    const file = await readImageFile(join(dir, 'stack.npy'));
    expect([file.format, file.sampleType, file.shape]).toEqual(['npy', 'uint16', [1, H, W]]);
    expect(file.values[W * H - 1]).toBe(56001);
  });

  it('refuses another format, naming the file, the format found and the supported ones', async () => {
    const path = join(dir, 'photo.jpg');
    await expect(readImageFile(path)).rejects.toThrow(InputError);
    await expect(readImageFile(path)).rejects.toThrow(
      `${path}: unsupported image format jpeg; supported: ${SUPPORTED_IMAGE_INPUT}`,
    );
    await expect(readImageFile(join(dir, 'notes.png'))).rejects.toThrow(
      /notes\.png: unsupported or unreadable file "\.png" \(libvips: .*\); supported: PNG/,
    );
  });

  it('refuses a PNG whose header reads but whose data is cut short, naming the file', async () => {
    const whole = await sharp(
      Buffer.from(Array.from({ length: 64 * 64 }, (_, i) => (i * 37) % 251)),
      {
        raw: { width: 64, height: 64, channels: 1 },
      },
    )
      .png({ compressionLevel: 0 })
      .toBuffer();
    const path = join(dir, 'truncated.png');
    writeFileSync(path, whole.subarray(0, whole.length >> 1));
    await expect(readImageFile(path)).rejects.toThrow(InputError);
    await expect(readImageFile(path)).rejects.toThrow(
      /truncated\.png: could not decode the PNG \(libvips: .*\); supported: PNG/,
    );
  });

  it('refuses 32-bit integer and 64-bit float TIFF, naming what was found', async () => {
    await expect(readImageFile(join(dir, 'int32.tif'))).rejects.toThrow(
      /int32\.tif: unsupported image bit depth or colour space: TIFF of int samples \(32 bits/,
    );
    // libvips 8.18 rejects 64-bit float TIFF while reading its header.
    await expect(readImageFile(join(dir, 'double.tif'))).rejects.toThrow(
      /double\.tif: unsupported or unreadable TIFF \(libvips: .*samples out of range\); supported/,
    );
  });
});

describe('readImages', () => {
  it('standardises each image to zero mean and unit variance', async () => {
    const { images, shape } = await readImages(join(dir, 'grey16.png'));
    expect(shape).toEqual([1, H, W]);
    const mean = images.reduce((s, v) => s + v, 0) / images.length;
    const variance = images.reduce((s, v) => s + (v - mean) ** 2, 0) / images.length;
    expect(mean).toBeCloseTo(0, 5);
    expect(variance).toBeCloseTo(1, 5);
  });
});

describe('overlayRgb', () => {
  it('draws the mask edge opaque and tints its inside over the grey image', () => {
    const image = new Float32Array(25).fill(100);
    const mask = new Uint8Array(25);
    for (const i of [6, 7, 8, 11, 12, 13, 16, 17, 18]) mask[i] = 1;
    const rgb = overlayRgb(image, mask, 5, 5);
    expect(rgb).toHaveLength(75);
    expect(Array.from(rgb.subarray(0, 3))).toEqual([0, 0, 0]);
    expect(Array.from(rgb.subarray(18, 21))).toEqual(Array.from(OVERLAY_STYLE.edge));
    const { tint, tintOpacity } = OVERLAY_STYLE;
    expect(rgb[36]).toBe(Math.round(tintOpacity * tint[0]));
  });

  it('refuses a mask of another size', () => {
    expect(() => overlayRgb(new Float32Array(4), new Uint8Array(3), 2, 2)).toThrow(
      'overlay: image (4) and mask (3) must both hold height·width = 4 px',
    );
  });
});
