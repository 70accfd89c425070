/** Type declarations for the Emscripten build of PFFFT (@echogarden/pffft-wasm, BSD-3-Clause). */
declare module '@echogarden/pffft-wasm/simd' {
  import type { PffftModule } from './pffft-types.js';

  const factory: () => Promise<PffftModule>;
  export default factory;
}
declare module '@echogarden/pffft-wasm' {
  import type { PffftModule } from './pffft-types.js';

  const factory: () => Promise<PffftModule>;
  export default factory;
}
