/**
 * Grayscale and mask images as PNG data URIs for self-contained HTML reports.
 */
import sharp from 'sharp';

/**
 * Encodes a float image (ny, nx) as an 8-bit grayscale PNG data URI, linearly mapping the
 * [low, high] percentile range (default 0.5–99.5 %) to [0, 255].
 */
export async function grayscalePng(
  image: Float32Array | Float64Array,
  shape: readonly [number, number],
  percentiles: readonly [number, number] = [0.5, 99.5],
): Promise<string> {
  const [ny, nx] = shape;
  if (image.length !== ny * nx)
    throw new TypeError(`image has ${image.length} values, shape needs ${ny * nx}`);
  const sorted = Float64Array.from(image).sort();
  const pick = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))))];
  const low = pick(percentiles[0]);
  const high = pick(percentiles[1]);
  const scale = high > low ? 255 / (high - low) : 0;
  const bytes = new Uint8Array(ny * nx);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = Math.max(0, Math.min(255, Math.round((image[i] - low) * scale)));
  return encode(bytes, nx, ny);
}

/** Encodes a binary or probability mask (values in [0, 1]) as a PNG data URI. */
export async function maskPng(
  mask: ArrayLike<number>,
  shape: readonly [number, number],
): Promise<string> {
  const [ny, nx] = shape;
  const bytes = new Uint8Array(ny * nx);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = Math.max(0, Math.min(255, Math.round(mask[i] * 255)));
  return encode(bytes, nx, ny);
}

async function encode(bytes: Uint8Array, width: number, height: number): Promise<string> {
  const png = await sharp(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    raw: { width, height, channels: 1 },
  })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}
