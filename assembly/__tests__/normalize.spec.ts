import { powLine } from '../normalize';
import { ulps } from './ulps';

/**
 * The worst ulps of powLine(., e) over every 4999th float bit pattern from the smallest denormal
 * to the largest float, where x^e is a normal float; a line of 64 vectors per call.
 */
function worst(e: f32): f64 {
  const n = 64;
  const src = new Float32Array(4 * n);
  const dst = new Float32Array(4 * n);
  let w: f64 = 0;
  let b: i32 = 1;
  while (b < 0x7f7fffff) {
    for (let i = 0; i < 4 * n; i++) {
      src[i] = reinterpret<f32>(min(b, 0x7f7fffff));
      b += 4999;
    }
    powLine(src.dataStart, dst.dataStart, n, e);
    for (let i = 0; i < 4 * n; i++) {
      const want = Math.pow(<f64>src[i], <f64>e);
      if (want >= 1.1754943508222875e-38 && want <= 3.4028234663852886e38) w = Math.max(w, ulps(dst[i], want));
    }
  }
  return w;
}

describe('powLine', () => {
  it('is exact for e = 1 and correctly rounded for 0.5 and -1', () => {
    expect<f64>(worst(1)).toBe(0);
    expect<f64>(worst(0.5)).toBeLessThanOrEqual(0.5);
    expect<f64>(worst(-1)).toBeLessThanOrEqual(0.5);
  });

  it('is within 1.5 ulp for e = -0.5, -2 and 2 ulp for -0.75, -1.5 wherever x^e is normal', () => {
    expect<f64>(worst(-0.5)).toBeLessThanOrEqual(1.5);
    expect<f64>(worst(-1.5)).toBeLessThanOrEqual(2);
    expect<f64>(worst(-2)).toBeLessThanOrEqual(1.5);
    expect<f64>(worst(-0.75)).toBeLessThanOrEqual(2);
  });

  it('has the special values of vpow on every path (0, +Inf, NaN, 1), in place', () => {
    const es: f32[] = [1, -0.5, 0.5, -1, -0.75, -1.5, -2, -0.6, 1.3];
    for (let k = 0; k < es.length; k++) {
      const e = es[k];
      const a = new Float32Array(4);
      a[0] = 0; a[1] = Infinity; a[2] = NaN; a[3] = 1;
      powLine(a.dataStart, a.dataStart, 1, e);
      expect<f32>(a[0]).toBe(e < 0 ? Infinity : 0);
      expect<f32>(a[1]).toBe(e < 0 ? 0 : Infinity);
      expect<bool>(isNaN(a[2])).toBe(true);
      expect<f32>(a[3]).toBe(1);
    }
  });
});
