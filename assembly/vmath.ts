// Vector maths for the element-wise and channel-wise blocks: exp, log and
// pow on four f32 lanes, within 1 ulp (exp), 2 ulp (log) and 3 ulp (pow
// for |y log x| <= 2, as LRN's and spnorm's powers are); the as-pect spec
// vmath.spec.ts measures these bounds against float64.
//
// WebAssembly f32 arithmetic is exactly rounded and the same in every engine,
// so these give bit-identical results in Node, browsers, Deno, Bun and the
// edge runtimes, unlike Math.exp. Scalar tails call the vector functions on a
// splat lane, so a tail element equals what a vector lane would give.

// ln 2 split so that n * LN2_HI is exact for |n| < 2^15 (Cody and Waite).
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const LOG2E: f32 = 1.44269504088896341;
// 1.5 * 2^23: x * log2(e) + ROUND has n = round(x * log2(e)) in its low mantissa bits.
const ROUND: f32 = 12582912;
const ROUND_BITS: i32 = 0x4b400000;
// q(r) of e^r = 1 + r + r^2 q(r), |r| <= ln2/2 (weighted least squares, tools/fit-exp.py).
const EXP_Q0: f32 = 0.4999999403953552;
const EXP_Q1: f32 = 0.1666652113199234;
const EXP_Q2: f32 = 0.04166838899254799;
const EXP_Q3: f32 = 0.008368710055947304;
const EXP_Q4: f32 = 0.0013814611593261361;
const EXPN_MAX_: f32 = 86.5;

// The constants of the vector exp, in static memory: V8 (Node 20) rebuilds a v128.const
// wherever it is used, three instructions each and a dozen per exp, inside every loop;
// a splat load from here is one instruction (and 8 bytes of wasm where v128.const takes 18).
const EXPK: usize = memory.data<f32>([LOG2E, ROUND, LN2_HI, LN2_LO, EXP_Q4, EXP_Q3, EXP_Q2, EXP_Q1, EXP_Q0, 1,
  -104, 88.8, reinterpret<f32>(ROUND_BITS), reinterpret<f32>(127), EXPN_MAX_,
  -LOG2E, reinterpret<f32>(0x7fffffff), -EXPN_MAX_], 16);

// Indices into EXPK, for ek.
export const EK_LOG2E: usize = 0;
export const EK_ROUND: usize = 1;
export const EK_LN2_HI: usize = 2;
export const EK_LN2_LO: usize = 3;
export const EK_Q4: usize = 4;
export const EK_Q3: usize = 5;
export const EK_Q2: usize = 6;
export const EK_Q1: usize = 7;
export const EK_Q0: usize = 8;
export const EK_ONE: usize = 9;
const EK_CLAMP_LO: usize = 10;
const EK_CLAMP_HI: usize = 11;
const EK_ROUND_BITS: usize = 12;
const EK_BIAS: usize = 13;
export const EK_EXPN_MAX: usize = 14;
export const EK_NEG_LOG2E: usize = 15;
export const EK_ABS: usize = 16;
export const EK_EXPN_MIN: usize = 17;

/** Lane-splat of constant i of EXPK. */
// @ts-ignore: decorator
@inline export function ek(i: usize): v128 {
  return v128.load32_splat(EXPK + 4 * i);
}

/** splat(1) and splat(-EXPN_MAX), loaded (see EXPK). */
// @ts-ignore: decorator
@inline export function ONE4(): v128 { return ek(EK_ONE); }
// @ts-ignore: decorator
@inline export function EXPN_MIN4(): v128 { return ek(EK_EXPN_MIN); }

// NOTE: V8 does not move a memory load out of a loop that also stores (it cannot rule out
// that the store changes it), so a loop whose exp loads its ten constants where it uses them
// reloads them every step, and TurboFan puts those loads at the top of the step and spills
// half of them to the stack (sigmoid's loop: ~20 loads and ~16 spill moves a step). So vexpn
// takes them as arguments: the hot loops load them into locals once, before the loop, and V8
// keeps them in registers. On Node 20, sigmoid's kernel takes 25% less time at two vectors a
// step, softmax's 13-14% less (docs/performance.md, 2026-12-07 from 10:58).

// vexpn's range: |x| <= EXPN_MAX keeps n = round(x log2 e) in [-125, 125], where 2^n is one
// normal float and p 2^n (p in [0.7, 1.42]) is normal, so scaling once is exact.
export const EXPN_MAX: f32 = EXPN_MAX_;

