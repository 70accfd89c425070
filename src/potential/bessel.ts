/**
 * Modified Bessel functions of the second kind K0 and K1 for x > 0, from the polynomial
 * approximations of Abramowitz & Stegun (1964), eqs. 9.8.1–9.8.8 (|error| < 2.2e-7 relative to
 * the function's scale). Used only for real-space projected potentials (tests, plots), never in
 * the multislice hot path.
 */

function besselI0(x: number): number {
  const t = (x / 3.75) ** 2;
  return (
    1 +
    t *
      (3.5156229 +
        t * (3.0899424 + t * (1.2067492 + t * (0.2659732 + t * (0.0360768 + t * 0.0045813)))))
  );
}

function besselI1(x: number): number {
  const t = (x / 3.75) ** 2;
  return (
    x *
    (0.5 +
      t *
        (0.87890594 +
          t *
            (0.51498869 + t * (0.15084934 + t * (0.02658733 + t * (0.00301532 + t * 0.00032411))))))
  );
}

/** K0(x) for x > 0 (A&S 9.8.5, 9.8.6). */
export function besselK0(x: number): number {
  if (x <= 2) {
    const t = (x / 2) ** 2;
    return (
      -Math.log(x / 2) * besselI0(x) +
      (-0.57721566 +
        t *
          (0.4227842 +
            t *
              (0.23069756 + t * (0.0348859 + t * (0.00262698 + t * (0.0001075 + t * 0.0000074))))))
    );
  }
  const t = 2 / x;
  return (
    (Math.exp(-x) / Math.sqrt(x)) *
    (1.25331414 +
      t *
        (-0.07832358 +
          t *
            (0.02189568 +
              t * (-0.01062446 + t * (0.00587872 + t * (-0.0025154 + t * 0.00053208))))))
  );
}

/** K1(x) for x > 0 (A&S 9.8.7, 9.8.8). */
export function besselK1(x: number): number {
  if (x <= 2) {
    const t = (x / 2) ** 2;
    return (
      Math.log(x / 2) * besselI1(x) +
      (1 / x) *
        (1 +
          t *
            (0.15443144 +
              t *
                (-0.67278579 +
                  t * (-0.18156897 + t * (-0.01919402 + t * (-0.00110404 + t * -0.00004686))))))
    );
  }
  const t = 2 / x;
  return (
    (Math.exp(-x) / Math.sqrt(x)) *
    (1.25331414 +
      t *
        (0.23498619 +
          t *
            (-0.0365562 +
              t * (0.01504268 + t * (-0.00780353 + t * (0.00325614 + t * -0.00068245))))))
  );
}
