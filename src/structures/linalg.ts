/**
 * Small 3-vector and 3×3-matrix helpers. Matrices are row-major arrays of nine numbers; a matrix
 * acts on column vectors (`applyMat3(m, v)` = m·v). Rotations are proper orthogonal matrices that
 * map crystal-frame Cartesian coordinates to lab-frame coordinates (beam along +z).
 */
import type { Rng } from '../core/rng.js';

/** A 3-vector. */
export type Vec3 = [number, number, number];
/** A 3×3 matrix, row-major. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

/** The identity matrix. */
export function identity3(): Mat3 {
  return [1, 0, 0, 0, 1, 0, 0, 0, 1];
}

/** m·v. */
export function applyMat3(m: Mat3, v: Vec3): Vec3 {
  return [
    m[0] * v[0] + m[1] * v[1] + m[2] * v[2],
    m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
    m[6] * v[0] + m[7] * v[1] + m[8] * v[2],
  ];
}

/** a·b (matrix product). */
export function mulMat3(a: Mat3, b: Mat3): Mat3 {
  const r = new Array(9).fill(0) as Mat3;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      r[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
    }
  }
  return r;
}

/** Transpose. */
export function transpose3(m: Mat3): Mat3 {
  return [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];
}

/** Determinant. */
export function det3(m: Mat3): number {
  return (
    m[0] * (m[4] * m[8] - m[5] * m[7]) -
    m[1] * (m[3] * m[8] - m[5] * m[6]) +
    m[2] * (m[3] * m[7] - m[4] * m[6])
  );
}

/** Inverse; throws RangeError for a singular matrix. */
export function invert3(m: Mat3): Mat3 {
  const d = det3(m);
  if (Math.abs(d) < 1e-300) throw new RangeError('matrix is singular (determinant 0)');
  const inv: Mat3 = [
    m[4] * m[8] - m[5] * m[7],
    m[2] * m[7] - m[1] * m[8],
    m[1] * m[5] - m[2] * m[4],
    m[5] * m[6] - m[3] * m[8],
    m[0] * m[8] - m[2] * m[6],
    m[2] * m[3] - m[0] * m[5],
    m[3] * m[7] - m[4] * m[6],
    m[1] * m[6] - m[0] * m[7],
    m[0] * m[4] - m[1] * m[3],
  ];
  return inv.map((x) => x / d) as Mat3;
}

/** Matrix with the given columns. */
export function fromColumns(a: Vec3, b: Vec3, c: Vec3): Mat3 {
  return [a[0], b[0], c[0], a[1], b[1], c[1], a[2], b[2], c[2]];
}

/** Column j of m. */
export function column(m: Mat3, j: number): Vec3 {
  return [m[j], m[3 + j], m[6 + j]];
}

/** Dot product. */
export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** Cross product a × b. */
export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/** Euclidean norm. */
export function norm(a: Vec3): number {
  return Math.hypot(a[0], a[1], a[2]);
}

/** a / |a|; throws RangeError for a zero vector. */
export function normalize(a: Vec3): Vec3 {
  const n = norm(a);
  if (!(n > 0)) throw new RangeError(`cannot normalise the zero vector [${a.join(', ')}]`);
  return [a[0] / n, a[1] / n, a[2] / n];
}

/** Angle between two vectors [rad], accurate near 0 and π (atan2 of |a×b| and a·b). */
export function angleBetween(a: Vec3, b: Vec3): number {
  return Math.atan2(norm(cross(a, b)), dot(a, b));
}

/** Rotation by `angle` [rad] about `axis` (right-handed, Rodrigues' formula). */
export function axisAngleRotation(axis: Vec3, angle: number): Mat3 {
  const [x, y, z] = normalize(axis);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const t = 1 - c;
  return [
    t * x * x + c,
    t * x * y - s * z,
    t * x * z + s * y,
    t * x * y + s * z,
    t * y * y + c,
    t * y * z - s * x,
    t * x * z - s * y,
    t * y * z + s * x,
    t * z * z + c,
  ];
}

/**
 * The rotation that turns unit direction `from` onto `to` by the shortest arc. For antiparallel
 * vectors it turns by π about an axis perpendicular to `from`.
 */
export function rotationAligning(from: Vec3, to: Vec3): Mat3 {
  const f = normalize(from);
  const t = normalize(to);
  const axis = cross(f, t);
  const s = norm(axis);
  const c = dot(f, t);
  if (s < 1e-15) {
    if (c > 0) return identity3();
    const helper: Vec3 = Math.abs(f[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
    return axisAngleRotation(cross(f, helper), Math.PI);
  }
  return axisAngleRotation(axis, Math.atan2(s, c));
}

/** Rotation matrix of a unit quaternion (w, x, y, z). */
export function quaternionToMatrix(w: number, x: number, y: number, z: number): Mat3 {
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
}

/**
 * A rotation drawn uniformly from SO(3) (Haar measure) by Shoemake's method of uniform unit
 * quaternions (Graphics Gems III, 1992, pp. 124–132). Uses three uniform deviates of `rng`.
 *
 * @returns the rotation and its quaternion (w, x, y, z) for the metadata
 */
export function randomRotation(rng: Rng): {
  matrix: Mat3;
  quaternion: [number, number, number, number];
} {
  const u1 = rng.random();
  const u2 = rng.random();
  const u3 = rng.random();
  const a = Math.sqrt(1 - u1);
  const b = Math.sqrt(u1);
  const q: [number, number, number, number] = [
    b * Math.cos(2 * Math.PI * u3),
    a * Math.sin(2 * Math.PI * u2),
    a * Math.cos(2 * Math.PI * u2),
    b * Math.sin(2 * Math.PI * u3),
  ];
  return { matrix: quaternionToMatrix(q[0], q[1], q[2], q[3]), quaternion: q };
}
