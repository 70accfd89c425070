/**
 * User images for `hrtem segment`: .npy stacks (see `npy-images.ts`), PNG and TIFF files decoded
 * by sharp (libvips, libpng, libtiff).
 *
 * Supported: PNG of 8 or 16 bits per sample (1-, 2- and 4-bit grey is widened to 8 bits by
 * libvips); TIFF of 8- or 16-bit unsigned integers or 32-bit IEEE floats; grey or RGB, with or
 * without alpha (float only grey); multi-page TIFF as a stack of equal-sized pages. Other formats
 * (JPEG, WebP, …), sample types (signed or 32-bit integers, 64-bit floats, which libvips 8.18
 * cannot even open) and colour spaces
 * (CMYK, Lab, …) are refused with one message naming the file, what was found and what is
 * supported.
 *
 * Conventions: values are the stored sample values, unscaled (a 16-bit pixel of 40000 reads as
 * 40000, not as 40000/257). Alpha is dropped. RGB becomes grey by the Rec. 709 luma weights
 * applied to the stored values, grey = 0.2126 R + 0.7152 G + 0.0722 B, without undoing the sRGB
 * gamma (so R = G = B gives back that value exactly). No ICC profile is applied.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { InputError } from '../core/errors.js';
import { readNpyImages, standardizeStack } from './npy-images.js';

/** The inputs `readImageFile` takes, as written in its error messages. */
export const SUPPORTED_IMAGE_INPUT =
  'PNG (8- or 16-bit grey or RGB), TIFF (8- or 16-bit unsigned integer or 32-bit float grey, ' +
  '8- or 16-bit RGB) or .npy (float32, uint8 or uint16)';

/** Rec. 709 luma weights of R, G and B (ITU-R BT.709-6, item 3.2). */
export const LUMA_WEIGHTS = [0.2126, 0.7152, 0.0722] as const;

/** Sample types `readImageFile` accepts. */
export type ImageSampleType = 'uint8' | 'uint16' | 'float32';

/** An image file's raw values and what they were read from. */
export interface ImageFile {
  /** Stored values as float32 (grey, see module doc), (n, h, w) row-major; exact for uint16. */
  values: Float32Array;
  /** [n, height, width] in px; n is the number of images (.npy stack, TIFF pages). */
  shape: [number, number, number];
  format: 'npy' | 'png' | 'tiff';
  sampleType: ImageSampleType;
  /** Channels in the file: 1 grey, 2 grey + alpha, 3 RGB, 4 RGB + alpha. */
  channels: number;
}

const SAMPLE_TYPES: Record<string, ImageSampleType> = {
  uchar: 'uint8',
  ushort: 'uint16',
  float: 'float32',
};
const GREY_SPACES = new Set(['b-w', 'grey16']);
const RGB_SPACES = new Set(['srgb', 'rgb', 'rgb16']);

/** The container format by its magic bytes (TIFF, PNG), else the file's extension. */
function formatFound(path: string): string {
  const head = Buffer.alloc(4);
  try {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, 4, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return `file ${JSON.stringify(extname(path) || '(no extension)')}`;
  }
  const magic = head.toString('latin1');
  if (magic === 'II*\0' || magic === 'MM\0*') return 'TIFF';
  if (magic === '\x89PNG') return 'PNG';
  return `file ${JSON.stringify(extname(path) || '(no extension)')}`;
}

async function metadataOf(path: string): Promise<Metadata> {
  try {
    return await sharp(path, { limitInputPixels: false }).metadata();
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    throw new InputError(
      `${path}: unsupported or unreadable ${formatFound(path)} (libvips: ${reason}); supported: ${SUPPORTED_IMAGE_INPUT}`,
    );
  }
}

/** Checks format, sample type and colour space; returns the sample type and colour channels. */
function describe(path: string, meta: Metadata): { sampleType: ImageSampleType; colour: 1 | 3 } {
  const format = meta.format;
  if (format !== 'png' && format !== 'tiff') {
    throw new InputError(
      `${path}: unsupported image format ${format}; supported: ${SUPPORTED_IMAGE_INPUT}`,
    );
  }
  const sampleType = SAMPLE_TYPES[meta.depth];
  const found = `${format.toUpperCase()} of ${meta.depth} samples (${meta.bitsPerSample ?? '?'} bits, ${meta.channels} channels, colour space ${meta.space})`;
  const colour = meta.channels - (meta.hasAlpha ? 1 : 0);
  const grey = GREY_SPACES.has(meta.space) && colour === 1;
  const rgb = RGB_SPACES.has(meta.space) && colour === 3;
  if (sampleType === undefined || (!grey && !rgb) || (sampleType === 'float32' && !grey)) {
    throw new InputError(
      `${path}: unsupported image bit depth or colour space: ${found}; supported: ${SUPPORTED_IMAGE_INPUT}`,
    );
  }
  return { sampleType, colour: grey ? 1 : 3 };
}

