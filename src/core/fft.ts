/**
 * Two-dimensional complex FFT on interleaved complex64 buffers of shape (ny, nx), in place.
 *
 * Conventions (the same as NumPy's `fft2` / `ifft2`):
 *   forward:  X[ky, kx] = Σ_y Σ_x x[y, x] · exp(−2πi (ky·y/ny + kx·x/nx))      (unnormalised)
 *   inverse:  x[y, x]   = (1 / (nx·ny)) Σ X[ky, kx] · exp(+2πi (ky·y/ny + kx·x/nx))
 * Frequencies are in NumPy `fftfreq` order (0, 1, …, n/2 − 1, −n/2, …, −1 for even n).
 *
 * Backends, chosen by measurement (see `bench/multislice.ts`): PFFFT compiled to WebAssembly with
 * SIMD (`@echogarden/pffft-wasm`, BSD-3-Clause) transforms the rows; a blocked JavaScript
 * transpose turns the columns into rows for a second pass. PFFFT's complex transform needs a length
 * that is a multiple of 16 with factors 2, 3 and 5 only; for other 2^a·3^b·5^c lengths a
 * JavaScript mixed-radix (2, 3, 4, 5) Stockham FFT in float64 is used instead.
 *
 * Plans and WebAssembly buffers are made once per `Fft2` and reused by every call.
 */
import { requireInteger } from './errors.js';
import type { PffftModule } from './pffft-types.js';

const PFFFT_COMPLEX = 1;
const PFFFT_FORWARD = 0;
const PFFFT_BACKWARD = 1;
const TRANSPOSE_BLOCK = 64;

let pffftPromise: Promise<PffftModule> | null = null;

/** Loads (once per thread) the SIMD build of PFFFT. */
export function loadPffft(): Promise<PffftModule> {
  if (pffftPromise === null) {
    pffftPromise = import('@echogarden/pffft-wasm/simd').then((m) => m.default());
  }
  return pffftPromise;
}

/** True if n = 2^a·3^b·5^c with n ≥ 1. */
export function isSmooth235(n: number): boolean {
  if (!Number.isInteger(n) || n < 1) return false;
  let m = n;
  for (const p of [2, 3, 5]) while (m % p === 0) m /= p;
  return m === 1;
}

/** Smallest n' ≥ n with n' = 2^a·3^b·5^c and n' a multiple of `multiple` (default 1). */
export function nextFastLength(n: number, multiple = 1): number {
  let m = Math.max(1, Math.ceil(n));
  while (!(isSmooth235(m) && m % multiple === 0)) m++;
  return m;
}

/**
 * A one-dimensional complex FFT plan in JavaScript (Stockham autosort, radices 4, 2, 3, 5),
 * float64 arithmetic. Unnormalised in both directions; `sign` −1 is forward.
 */
export class JsFft1d {
  readonly n: number;
  private readonly radices: number[];
  private readonly twiddles: Float64Array[];
  private readonly work: Float64Array;

  /** @param n length, a 2^a·3^b·5^c integer ≥ 1 */
  constructor(n: number) {
    requireInteger('FFT length', n, 1);
    if (!isSmooth235(n)) {
      throw new RangeError(`FFT length must have only the factors 2, 3 and 5, got ${n}`);
    }
    this.n = n;
    this.radices = [];
    let m = n;
    while (m % 4 === 0) {
      this.radices.push(4);
      m /= 4;
    }
    for (const p of [2, 3, 5]) {
      while (m % p === 0) {
        this.radices.push(p);
        m /= p;
      }
    }
    this.twiddles = [];
    let len = n;
    for (const r of this.radices) {
      const sub = len / r;
      const table = new Float64Array(2 * sub * r);
      for (let p = 0; p < sub; p++) {
        for (let u = 0; u < r; u++) {
          const angle = (-2 * Math.PI * p * u) / len;
          table[2 * (p * r + u)] = Math.cos(angle);
          table[2 * (p * r + u) + 1] = Math.sin(angle);
        }
      }
      this.twiddles.push(table);
      len = sub;
    }
    this.work = new Float64Array(2 * n);
  }

