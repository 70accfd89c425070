/**
 * Preview grids of a dataset: for each chosen image a row of three panels, the image (min–max
 * scaled), its mask, and the phase-contrast transfer A·E·sin χ of the condition it was formed
 * under (zero frequency at the centre; mid-grey = 0, white = +1, black = −1).
 */
import sharp from 'sharp';
import { requireInteger } from '../core/errors.js';
import {
  type ImagingConditionInput,
  parseImagingCondition,
  withDefocus,
} from '../imaging/index.js';
import { transferFunctionGrid } from '../optics/index.js';
import type { SplitName } from './manifest.js';
import type { DatasetReader } from './reader.js';

/** Gap between panels [px]. */
const GAP = 4;

/**
 * Renders rows of (image, mask, CTF) panels as a greyscale PNG.
 * @param reader an opened dataset
 * @param split which split to show
 * @param count how many images, from the start of the split (at most the split's size)
 * @returns PNG bytes
 * @throws RangeError if count < 1 or the split is empty
 */
export async function renderPreviewGrid(
  reader: DatasetReader,
  split: SplitName,
  count: number,
): Promise<Buffer> {
  requireInteger('count', count, 1);
  const n = Math.min(count, reader.count(split));
  if (n === 0) throw new RangeError(`split '${split}' is empty; choose another split`);
  const [h, w] = reader.manifest.imageShape;
  const width = 3 * w + 2 * GAP;
  const height = n * h + (n - 1) * GAP;
  const pixels = Buffer.alloc(width * height, 255);
  for (let row = 0; row < n; row++) {
    const sample = reader.read(split, row);
    const top = row * (h + GAP);
    const put = (panel: number, values: ArrayLike<number>) => {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          pixels[(top + y) * width + panel * (w + GAP) + x] = values[y * w + x];
        }
      }
    };
    put(0, scaleToBytes(sample.image));
    put(
      1,
      Uint8Array.from(sample.mask, (v) => (v ? 255 : 0)),
    );
    put(
      2,
      ctfPanel(sample.record.condition, sample.record.defocus, sample.record.pixelSize, [h, w]),
    );
  }
  return sharp(pixels, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
}

function scaleToBytes(image: Float32Array): Uint8Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of image) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  return Uint8Array.from(image, (v) => Math.round((v - lo) * scale));
}

/** A·E·sin χ = −Im T on the image grid, centred, mapped from [−1, 1] to [0, 255]. */
function ctfPanel(
  input: ImagingConditionInput,
  defocus: number,
  pixelSize: [number, number],
  [h, w]: [number, number],
): Uint8Array {
  const condition = withDefocus(parseImagingCondition(input), defocus);
  const t = transferFunctionGrid(condition.optics, { shape: [h, w], sampling: pixelSize });
  const out = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) {
    const sy = (y + Math.floor(h / 2)) % h;
    for (let x = 0; x < w; x++) {
      const sx = (x + Math.floor(w / 2)) % w;
      const value = -t[2 * (sy * w + sx) + 1];
      out[y * w + x] = Math.round(127.5 * (1 + value));
    }
  }
  return out;
}
