// The inflated contents of one miCOMPRESSED element, as an Input: large ones
// inflated as they are read (compressed bytes 64 KiB at a time), small ones in
// one call into a reused scratch buffer.
//
// Inflater: fflate's streaming `Inflate` (MIT, pinned). Why fflate and not the
// native DecompressionStream: the reader is synchronous (a file is read with
// readSync, a buffer needs no waiting), and fflate inflates synchronously in
// every runtime we support (Node, Deno, Bun, browsers, workerd, Vercel Edge)
// with the same results and errors; writeMat must be synchronous too and uses
// fflate's zlibSync. DecompressionStream would make every chunk a promise hop.
// NOTE: fflate's Unzlib/unzlibSync drop the zlib Adler-32 trailer unchecked
// (FORMATS §1.6), so we parse the 2-byte zlib header ourselves, feed the bare
// DEFLATE body to `Inflate`, and check Adler-32 and the inflated length here.

import { Inflate, inflateSync } from 'fflate';
import type { Fail, Input } from './input.js';

/** DEFLATE cannot expand more than 1032:1 (RFC 1951 longest match per 2 bits), so a larger claim is corrupt. */
export const MAX_INFLATE_RATIO = 1032;
const INFLATE_CHUNK = 1 << 16;

/**
 * The inflated bytes of one miCOMPRESSED element of `n` bytes, read from `outer`
 * 64 KiB at a time, so the compressed variable is never held whole.
 */
export class InflateInput implements Input {
  pos = 0;
  readonly shortfall = '(it inflates to fewer bytes than it says: corrupt file?)';
  /** Inflated size once the inner tag has given it. */
  limit = Infinity;
  private readonly queue: Uint8Array[] = [];
  private head = 0; // offset into queue[0]
  private have = 0; // bytes queued
  private produced = 0;
  private body: number; // compressed bytes not yet pushed, trailer excluded
  private ended = false;
  private a = 1;
  private b = 0;
  private scratch = new Uint8Array(64);
  private readonly inflater: Inflate;

  constructor(private readonly outer: Input, n: number, private readonly start: number, private readonly fail: Fail) {
    if (n < 6) fail(`the compressed element at byte ${start} holds ${n} bytes, too few for a zlib stream`, start);
    if (outer.left() < 2) this.truncated();
    zlibHeader(outer.take(2), start, fail);
    this.body = n - 6;
    this.inflater = new Inflate((chunk, final) => {
      if (chunk.length) {
        this.adler(chunk);
        this.queue.push(chunk);
        this.have += chunk.length;
        this.produced += chunk.length;
      }
      if (final) this.ended = true;
    });
  }

  left(): number { return this.limit - this.pos; }

  take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    this.ensure(n);
    const first = this.queue[0];
    if (first.length - this.head >= n) {
      const v = first.subarray(this.head, this.head + n);
      this.consume(n);
      return v;
    }
    if (this.scratch.length < n) this.scratch = new Uint8Array(n);
    const out = this.scratch.subarray(0, n);
    this.copyOut(out);
    return out;
  }

  fill(dst: Uint8Array): void {
    let done = 0;
    while (done < dst.length) {
      if (this.have === 0) this.pull();
      done += this.copyOut(dst.subarray(done));
    }
  }

  skip(n: number): void {
    while (n > 0) {
      if (this.have === 0) this.pull();
      const k = Math.min(n, this.queue[0].length - this.head);
      this.consume(k);
      n -= k;
    }
  }

  keep(): null { return null; }
  at(pos = this.pos): string { return `byte ${pos} of the variable compressed at byte ${this.start}`; }
  fileOffset(): number { return this.outer.fileOffset(); }

  /** After the variable: no inflated bytes left over, the DEFLATE stream complete, Adler-32 as stored. */
  finish(): void {
    while (this.body > 0) this.pull();
    if (this.have > 0 || this.produced > this.limit) {
      this.fail(`the compressed element at byte ${this.start} inflates to more bytes than its variable holds ` +
        `(${this.limit} expected; corrupt file?)`, this.outer.fileOffset());
    }
    if (!this.ended) this.fail(`the compressed element at byte ${this.start} ends before its DEFLATE stream does (corrupt file?)`, this.outer.fileOffset());
    if (this.outer.left() < 4) this.truncated();
    const t = this.outer.take(4);
    const stored = ((t[0] << 24) | (t[1] << 16) | (t[2] << 8) | t[3]) >>> 0;
    const sum = ((this.b << 16) | this.a) >>> 0;
    if (stored !== sum) {
      this.fail(`the compressed element at byte ${this.start} fails its Adler-32 check ` +
        `(stored 0x${stored.toString(16)}, computed 0x${sum.toString(16)}; corrupt file?)`, this.outer.fileOffset());
    }
  }

  /** For a variable that is skipped: step over the rest of the compressed bytes unread. */
  abandon(): void {
    const rest = this.body + 4;
    if (this.outer.left() < rest) this.truncated();
    this.outer.skip(rest);
    this.body = 0;
  }

  private ensure(n: number): void {
    while (this.have < n) this.pull();
  }

  private truncated(): never {
    const end = this.outer.pos + this.outer.left();
    return this.fail(`compressed data ends at byte ${end} (truncated file?)`, end);
  }

  private pull(): void {
    if (this.ended || this.body === 0) {
      this.fail(`the compressed element at byte ${this.start} inflates to ${this.produced} bytes, ` +
        `fewer than its variable needs (corrupt file?)`, this.outer.fileOffset());
    }
    let k = Math.min(INFLATE_CHUNK, this.body);
    if (this.outer.left() < k) {
      // A truncated file: inflate what there is first, so the error names the path reached.
      if (this.outer.left() === 0) this.truncated();
      k = this.outer.left();
    }
    const chunk = this.outer.take(k);
    this.body -= k;
    try {
      this.inflater.push(chunk, this.body === 0);
    } catch (e) {
      this.fail(`the compressed element at byte ${this.start} is corrupt near byte ${this.outer.fileOffset()} ` +
        `(${(e as Error).message})`, this.outer.fileOffset());
    }
    if (this.produced > this.limit) {
      this.fail(`the compressed element at byte ${this.start} inflates to more than the ${this.limit} bytes ` +
        'its variable holds (corrupt file?)', this.outer.fileOffset());
    }
  }

  /** Copy queued bytes into dst (as many as are queued, at most dst.length). */
  private copyOut(dst: Uint8Array): number {
    let done = 0;
    while (done < dst.length && this.have > 0) {
      const first = this.queue[0];
      const k = Math.min(dst.length - done, first.length - this.head);
      dst.set(first.subarray(this.head, this.head + k), done);
      this.consume(k);
      done += k;
    }
    return done;
  }

  private consume(k: number): void {
    this.head += k;
    this.have -= k;
    this.pos += k;
    if (this.head === this.queue[0].length) {
      this.queue.shift();
      this.head = 0;
    }
  }

  /** RFC 1950 Adler-32, 5552 bytes between reductions (the largest n with no u32 overflow). */
  private adler(d: Uint8Array): void {
    let a = this.a, b = this.b;
    for (let i = 0; i < d.length;) {
      const end = Math.min(i + 5552, d.length);
      for (; i < end; i++) { a += d[i]; b += a; }
      a %= 65521; b %= 65521;
    }
    this.a = a; this.b = b;
  }
}

