// Called (not inlined) forms of vmath for cold paths such as scalar tails: each
// inlined vexp costs about 400 bytes of wasm, so the tails of every kernel share
// this one copy. Hot vector loops inline vmath directly (Node 20's V8 does not
// inline wasm calls, and a call per vector would cost more than the exp).

import { sexp, vexp } from './vmath';

/** e^x of one value: sexp, lane 0 of vexp, so a tail element equals a vector lane. */
export function exp1(x: f32): f32 {
  return sexp(x);
}

/** vexp, called: the cold vectors of a vexpn loop (a lane out of vexpn's range). */
export function expv(x: v128): v128 {
  return vexp(x);
}