  /**
   * Transforms `data` (n interleaved complex values, float64) in place.
   * @param sign −1 forward (e^{−2πi…}), +1 backward (e^{+2πi…}); neither is scaled
   */
  transform(data: Float64Array, sign: -1 | 1): void {
    let x = data;
    let y = this.work;
    let len = this.n;
    let stride = 1;
    for (let stage = 0; stage < this.radices.length; stage++) {
      const r = this.radices[stage];
      const sub = len / r;
      butterfly(x, y, r, sub, stride, this.twiddles[stage], sign);
      const t = x;
      x = y;
      y = t;
      len = sub;
      stride *= r;
    }
    if (x !== data) data.set(x);
  }
}

const RADIX_COS: Record<number, Float64Array> = {};
const RADIX_SIN: Record<number, Float64Array> = {};
for (const r of [2, 3, 4, 5]) {
  RADIX_COS[r] = new Float64Array(r);
  RADIX_SIN[r] = new Float64Array(r);
  for (let k = 0; k < r; k++) {
    RADIX_COS[r][k] = Math.cos((-2 * Math.PI * k) / r);
    RADIX_SIN[r][k] = Math.sin((-2 * Math.PI * k) / r);
  }
}

/** One Stockham decimation-in-frequency stage of radix r. */
function butterfly(
  x: Float64Array,
  y: Float64Array,
  r: number,
  m: number,
  s: number,
  tw: Float64Array,
  sign: number,
): void {
  const cr = RADIX_COS[r];
  const ci = RADIX_SIN[r];
  const ar = new Float64Array(5);
  const ai = new Float64Array(5);
  for (let p = 0; p < m; p++) {
    for (let q = 0; q < s; q++) {
      for (let t = 0; t < r; t++) {
        const i = 2 * (q + s * (p + t * m));
        ar[t] = x[i];
        ai[t] = x[i + 1];
      }
      for (let u = 0; u < r; u++) {
        let sr = 0;
        let si = 0;
        for (let t = 0; t < r; t++) {
          const k = (t * u) % r;
          const wr = cr[k];
          const wi = -sign * ci[k];
          sr += ar[t] * wr - ai[t] * wi;
          si += ar[t] * wi + ai[t] * wr;
        }
        const twr = tw[2 * (p * r + u)];
        const twi = -sign * tw[2 * (p * r + u) + 1];
        const o = 2 * (q + s * (r * p + u));
        y[o] = sr * twr - si * twi;
        y[o + 1] = sr * twi + si * twr;
      }
    }
  }
}

/**
 * A 2D complex FFT in float64 (JavaScript Stockham rows and columns) on interleaved
 * Float64Array buffers of shape (ny, nx), in place; same conventions as `Fft2`. Slower than
 * `Fft2`; for reference computations that need double precision.
 */
export class Fft2Float64 {
  private readonly planX: JsFft1d;
  private readonly planY: JsFft1d;
  private readonly column: Float64Array;

  /** @param ny rows, @param nx columns: 2^a·3^b·5^c integers ≥ 1 */
  constructor(
    readonly ny: number,
    readonly nx: number,
  ) {
    this.planX = new JsFft1d(nx);
    this.planY = ny === nx ? this.planX : new JsFft1d(ny);
    this.column = new Float64Array(2 * ny);
  }

  /** Forward transform in place (e^{−2πi…}, unnormalised). */
  forward(data: Float64Array): void {
    this.pass(data, -1);
  }

  /** Inverse transform in place, scaled by 1/(nx·ny). */
  inverse(data: Float64Array): void {
    this.pass(data, 1);
    const scale = 1 / (this.nx * this.ny);
    for (let i = 0; i < data.length; i++) data[i] *= scale;
  }

