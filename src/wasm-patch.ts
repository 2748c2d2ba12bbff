// The other three kernel builds (relaxed SIMD and the two shared-memory forms), each rebuilt
// from the SIMD build and a byte patch (made at build time by tools/wasm-delta.mjs, which
// describes the layout). index.ts inlines the SIMD module and the patches (1-2 KB each)
// instead of four whole modules.

/** FNV-1a, 32 bits (the same as tools/wasm-delta.mjs). */
function fnv1a(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193) >>> 0;
  return h >>> 0;
}

/** Apply `patch` to `base`; throws if the result is not the module the patch was made for. */
export function applyPatch(base: Uint8Array, patch: Uint8Array): Uint8Array<ArrayBuffer> {
  const fail = (why: string): Error =>
    new Error(`init: a kernel build could not be rebuilt from the SIMD build (${why}); ` +
      'the package is damaged, or its builds come from different versions');
  if (patch.length < 8) throw fail(`a patch of ${patch.length} bytes`);
  const u32 = (i: number): number => (patch[i] | (patch[i + 1] << 8) | (patch[i + 2] << 16) | (patch[i + 3] << 24)) >>> 0;
  const length = u32(0), hash = u32(4);
  const out = new Uint8Array(length);
  let p = 8, a = 0, o = 0;
  const leb = (): number => {
    let n = 0, shift = 0, byte: number;
    do {
      if (p >= patch.length) throw fail('the patch ends inside a number');
      byte = patch[p++];
      n += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return n;
  };
  while (p < patch.length) {
    const copy = leb(), skip = leb(), lit = leb();
    if (a + copy + skip > base.length || o + copy + lit > length || p + lit > patch.length) {
      throw fail(`an edit past the end at base byte ${a}, output byte ${o}`);
    }
    out.set(base.subarray(a, a + copy), o);
    o += copy;
    a += copy + skip;
    out.set(patch.subarray(p, p + lit), o);
    o += lit;
    p += lit;
  }
  if (o + base.length - a !== length) throw fail(`${o + base.length - a} bytes made, ${length} expected`);
  out.set(base.subarray(a), o);
  if (fnv1a(out) !== hash) throw fail('the result does not have the expected checksum');
  return out;
}