/**
 * vexp for lanes that the caller has checked are in [-EXPN_MAX, EXPN_MAX], from constants the
 * caller holds in locals (NOTE above): l2e = ek(EK_LOG2E), or ek(EK_NEG_LOG2E) with neg (a
 * compile-time constant) for e^-x without negating x; rnd, hi, lo, q4..q0 and one =
 * ek(EK_ROUND), ek(EK_LN2_HI), ek(EK_LN2_LO), ek(EK_Q4)..ek(EK_Q0), ek(EK_ONE). The same
 * reduction and polynomial as vexp (expPoly), 2^n applied as one factor: where every lane is in
 * range the result is vexp's bit for bit (both scalings are then exact), so within 1 ulp too; a
 * NaN lane gives NaN, as vexp's; elsewhere outside the range the result is meaningless. Callers
 * test a vector (sigmoid's test that lets NaN through) or a whole run (softmax's least x - m)
 * and give vexp what fails, so a lane never depends on its neighbours.
 */
// @ts-ignore: decorator
@inline export function vexpn(x: v128, neg: bool, l2e: v128, rnd: v128, hi: v128, lo: v128,
  q4: v128, q3: v128, q2: v128, q1: v128, q0: v128, one: v128): v128 {
  const z = f32x4.add(f32x4.mul(x, l2e), rnd);
  const p = expPoly(x, z, neg, rnd, hi, lo, q4, q3, q2, q1, q0, one);
  // z's low mantissa bits are n (ROUND's are 0 below bit 22), so z << 23 is n << 23 and
  // adding 1.0f's bits (127 << 23) makes 2^n.
  return f32x4.mul(p, i32x4.add(i32x4.shl(z, 23), one));
}

/**
 * z = x log2(e) + 1.5 * 2^23, whose low mantissa bits are n = round(x log2 e).
 */
// @ts-ignore: decorator
@inline function expZ(x: v128): v128 {
  return f32x4.add(f32x4.mul(x, ek(EK_LOG2E)), ek(EK_ROUND));
}

/**
 * p with e^x = p 2^n, from x and z = x l2e + rnd: x = n ln2 + r with |r| <= ln2/2, ln2 in two
 * pieces (n LN2_HI is exact), and e^r = 1 + r + r^2 q(r) with q of degree 4 fitted to the
 * relative error on that interval (3e-9 at most, tools/fit-exp.py). Shared by vexp and
 * vexpn, so both round alike. With neg (a compile-time constant; z from -log2 e), p of -x
 * without negating x: it carries r' = -r, each c + c' r as c - c' r' and r^2 q + r as
 * r^2 q - r'; IEEE rounding is symmetric, so every step is the same number or its exact
 * negation and p is bit for bit that of -x (the negation costs V8 three instructions).
 * q is evaluated by Estrin's scheme, (Q0 + Q1 r) + r^2 ((Q2 + Q3 r) + Q4 r^2), not Horner's:
 * the chain of dependent operations from x to e^x is what bounds the exp loops (the CPU
 * cannot keep enough iterations in flight to hide ~60 cycles of latency), and this cuts it
 * by four steps: softmax 6-10% and sigmoid 14% faster (README), still within 1 ulp (vmath.spec.ts).
 */
// @ts-ignore: decorator
@inline function expPoly(x: v128, z: v128, neg: bool, rnd: v128, hi: v128, lo: v128,
  q4: v128, q3: v128, q2: v128, q1: v128, q0: v128, one: v128): v128 {
  const n = f32x4.sub(z, rnd);
  const a = f32x4.mul(n, hi);
  const b = f32x4.mul(n, lo);
  const r = neg ? f32x4.add(f32x4.add(x, a), b) : f32x4.sub(f32x4.sub(x, a), b);
  const r2 = f32x4.mul(r, r);
  if (neg) {
    const l = f32x4.sub(q0, f32x4.mul(q1, r));
    const h = f32x4.sub(q2, f32x4.mul(q3, r));
    const q = f32x4.add(l, f32x4.mul(r2, f32x4.add(h, f32x4.mul(q4, r2))));
    return f32x4.add(f32x4.sub(f32x4.mul(r2, q), r), one);
  }
  const l = f32x4.add(q0, f32x4.mul(q1, r));
  const h = f32x4.add(q2, f32x4.mul(q3, r));
  const q = f32x4.add(l, f32x4.mul(r2, f32x4.add(h, f32x4.mul(q4, r2))));
  return f32x4.add(f32x4.add(f32x4.mul(r2, q), r), one);
}

/**
 * e^x per lane, within 1 ulp. Overflow gives +Inf (x > 88.72), underflow
 * gradually reaches denormals and then +0 (x < -103.97); NaN stays NaN.
 * n is rounded by adding 1.5 * 2^23 (the sum's low mantissa bits are then n, with
 * no float-to-int conversion), e^r is expPoly's, and 2^n is applied as two exact
 * power-of-two factors so that results in the denormal range round once.
 */
