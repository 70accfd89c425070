/** The part of the PFFFT WebAssembly module's interface that `fft.ts` uses (pointers are byte offsets). */
export interface PffftModule {
  /** View of the WebAssembly memory; replaced when the memory grows, so read it after allocating. */
  HEAPF32: Float32Array;
  /** Creates a plan for length n; `transform` 1 = complex. Returns 0 if n is not supported. */
  _pffft_new_setup(n: number, transform: number): number;
  _pffft_destroy_setup(setup: number): void;
  /** Ordered transform; `direction` 0 = forward (e^{-2πi…}), 1 = backward (e^{+2πi…}), unscaled. */
  _pffft_transform_ordered(
    setup: number,
    input: number,
    output: number,
    work: number,
    direction: number,
  ): void;
  _pffft_aligned_malloc(bytes: number): number;
  _pffft_aligned_free(pointer: number): void;
}
