import { vexp, vexpn, EXPN_MAX, ek, EK_LOG2E, EK_NEG_LOG2E, EK_ROUND, EK_LN2_HI, EK_LN2_LO, EK_Q4, EK_Q3, EK_Q2, EK_Q1,
  EK_Q0, EK_ONE, vlog, vpow, sexp, slog, spow } from '../vmath';
import { ulps } from './ulps';


function lane0(v: v128): f32 { return f32x4.extract_lane(v, 0); }

describe('vexp', () => {
  it('is within 1 ulp of exp over [-87, 88] and agrees lane by lane with sexp', () => {
    let worst: f64 = 0;
    for (let i = -8700; i <= 8800; i++) {
      const x = <f32>i * 0.01 + 0.003;
      const v = vexp(f32x4(x, -x, x * 0.5, 0));
      worst = Math.max(worst, ulps(lane0(v), Math.exp(<f64>x)));
      expect<f32>(sexp(x)).toBe(lane0(v));
      expect<f32>(f32x4.extract_lane(v, 3)).toBe(1);
    }
    expect<f64>(worst).toBeLessThanOrEqual(1);
  });

  it('overflows to +Inf, reaches denormals, then +0, and keeps NaN', () => {
    expect<f32>(sexp(89)).toBe(Infinity);
    expect<f32>(sexp(Infinity)).toBe(Infinity);
    expect<f32>(sexp(-Infinity)).toBe(0);
    expect<f32>(sexp(-200)).toBe(0);
    const d = sexp(-100);
    expect<bool>(d > 0 && d < 1.17549435e-38).toBe(true);
    expect<f64>(ulps(d, Math.exp(-100))).toBeLessThanOrEqual(1);
    expect<bool>(isNaN(sexp(NaN))).toBe(true);
  });
});

// vexpn with its constants in locals, as the kernels hold them (e^-x with neg).
function expnAt(x: v128, neg: bool): v128 {
  const rnd = ek(EK_ROUND), hi = ek(EK_LN2_HI), lo = ek(EK_LN2_LO), q4 = ek(EK_Q4), q3 = ek(EK_Q3);
  const q2 = ek(EK_Q2), q1 = ek(EK_Q1), q0 = ek(EK_Q0), one = ek(EK_ONE);
  return neg ? vexpn(x, true, ek(EK_NEG_LOG2E), rnd, hi, lo, q4, q3, q2, q1, q0, one)
    : vexpn(x, false, ek(EK_LOG2E), rnd, hi, lo, q4, q3, q2, q1, q0, one);
}

describe('vexpn', () => {
  it("equals vexp bit for bit on [-EXPN_MAX, EXPN_MAX] (so within vexp's 1 ulp)", () => {
    let differ = 0;
    // float bit patterns 99991 apart from 0 to the range's end, both signs
    for (let b = 0; b <= reinterpret<i32>(EXPN_MAX); b += 99991) {
      const x = reinterpret<f32>(b);
      const v = f32x4(x, -x, EXPN_MAX, -EXPN_MAX);
      if (!i32x4.all_true(i32x4.eq(expnAt(v, false), vexp(v)))) differ++;
    }
    expect<i32>(differ).toBe(0);
  });

  it('with neg, gives e^-x bit for bit as vexp(-x) on the range', () => {
    let differ = 0;
    for (let b = 0; b <= reinterpret<i32>(EXPN_MAX); b += 99991) {
      const x = reinterpret<f32>(b);
      const v = f32x4(x, -x, EXPN_MAX, -EXPN_MAX);
      if (!i32x4.all_true(i32x4.eq(expnAt(v, true), vexp(f32x4.neg(v))))) differ++;
    }
    expect<i32>(differ).toBe(0);
  });

  it('gives NaN for a NaN lane, either way', () => {
    expect<bool>(isNaN(f32x4.extract_lane(expnAt(f32x4(1, NaN, 0, 0), false), 1))).toBe(true);
    expect<bool>(isNaN(f32x4.extract_lane(expnAt(f32x4(1, NaN, 0, 0), true), 1))).toBe(true);
  });
});


describe('vlog', () => {
  it('is within 2 ulp of log from denormals to 1e38', () => {
    let worst: f64 = 0;
    // Every 9973rd float bit pattern from the smallest denormal up to 1e38.
    for (let b = 1; b < 0x7e967699; b += 9973 * 7) {
      const x = reinterpret<f32>(b);
      worst = Math.max(worst, ulps(slog(x), Math.log(<f64>x)));
    }
    for (let i = 1; i < 4000; i++) {
      const y = <f32>1 + <f32>i * 1e-4; // near 1, where ln is small
      worst = Math.max(worst, ulps(slog(y), Math.log(<f64>y)));
    }
    expect<f64>(worst).toBeLessThanOrEqual(2);
  });

  it('gives -Inf at 0, NaN below 0 and for NaN, +Inf at +Inf', () => {
    expect<f32>(slog(0)).toBe(-Infinity);
    expect<f32>(slog(-0.0)).toBe(-Infinity);
    expect<bool>(isNaN(slog(-1))).toBe(true);
    expect<bool>(isNaN(slog(NaN))).toBe(true);
    expect<f32>(slog(Infinity)).toBe(Infinity);
    expect<f32>(slog(1)).toBe(0);
  });
});

describe('vpow', () => {
  it('is within 3 ulp of x^y where |y ln x| <= 2 (LRN and spnorm powers)', () => {
    const ys: f32[] = [-0.75, -0.5, -0.25, 0.5, 0.75, -1.75, 2];
    let worst: f64 = 0;
    for (let k = 0; k < ys.length; k++) {
      const y = ys[k];
      let x: f32 = 0.01;
      while (x < 1000) {
        if (Math.abs(<f64>y * Math.log(<f64>x)) <= 2) worst = Math.max(worst, ulps(spow(x, y), Math.pow(<f64>x, <f64>y)));
        x *= 1.0071;
      }
    }
    expect<f64>(worst).toBeLessThanOrEqual(3);
  });

  it('has 0^y = 0 (y > 0), +Inf (y < 0), x^0 = 1', () => {
    expect<f32>(spow(0, 0.75)).toBe(0);
    expect<f32>(spow(0, -0.75)).toBe(Infinity);
    expect<f32>(spow(0, 0)).toBe(1);
    expect<f32>(spow(Infinity, 0)).toBe(1);
    expect<f32>(spow(3, 0)).toBe(1);
    expect<bool>(isNaN(spow(-2, 0.5))).toBe(true);
  });
});