  private pass(data: Float64Array, sign: -1 | 1): void {
    const { nx, ny, column } = this;
    if (data.length !== 2 * nx * ny) {
      throw new TypeError(
        `FFT input must hold 2·ny·nx = ${2 * nx * ny} values, got ${data.length}`,
      );
    }
    for (let i = 0; i < ny; i++)
      this.planX.transform(data.subarray(2 * nx * i, 2 * nx * (i + 1)), sign);
    for (let j = 0; j < nx; j++) {
      for (let i = 0; i < ny; i++) {
        column[2 * i] = data[2 * (i * nx + j)];
        column[2 * i + 1] = data[2 * (i * nx + j) + 1];
      }
      this.planY.transform(column, sign);
      for (let i = 0; i < ny; i++) {
        data[2 * (i * nx + j)] = column[2 * i];
        data[2 * (i * nx + j) + 1] = column[2 * i + 1];
      }
    }
  }
}

/** Which implementation an `Fft2` uses. */
export type FftBackend = 'pffft' | 'js';

/**
 * A reusable 2D complex FFT plan for one shape (ny, nx). Create with `Fft2.create`; call
 * `dispose()` to free its WebAssembly buffers.
 */
export class Fft2 {
  readonly ny: number;
  readonly nx: number;
  readonly backend: FftBackend;
  private readonly impl: Fft2Impl;

  private constructor(ny: number, nx: number, impl: Fft2Impl) {
    this.ny = ny;
    this.nx = nx;
    this.impl = impl;
    this.backend = impl.backend;
  }

  /**
   * Makes a plan for arrays of shape (ny, nx).
   * @param ny rows, a 2^a·3^b·5^c integer ≥ 1
   * @param nx columns, a 2^a·3^b·5^c integer ≥ 1
   * @param backend force a backend; by default PFFFT when both lengths suit it, else JavaScript
   * @throws RangeError if a length has a prime factor other than 2, 3, 5
   */
  static async create(ny: number, nx: number, backend?: FftBackend): Promise<Fft2> {
    for (const [name, n] of [
      ['ny', ny],
      ['nx', nx],
    ] as const) {
      requireInteger(name, n, 1);
      if (!isSmooth235(n)) {
        throw new RangeError(
          `FFT grid ${name} must be 2^a·3^b·5^c, got ${n} (use nextFastLength to pick one)`,
        );
      }
    }
    const wantPffft =
      backend === 'pffft' || (backend === undefined && ny % 16 === 0 && nx % 16 === 0);
    if (wantPffft) {
      const module = await loadPffft();
      const impl = PffftImpl.tryCreate(module, ny, nx);
      if (impl) return new Fft2(ny, nx, impl);
      if (backend === 'pffft') {
        throw new RangeError(
          `PFFFT cannot transform shape (${ny}, ${nx}): lengths must be multiples of 16`,
        );
      }
    }
    return new Fft2(ny, nx, new JsImpl(ny, nx));
  }

  /** Forward transform of `data` (ny·nx interleaved complex64) in place; unnormalised. */
  forward(data: Float32Array): void {
    this.check(data);
    this.impl.forward(data, false);
  }

  /** Inverse transform of `data` in place, scaled by 1/(nx·ny). */
  inverse(data: Float32Array): void {
    this.check(data);
    this.impl.inverse(data, false, 1 / (this.nx * this.ny));
  }

  /**
   * Forward transform whose output is left transposed: afterwards `data` holds the spectrum with
   * shape (nx, ny), element [kx, ky]. Saves one transpose when the spectrum is only multiplied
   * pointwise (by a kernel laid out the same way) before `inverseTransposed`.
   */
  forwardTransposed(data: Float32Array): void {
    this.check(data);
    this.impl.forward(data, true);
  }

  /**
   * Inverse of `forwardTransposed`: `data` holds a spectrum of shape (nx, ny); afterwards the field
   * of shape (ny, nx), multiplied by `scale` (default 1/(nx·ny), NumPy's normalisation).
   */
  inverseTransposed(data: Float32Array, scale = 1 / (this.nx * this.ny)): void {
    this.check(data);
    this.impl.inverse(data, true, scale);
  }

  /** Frees the plan's WebAssembly memory; the plan cannot be used afterwards. */
  dispose(): void {
    this.impl.dispose();
  }