/** Decodes a PNG or TIFF (all pages) into grey values, (n, h, w). */
async function readRaster(path: string): Promise<ImageFile> {
  const meta = await metadataOf(path);
  const { sampleType, colour } = describe(path, meta);
  const pages = meta.format === 'tiff' ? (meta.pages ?? 1) : 1;
  const height = meta.pageHeight ?? meta.height;
  // The colour space is pinned so libvips neither rescales 16-bit samples nor adds channels.
  const space =
    colour === 1
      ? sampleType === 'uint16'
        ? 'grey16'
        : 'b-w'
      : sampleType === 'uint16'
        ? 'rgb16'
        : 'srgb';
  let decoded: { data: Buffer<ArrayBuffer>; info: OutputInfo };
  try {
    decoded = await sharp(path, { limitInputPixels: false, pages: pages > 1 ? -1 : 1 })
      .removeAlpha()
      .toColourspace(space)
      .raw({ depth: meta.depth })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    // Pages of different sizes, truncated data: libvips fails only here, after the header read.
    const reason = (error as Error).message.split('\n')[0];
    throw new InputError(
      `${path}: could not decode the ${formatFound(path)} (libvips: ${reason}); supported: ${SUPPORTED_IMAGE_INPUT}`,
    );
  }
  const { data, info } = decoded;
  const Typed =
    sampleType === 'uint16' ? Uint16Array : sampleType === 'float32' ? Float32Array : Uint8Array;
  const samples = new Typed(
    data.buffer,
    data.byteOffset,
    data.byteLength / Typed.BYTES_PER_ELEMENT,
  );
  const pixels = info.width * info.height;
  if (info.channels !== colour || samples.length !== pixels * colour) {
    throw new InputError(
      `${path}: decoding gave ${info.channels} channels of ${info.width}×${info.height} px, expected ${colour}; convert the image to grey`,
    );
  }
  const values = colour === 1 ? Float32Array.from(samples) : lumaOf(samples, pixels);
  const shape: [number, number, number] = [pages, height, info.width];
  return {
    values,
    shape,
    format: meta.format as 'png' | 'tiff',
    sampleType,
    channels: meta.channels,
  };
}

/** Grey = Rec. 709 luma of interleaved RGB samples (see module doc). */
function lumaOf(rgb: ArrayLike<number>, pixels: number): Float32Array {
  const [wr, wg, wb] = LUMA_WEIGHTS;
  const grey = new Float32Array(pixels);
  for (let i = 0; i < pixels; i++)
    grey[i] = wr * rgb[3 * i] + wg * rgb[3 * i + 1] + wb * rgb[3 * i + 2];
  return grey;
}

/**
 * Reads an image file's raw grey values (see the module doc for formats and conventions). The
 * format is recognised from the content for PNG and TIFF, from the `.npy` extension for NumPy.
 * @param path a .png, .tif/.tiff or .npy file; .npy of shape (h, w) or (n, h, w)
 * @returns values (n, h, w) as float32, unscaled, with the format and sample type found
 * @throws InputError naming the file, the format or bit depth found and the supported ones
 * @example
 * const { values, shape, sampleType } = await readImageFile('frame.tif'); // 'uint16', [1, h, w]
 */
export async function readImageFile(path: string): Promise<ImageFile> {
  if (extname(path).toLowerCase() === '.npy') {
    const { values, shape, sampleType } = readNpyImages(path);
    return { values: Float32Array.from(values), shape, format: 'npy', sampleType, channels: 1 };
  }
  return readRaster(path);
}

/**
 * Reads an image file and standardises each image to zero mean and unit variance (the U-Net's
 * input convention, `standardizeStack`).
 * @returns images (n, h, w) as Float32Array, their shape, and the raw file description
 * @throws InputError as `readImageFile`, or for a NaN or infinite value
 */
export async function readImages(path: string): Promise<{
  images: Float32Array;
  shape: [number, number, number];
  file: ImageFile;
}> {
  const file = await readImageFile(path);
  return { images: standardizeStack(file.values, file.shape, path), shape: file.shape, file };
}
