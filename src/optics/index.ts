/**
 * Electron optics: aberrations, the contrast transfer function, envelopes and derived values.
 *
 * Conventions (used by every stage of hrtem-ood):
 * - Defocus Δf = −C10. Δf > 0 is underfocus; with Cs > 0 the Scherzer defocus is positive.
 * - χ(k, φ) = (2π/λ) Σ C_nm (λk)^(n+1) cos(m(φ − φ_nm))/(n + 1); the image wave is the exit wave
 *   times exp(−iχ) in Fourier space. The phase-contrast transfer is sin χ.
 * - Focal spread σ_f [Å] is the standard deviation of the defocus distribution; the quasi-coherent
 *   envelope exp(−¼(πλδ)²k⁴) uses the 1/e half-width δ = √2·σ_f. (abTEM's `focal_spread` is δ.)
 * - Convergence α [rad] is the 1/e semi-angle of the illumination; spatial envelope
 *   exp(−(α/2)²|∇_θχ|²).
 * - Aperture: semi-angle cutoff [rad], optionally a soft linear edge of full width `apertureEdge`.
 * - Information limit: 1/k where the temporal envelope equals e⁻².
 * - Lengths Å, angles rad, energies eV; `…Mrad` names carry milliradians.
 *
 * Approximations: quasi-coherent envelopes (products of the coherent transfer and Gaussian
 * damping), valid for weak objects; the imaging stage also offers an explicit defocus average.
 */
export * from './aberrations.js';
export * from './condition.js';
export * from './derived.js';
export * from './envelopes.js';
export * from './information.js';
export * from './summary.js';
export * from './transfer.js';