  private check(data: Float32Array): void {
    if (!(data instanceof Float32Array) || data.length !== 2 * this.nx * this.ny) {
      throw new TypeError(
        `FFT input must be a Float32Array of 2·ny·nx = ${2 * this.nx * this.ny} values (interleaved complex64), got length ${data?.length}`,
      );
    }
  }
}

interface Fft2Impl {
  readonly backend: FftBackend;
  forward(data: Float32Array, transposedOut: boolean): void;
  inverse(data: Float32Array, transposedIn: boolean, scale: number): void;
  dispose(): void;
}

/**
 * Copies a (rows, cols) complex64 array to (cols, rows), moving each complex as one float64.
 * Blocked, with the inner loop writing contiguously (measured twice as fast as reading
 * contiguously on this machine).
 */
function transposeComplex(
  src: Float64Array,
  srcOffset: number,
  dst: Float64Array,
  dstOffset: number,
  rows: number,
  cols: number,
): void {
  const b = TRANSPOSE_BLOCK;
  for (let j0 = 0; j0 < cols; j0 += b) {
    const j1 = Math.min(j0 + b, cols);
    for (let i0 = 0; i0 < rows; i0 += b) {
      const i1 = Math.min(i0 + b, rows);
      for (let j = j0; j < j1; j++) {
        const d = dstOffset + j * rows;
        const s = srcOffset + j;
        for (let i = i0; i < i1; i++) dst[d + i] = src[s + i * cols];
      }
    }
  }
}

function scaleInPlace(data: Float32Array, scale: number): void {
  if (scale === 1) return;
  for (let i = 0; i < data.length; i++) data[i] *= scale;
}

function float64View(data: Float32Array): Float64Array {
  if (data.byteOffset % 8 !== 0) {
    throw new TypeError('FFT input must start at a byte offset that is a multiple of 8');
  }
  return new Float64Array(data.buffer, data.byteOffset, data.length / 2);
}

class PffftImpl implements Fft2Impl {
  readonly backend = 'pffft' as const;
  private readonly m: PffftModule;
  private readonly setupX: number;
  private readonly setupY: number;
  private readonly a: number;
  private readonly b: number;
  private readonly work: number;
  private disposed = false;

  private constructor(
    m: PffftModule,
    setupX: number,
    setupY: number,
    readonly ny: number,
    readonly nx: number,
  ) {
    this.m = m;
    this.setupX = setupX;
    this.setupY = setupY;
    const bytes = 8 * nx * ny;
    this.a = m._pffft_aligned_malloc(bytes);
    this.b = m._pffft_aligned_malloc(bytes);
    this.work = m._pffft_aligned_malloc(8 * Math.max(nx, ny));
  }

  static tryCreate(m: PffftModule, ny: number, nx: number): PffftImpl | null {
    const setupX = m._pffft_new_setup(nx, PFFFT_COMPLEX);
    if (setupX === 0) return null;
    const setupY = ny === nx ? setupX : m._pffft_new_setup(ny, PFFFT_COMPLEX);
    if (setupY === 0) {
      m._pffft_destroy_setup(setupX);
      return null;
    }
    return new PffftImpl(m, setupX, setupY, ny, nx);
  }

  private rows(pointer: number, rows: number, len: number, setup: number, dir: number): void {
    const m = this.m;
    for (let i = 0; i < rows; i++) {
      const p = pointer + 8 * len * i;
      m._pffft_transform_ordered(setup, p, p, this.work, dir);
    }
  }

  forward(data: Float32Array, transposedOut: boolean): void {
    const { nx, ny } = this;
    const heap = this.m.HEAPF32;
    heap.set(data, this.a >> 2);
    this.rows(this.a, ny, nx, this.setupX, PFFFT_FORWARD);
    const h64 = new Float64Array(heap.buffer);
    transposeComplex(h64, this.a >> 3, h64, this.b >> 3, ny, nx);
    this.rows(this.b, nx, ny, this.setupY, PFFFT_FORWARD);
    if (transposedOut) {
      data.set(heap.subarray(this.b >> 2, (this.b >> 2) + 2 * nx * ny));
    } else {
      transposeComplex(h64, this.b >> 3, float64View(data), 0, nx, ny);
    }
  }

