/** Differential privacy: accounting, noise calibration and the noise source. */
export * from './accountant/index.js';
export { createNoiseSource, SecureGaussianSource, SeededGaussianSource, type NoiseSource, type NoiseSourceOptions } from './secure-noise.js';
