/**
 * Imaging: from stored exit waves to recorded HRTEM images with ground-truth masks, under imaging
 * conditions drawn from named domains.
 *
 * Conventions: Δf = −C10, Δf > 0 underfocus; image wave = exit wave · exp(−iχ) in Fourier space
 * (NumPy FFT conventions, see core/fft); a positive specimen phase at Scherzer underfocus gives
 * dark atoms on a bright background. Focal spread σ_f is a standard deviation [Å]. Dose in e/Å²;
 * counts per pixel = dose · py · px · I with I = 1 in vacuum. The detector MTF is
 * (1 − c)/(1 + (q/q0)^p) + c with q in units of the recorded image's Nyquist frequency.
 *
 * Approximations: intensities of frozen-phonon configurations are averaged incoherently; the
 * quasi-coherent mode multiplies by the temporal and spatial envelopes (valid for weak objects);
 * the explicit mode averages over a finite number of defocus samples (25 by default) and keeps
 * the spatial envelope; resampling is by Fourier cropping (an ideal low-pass at the new Nyquist).
 */
export * from './calibrate.js';
export * from './condition.js';
export * from './domain.js';
export * from './exit-waves.js';
export * from './form-image.js';
export * from './synthetic.js';
export * from './wave-band.js';
