// A tiny assertion kit that every runtime has (no node:assert in workerd or
// the browser without a bundler shim).

export function ok(cond, msg) {
  if (!cond) throw new Error(msg);
}

export function equal(got, want, what) {
  if (!Object.is(got, want)) throw new Error(`${what}: got ${got}, want ${want}`);
}

/** t.shape equals `want` padded with ones to 4 dimensions. */
export function sameShape(t, want, what) {
  const w4 = [...want, 1, 1, 1].slice(0, 4);
  if (t.shape.join('x') !== w4.join('x')) throw new Error(`${what}: shape ${t.shape.join('x')}, want ${w4.join('x')}`);
}

/** |got - want| <= tol * (1 + |want|) for every element; want may be a plain array. */
export function close(got, want, tol, what) {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length}, want ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) {
      throw new Error(`${what}: element ${i} is ${got[i]}, want ${want[i]} (tol ${tol})`);
    }
  }
}

export function throws(fn, pattern, what) {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof Error)) throw new Error(`${what}: threw a non-Error ${String(e)}`);
    if (!pattern.test(e.message)) throw new Error(`${what}: message "${e.message}" does not match ${pattern}`);
    return;
  }
  throw new Error(`${what}: did not throw`);
}