// @ts-ignore: decorator
@inline export function vexp(x: v128): v128 {
  // pmin/pmax, not min/max: V8 emits one instruction for each instead of about seven
  // (IEEE NaN propagation); the two differ only where x is NaN, restored at the end.
  const xc = f32x4.pmin(f32x4.pmax(x, ek(EK_CLAMP_LO)), ek(EK_CLAMP_HI));
  const z = expZ(xc);
  const p = expPoly(xc, z, false, ek(EK_ROUND), ek(EK_LN2_HI), ek(EK_LN2_LO), ek(EK_Q4), ek(EK_Q3), ek(EK_Q2),
    ek(EK_Q1), ek(EK_Q0), ek(EK_ONE));
  // n as an integer is z's bits minus ROUND's; 2^n = 2^a * 2^(n-a) with a = n >> 1, both
  // normal floats for n in [-150, 129].
  const ni = i32x4.sub(z, ek(EK_ROUND_BITS));
  const a = i32x4.shr_s(ni, 1);
  const s1 = i32x4.shl(i32x4.add(a, ek(EK_BIAS)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, a), ek(EK_BIAS)), 23);
  const y = f32x4.mul(f32x4.mul(p, s1), s2);
  return v128.bitselect(x, y, f32x4.ne(x, x));
}

/**
 * ln x per lane: -Inf for +-0, NaN for x < 0 and NaN, +Inf for +Inf;
 * denormals are scaled by 2^23 first. x = m 2^e with m in [sqrt(1/2), sqrt(2)),
 * ln m = 2 atanh(t) with t = (m - 1)/(m + 1), |t| <= 0.1716, summed to t^11.
 */
// @ts-ignore: decorator
@inline export function vlog(x: v128): v128 {
  const tiny = f32x4.lt(x, f32x4.splat(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(8388608)), x, tiny);
  const bits = xs;
  // The exponent of m * 2^e with m in [sqrt(1/2), sqrt(2)): bias the mantissa by 1 - sqrt(1/2).
  const shifted = i32x4.add(bits, i32x4.splat(0x3f800000 - 0x3f3504f3));
  const e = i32x4.sub(i32x4.shr_s(shifted, 23), i32x4.splat(127));
  const m = i32x4.sub(bits, i32x4.shl(e, 23));
  const ef = f32x4.sub(f32x4.convert_i32x4_s(e), v128.bitselect(f32x4.splat(23), f32x4.splat(0), tiny));
  const t = f32x4.div(f32x4.sub(m, f32x4.splat(1)), f32x4.add(m, f32x4.splat(1)));
  const t2 = f32x4.mul(t, t);
  let s = f32x4.splat(1.0 / 11);
  s = f32x4.add(f32x4.mul(s, t2), f32x4.splat(1.0 / 9));
  s = f32x4.add(f32x4.mul(s, t2), f32x4.splat(1.0 / 7));
  s = f32x4.add(f32x4.mul(s, t2), f32x4.splat(1.0 / 5));
  s = f32x4.add(f32x4.mul(s, t2), f32x4.splat(1.0 / 3));
  // 2t + 2t^3 s' = ln m, then + e ln 2 in two pieces so e*LN2_HI is exact.
  const lnm = f32x4.add(f32x4.add(t, t), f32x4.mul(f32x4.mul(f32x4.add(t, t), t2), s));
  const y = f32x4.add(f32x4.add(f32x4.mul(ef, f32x4.splat(LN2_LO)), lnm), f32x4.mul(ef, f32x4.splat(LN2_HI)));
  // Special lanes: x = 0 -> -Inf, x < 0 or NaN -> NaN, x = +Inf -> +Inf.
  let out = v128.bitselect(f32x4.splat(-Infinity), y, f32x4.eq(x, f32x4.splat(0)));
  out = v128.bitselect(f32x4.splat(Infinity), out, f32x4.eq(x, f32x4.splat(Infinity)));
  return v128.bitselect(f32x4.splat(NaN), out, v128.not(f32x4.ge(x, f32x4.splat(0))));
}

/**
 * x^y per lane for x >= 0 (the bases of LRN, spnorm and noffset are sums of
 * squares plus a constant): exp(y ln x), so 0^y is +0 for y > 0, +Inf for y < 0
 * and 1 for y = 0; x < 0 or NaN gives NaN.
 */
// @ts-ignore: decorator
@inline export function vpow(x: v128, y: v128): v128 {
  const r = vexp(f32x4.mul(y, vlog(x)));
  // y = 0 gives 0 * -Inf = NaN at x = 0 and x = +Inf; x^0 = 1 there.
  return v128.bitselect(f32x4.splat(1), r, f32x4.eq(y, f32x4.splat(0)));
}

/** e^x of one value, lane 0 of vexp (tails use it so they equal the vector lanes). */
// @ts-ignore: decorator
@inline export function sexp(x: f32): f32 {
  return f32x4.extract_lane(vexp(f32x4.splat(x)), 0);
}

/** ln x of one value, lane 0 of vlog. */
// @ts-ignore: decorator
@inline export function slog(x: f32): f32 {
  return f32x4.extract_lane(vlog(f32x4.splat(x)), 0);
}

/** x^y of one value, lane 0 of vpow. */
// @ts-ignore: decorator
@inline export function spow(x: f32, y: f32): f32 {
  return f32x4.extract_lane(vpow(f32x4.splat(x), f32x4.splat(y)), 0);
}