function hex(v: number): string { return v.toString(16).padStart(2, '0'); }

function zlibHeader(h: Uint8Array, start: number, fail: Fail): void {
  const cmf = h[0], flg = h[1];
  if ((cmf & 15) !== 8 || (cmf >> 4) > 7 || ((cmf << 8) | flg) % 31 !== 0 || (flg & 0x20) !== 0) {
    fail(`the compressed element at byte ${start} is not a zlib stream (header bytes 0x${hex(cmf)} 0x${hex(flg)})`, start + 8);
  }
}

function adler32(d: Uint8Array): number {
  let a = 1, b = 0;
  for (let i = 0; i < d.length;) {
    const end = Math.min(i + 5552, d.length);
    for (; i < end; i++) { a += d[i]; b += a; }
    a %= 65521; b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Compressed elements up to this size are inflated in one call (see inflateSmall). */
export const SMALL_COMPRESSED = 1 << 18;
const SCRATCH_MAX = 1 << 21;

/**
 * A small compressed element (the n bytes after its tag, all in `outer`)
 * inflated in one call into `scratch` (reused across variables): fflate's
 * streaming Inflate allocates some 200 KB per stream, which costs 1 ms per
 * variable in Node and 5 ms in Chromium. Returns null, having read nothing,
 * when the inflated bytes do not fit the scratch: then stream it.
 */
export function inflateSmall(outer: Input, n: number, start: number, scratch: { buf: Uint8Array | null }, fail: Fail):
  { data: Uint8Array; check(): void } | null {
  if (n < 6) fail(`the compressed element at byte ${start} holds ${n} bytes, too few for a zlib stream`, start);
  const from = outer.pos;
  const z = outer.take(n);
  zlibHeader(z, start, fail);
  const size = Math.min(SCRATCH_MAX, Math.max(1 << 16, 16 * n));
  if (!scratch.buf || scratch.buf.length < size) scratch.buf = new Uint8Array(size);
  const buf = scratch.buf;
  let out: Uint8Array;
  try {
    out = inflateSync(z.subarray(2, n - 4), { out: buf });
  } catch (e) {
    // NOTE: with a fixed output fflate throws RangeError when a stored block overflows it.
    if (e instanceof RangeError) out = buf;
    else return fail(`the compressed element at byte ${start} is corrupt (${(e as Error).message})`, outer.fileOffset());
  }
  if (out.length === buf.length) {
    outer.pos = from;
    return null;
  }
  const t = z.subarray(n - 4);
  const stored = ((t[0] << 24) | (t[1] << 16) | (t[2] << 8) | t[3]) >>> 0;
  const at = outer.fileOffset();
  // Checked by the reader once it knows the variable's name.
  const check = (): void => {
    const sum = adler32(out);
    if (stored !== sum) {
      fail(`the compressed element at byte ${start} fails its Adler-32 check ` +
        `(stored 0x${stored.toString(16)}, computed 0x${sum.toString(16)}; corrupt file?)`, at);
    }
  };
  return { data: out, check };
}