  inverse(data: Float32Array, transposedIn: boolean, scale: number): void {
    const { nx, ny } = this;
    const heap = this.m.HEAPF32;
    const h64 = new Float64Array(heap.buffer);
    if (transposedIn) {
      heap.set(data, this.b >> 2);
    } else {
      heap.set(data, this.a >> 2);
      this.rows(this.a, ny, nx, this.setupX, PFFFT_BACKWARD);
      transposeComplex(h64, this.a >> 3, h64, this.b >> 3, ny, nx);
    }
    this.rows(this.b, nx, ny, this.setupY, PFFFT_BACKWARD);
    transposeComplex(h64, this.b >> 3, h64, this.a >> 3, nx, ny);
    if (transposedIn) this.rows(this.a, ny, nx, this.setupX, PFFFT_BACKWARD);
    const base = this.a >> 2;
    const n = 2 * nx * ny;
    if (scale === 1) {
      data.set(heap.subarray(base, base + n));
    } else {
      for (let i = 0; i < n; i++) data[i] = heap[base + i] * scale;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const m = this.m;
    m._pffft_aligned_free(this.a);
    m._pffft_aligned_free(this.b);
    m._pffft_aligned_free(this.work);
    m._pffft_destroy_setup(this.setupX);
    if (this.setupY !== this.setupX) m._pffft_destroy_setup(this.setupY);
  }
}

class JsImpl implements Fft2Impl {
  readonly backend = 'js' as const;
  private readonly planX: JsFft1d;
  private readonly planY: JsFft1d;
  private readonly line: Float64Array;
  private readonly spare: Float32Array;

  constructor(
    readonly ny: number,
    readonly nx: number,
  ) {
    this.planX = new JsFft1d(nx);
    this.planY = ny === nx ? this.planX : new JsFft1d(ny);
    this.line = new Float64Array(2 * Math.max(nx, ny));
    this.spare = new Float32Array(2 * nx * ny);
  }

  private pass(data: Float32Array, sign: -1 | 1, rowsFirst: boolean): void {
    const { nx, ny, line } = this;
    const doRows = () => {
      const row = line.subarray(0, 2 * nx);
      for (let i = 0; i < ny; i++) {
        const o = 2 * nx * i;
        for (let j = 0; j < 2 * nx; j++) row[j] = data[o + j];
        this.planX.transform(row, sign);
        for (let j = 0; j < 2 * nx; j++) data[o + j] = row[j];
      }
    };
    const doCols = () => {
      const col = line.subarray(0, 2 * ny);
      for (let j = 0; j < nx; j++) {
        for (let i = 0; i < ny; i++) {
          col[2 * i] = data[2 * (i * nx + j)];
          col[2 * i + 1] = data[2 * (i * nx + j) + 1];
        }
        this.planY.transform(col, sign);
        for (let i = 0; i < ny; i++) {
          data[2 * (i * nx + j)] = col[2 * i];
          data[2 * (i * nx + j) + 1] = col[2 * i + 1];
        }
      }
    };
    if (rowsFirst) {
      doRows();
      doCols();
    } else {
      doCols();
      doRows();
    }
  }

  forward(data: Float32Array, transposedOut: boolean): void {
    this.pass(data, -1, true);
    if (transposedOut) {
      transposeComplex(float64View(data), 0, float64View(this.spare), 0, this.ny, this.nx);
      data.set(this.spare);
    }
  }

  inverse(data: Float32Array, transposedIn: boolean, scale: number): void {
    if (transposedIn) {
      transposeComplex(float64View(data), 0, float64View(this.spare), 0, this.nx, this.ny);
      data.set(this.spare);
    }
    this.pass(data, 1, false);
    scaleInPlace(data, scale);
  }

  dispose(): void {}
}
