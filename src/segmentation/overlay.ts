/**
 * PNG pictures of segmentation results: the mask itself (0 → black, 1 → white) and an overlay of
 * the mask on its image. The overlay shows the image in grey, clipped to its 0.5th–99.5th
 * percentiles so a few hot or dead pixels do not wash out the contrast, with particle pixels
 * tinted by a translucent colour and the mask's edge (particle pixels with a background
 * 4-neighbour) drawn opaque.
 */
import sharp from 'sharp';
import { writeFileAtomic } from '../core/atomic-write.js';
import { InputError } from '../core/errors.js';

/** Colours of the overlay, 8-bit sRGB, and the tint's opacity in [0, 1]. */
export const OVERLAY_STYLE = {
  tint: [255, 64, 32],
  tintOpacity: 0.35,
  edge: [255, 220, 0],
} as const;

/** Nearest-rank percentile of ascending `sorted`, q in [0, 1]. */
function percentile(sorted: Float32Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

function checkSizes(image: ArrayLike<number>, mask: Uint8Array, height: number, width: number) {
  const pixels = height * width;
  if (image.length !== pixels || mask.length !== pixels) {
    throw new InputError(
      `overlay: image (${image.length}) and mask (${mask.length}) must both hold height·width = ${pixels} px`,
    );
  }
}

/**
 * Renders the overlay as interleaved 8-bit RGB (see the module doc).
 * @param image (h, w) values in any unit (raw or standardised)
 * @param mask (h, w) 0 = background, nonzero = particle
 * @returns RGB bytes, length 3·h·w, row-major
 * @throws InputError if the lengths differ from height·width
 * @example
 * overlayRgb(new Float32Array([0, 1]), new Uint8Array([0, 1]), 1, 2).length; // 6
 */
export function overlayRgb(
  image: ArrayLike<number>,
  mask: Uint8Array,
  height: number,
  width: number,
): Uint8Array {
  checkSizes(image, mask, height, width);
  const sorted = Float32Array.from(image).sort();
  const lo = percentile(sorted, 0.005);
  const hi = percentile(sorted, 0.995);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const { tint, tintOpacity, edge } = OVERLAY_STYLE;
  const rgb = new Uint8Array(3 * height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const grey = Math.min(255, Math.max(0, (image[i] - lo) * scale));
      if (mask[i] === 0) {
        rgb.fill(Math.round(grey), 3 * i, 3 * i + 3);
        continue;
      }
      const onEdge =
        (y > 0 && mask[i - width] === 0) ||
        (y < height - 1 && mask[i + width] === 0) ||
        (x > 0 && mask[i - 1] === 0) ||
        (x < width - 1 && mask[i + 1] === 0);
      for (let c = 0; c < 3; c++) {
        const tinted = (1 - tintOpacity) * grey + tintOpacity * tint[c];
        rgb[3 * i + c] = Math.round(onEdge ? edge[c] : tinted);
      }
    }
  }
  return rgb;
}

/**
 * Writes the overlay of `mask` on `image` as an 8-bit RGB PNG of width × height px.
 * @throws InputError if the lengths differ from height·width
 */
export async function writeOverlayPng(
  path: string,
  image: ArrayLike<number>,
  mask: Uint8Array,
  height: number,
  width: number,
): Promise<void> {
  const rgb = overlayRgb(image, mask, height, width);
  writeFileAtomic(
    path,
    await sharp(rgb, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

/**
 * Writes a mask as an 8-bit grey PNG, particle 255 and background 0, width × height px.
 * @throws InputError if the mask's length differs from height·width
 */
export async function writeMaskPng(
  path: string,
  mask: Uint8Array,
  height: number,
  width: number,
): Promise<void> {
  checkSizes(mask, mask, height, width);
  const grey = Uint8Array.from(mask, (v) => (v === 0 ? 0 : 255));
  const png = await sharp(grey, { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
  writeFileAtomic(path, png);
}
