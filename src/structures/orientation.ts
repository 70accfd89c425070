/**
 * Particle orientations: rotations from the particle (crystal Cartesian) frame to the lab frame,
 * where the beam travels along +z.
 */
import { requireFinite, requireNonNegative } from '../core/errors.js';
import type { Rng } from '../core/rng.js';
import { type Crystal, directionVector } from './crystal.js';
import {
  axisAngleRotation,
  identity3,
  type Mat3,
  mulMat3,
  rotationAligning,
  type Vec3,
} from './linalg.js';

/**
 * The rotation that puts the zone axis [uvw] of `crystal` along the beam (+z), followed by a turn
 * of `inPlaneAngle` [rad] about the beam.
 *
 * @throws RangeError for [000] or non-finite indices
 */
export function zoneAxisRotation(crystal: Crystal, uvw: Vec3, inPlaneAngle = 0): Mat3 {
  for (const [i, v] of uvw.entries())
    requireFinite(`zone axis index ${'uvw'[i]}`, v, '(lattice units)');
  if (uvw.every((v) => v === 0)) throw new RangeError('zone axis [0 0 0] has no direction');
  requireFinite('inPlaneAngle', inPlaneAngle, 'rad');
  const align = rotationAligning(directionVector(crystal, uvw), [0, 0, 1]);
  return mulMat3(axisAngleRotation([0, 0, 1], inPlaneAngle), align);
}

/**
 * A small random tilt away from the beam: a rotation about an axis in the xy plane whose x and y
 * components of the tilt vector are independent normal deviates of standard deviation `stdRad`.
 *
 * @returns the rotation and the tilt vector (tx, ty) [rad]
 */
export function randomTilt(stdRad: number, rng: Rng): { matrix: Mat3; tilt: [number, number] } {
  requireNonNegative('tilt standard deviation', stdRad, 'rad');
  if (stdRad === 0) return { matrix: identity3(), tilt: [0, 0] };
  const tx = rng.normal(0, stdRad);
  const ty = rng.normal(0, stdRad);
  const angle = Math.hypot(tx, ty);
  if (angle === 0) return { matrix: identity3(), tilt: [0, 0] };
  return { matrix: axisAngleRotation([tx, ty, 0], angle), tilt: [tx, ty] };
}
