// Build time: the relaxed-SIMD kernels as a byte patch against the SIMD build
// (applied by src/wasm-patch.ts). The two builds come from the same sources and
// differ in a few hundred bytes (the micro-kernels' multiply-adds), so inlining
// the patch instead of a second 47 KB module keeps the browser bundle within
// its budget with both builds in it, and nothing is loaded later.
//
// Patch layout: u32 LE target length, u32 LE FNV-1a hash of the target, then
// groups of (copy, skip, insert) as LEB128 numbers, each followed by `insert`
// literal bytes: copy `copy` bytes of the base, skip `skip` base bytes, append
// the literals. The base's remaining bytes are copied at the end.

/** FNV-1a, 32 bits (the same as src/wasm-patch.ts). */
export function fnv1a(b) {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  return h >>> 0;
}

/**
 * Myers' O(ND) shortest edit script from a to b, as a string of 'E' (keep),
 * 'D' (drop a byte of a), 'I' (take a byte of b). Throws past maxD edits.
 */
function editScript(a, b, maxD) {
  const n = a.length, m = b.length, off = maxD + 1;
  const v = new Int32Array(2 * maxD + 3);
  const trace = [];
  for (let d = 0; d <= maxD; d++) {
    trace.push(v.slice(off - d - 1, off + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      v[off + k] = x;
      if (x >= n && y >= m) return backtrack(trace, n, m, d);
    }
  }
  throw new Error(`wasm-delta: the builds differ by more than ${maxD} byte edits; inline both modules instead`);
}

function backtrack(trace, n, m, D) {
  const out = [];
  let x = n, y = m;
  for (let d = D; d > 0; d--) {
    const vd = trace[d];
    const at = (k) => vd[k + d + 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const px = at(prevK), py = px - prevK;
    while (x > px && y > py) { out.push('E'); x--; y--; }
    out.push(x === px ? 'I' : 'D');
    x = px; y = py;
  }
  while (x > 0) { out.push('E'); x--; }
  return out.reverse();
}

function leb(out, n) {
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
}

/** The patch that turns `base` into `target` (both Uint8Arrays). */
export function makePatch(base, target, maxD = 8192) {
  const script = editScript(base, target, maxD);
  const out = [];
  const u32 = (n) => out.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
  u32(target.length);
  u32(fnv1a(target));
  let i = 0, bi = 0;
  while (i < script.length) {
    let copy = 0, skip = 0;
    const lit = [];
    while (i < script.length && script[i] === 'E') { copy++; bi++; i++; }
    while (i < script.length && script[i] !== 'E') {
      if (script[i] === 'D') skip++;
      else lit.push(target[bi++]);
      i++;
    }
    if (skip === 0 && lit.length === 0) break; // the trailing copy is implied
    leb(out, copy); leb(out, skip); leb(out, lit.length);
    out.push(...lit);
  }
  return Uint8Array.from(out);
}
