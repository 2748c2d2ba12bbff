// The inflated contents of one miCOMPRESSED element, as an Input, inflated as
// it is read (compressed bytes 64 KiB at a time) by our DEFLATE decoder
// (deflate.ts: nothing allocated per chunk, so the peak stays near the size
// of the arrays read). The reader is synchronous (a file is read with
// readSync, a buffer needs no waiting), so one decoder serves every stream.
// NOTE: we parse the 2-byte zlib header and check the Adler-32 trailer and the
// inflated length here (FORMATS §1.6).

import { adler32, InflateError, Inflater } from '../deflate.js';

export { MAX_INFLATE_RATIO } from '../deflate.js';
import type { Fail, Input } from './input.js';

const INFLATE_CHUNK = 1 << 16;

/**
 * The inflated bytes of one miCOMPRESSED element of `n` bytes, read from `outer`
 * 64 KiB at a time, so the compressed variable is never held whole.
 */
let shared: Inflater | null = null;

export class InflateInput implements Input {
  pos = 0;
  readonly shortfall = '(it inflates to fewer bytes than it says: corrupt file?)';
  /** Inflated size once the inner tag has given it. */
  limit = Infinity;
  private readonly z: Inflater;
  private head = 0; // next unread byte in z.out
  private have = 0; // unread bytes in z.out
  private produced = 0;
  private body: number; // compressed bytes not yet read, trailer excluded
  private sum = 1; // Adler-32 so far
  private scratch = new Uint8Array(64);
  private cut = false; // the file ended inside this element

  constructor(private readonly outer: Input, n: number, private readonly start: number, private readonly fail: Fail) {
    if (n < 6) fail(`the compressed element at byte ${start} holds ${n} bytes, too few for a zlib stream`, start);
    if (outer.left() < 2) this.truncated();
    zlibHeader(outer.take(2), start, fail);
    this.body = n - 6;
    this.z = shared ??= new Inflater();
    this.z.reset(() => this.compressed());
  }

  left(): number { return this.limit - this.pos; }

  /** The next n bytes: a view valid until the next read. */
  take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    if (this.have >= n) {
      const v = this.z.out.subarray(this.head, this.head + n);
      this.consume(n);
      return v;
    }
    if (this.scratch.length < n) this.scratch = new Uint8Array(n);
    const out = this.scratch.subarray(0, n);
    this.fill(out);
    return out;
  }

  fill(dst: Uint8Array): void {
    let done = 0;
    while (done < dst.length) {
      if (this.have === 0) this.pull();
      const k = Math.min(dst.length - done, this.have);
      dst.set(this.z.out.subarray(this.head, this.head + k), done);
      this.consume(k);
      done += k;
    }
  }

  skip(n: number): void {
    while (n > 0) {
      if (this.have === 0) this.pull();
      const k = Math.min(n, this.have);
      this.consume(k);
      n -= k;
    }
  }

  keep(): null { return null; }
  at(pos = this.pos): string { return `byte ${pos} of the variable compressed at byte ${this.start}`; }
  fileOffset(): number { return this.outer.fileOffset(); }

  /** After the variable: no inflated bytes left over, the DEFLATE stream complete, Adler-32 as stored. */
  finish(): void {
    // A stream that faulted after the variable's bytes is reported as corrupt (inflate throws), not as too long.
    if (!this.z.done) this.inflate();
    if (this.have > 0 || this.produced > this.limit || !this.z.done) {
      this.fail(`the compressed element at byte ${this.start} inflates to more bytes than its variable holds ` +
        `(${this.limit} expected; corrupt file?)`, this.outer.fileOffset());
    }
    // Bytes after the end of the DEFLATE stream are ignored, as zlib does.
    if (this.outer.left() < this.body + 4) this.truncated();
    this.outer.skip(this.body);
    this.body = 0;
    const t = this.outer.take(4);
    const stored = ((t[0] << 24) | (t[1] << 16) | (t[2] << 8) | t[3]) >>> 0;
    const sum = this.sum;
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

  private truncated(): never {
    const end = this.outer.pos + this.outer.left();
    return this.fail(`compressed data ends at byte ${end} (truncated file?)`, end);
  }

  /** The decoder's input: up to 64 KiB of the element's compressed bytes, or null at its end. */
  private compressed(): Uint8Array | null {
    if (this.body === 0) return null;
    let k = Math.min(INFLATE_CHUNK, this.body);
    if (this.outer.left() < k) {
      // A truncated file: inflate what there is first, so the error names the path reached.
      if (this.outer.left() === 0) { this.cut = true; return null; }
      k = this.outer.left();
    }
    this.body -= k;
    return this.outer.take(k);
  }

  /** Only when every inflated byte has been read: the next bytes of the window. */
  private pull(): void {
    if (this.z.done) {
      this.fail(`the compressed element at byte ${this.start} inflates to ${this.produced} bytes, ` +
        `fewer than its variable needs (corrupt file?)`, this.outer.fileOffset());
    }
    this.inflate();
    if (this.have === 0) this.pull();
  }

  private inflate(): void {
    let n: number;
    try {
      n = this.z.produce();
    } catch (e) {
      if (!(e instanceof InflateError)) throw e;
      if (this.cut) this.truncated();
      return this.fail(`the compressed element at byte ${this.start} is corrupt near byte ${this.outer.fileOffset()} ` +
        `(${e.message})`, this.outer.fileOffset());
    }
    this.head = this.z.from;
    this.have = n;
    this.produced += n;
    this.sum = adler32(this.z.out.subarray(this.head, this.head + n), this.sum);
    if (this.produced > this.limit) {
      this.fail(`the compressed element at byte ${this.start} inflates to more than the ${this.limit} bytes ` +
        'its variable holds (corrupt file?)', this.outer.fileOffset());
    }
  }

  private consume(k: number): void {
    this.head += k;
    this.have -= k;
    this.pos += k;
  }
}

function hex(v: number): string { return v.toString(16).padStart(2, '0'); }

function zlibHeader(h: Uint8Array, start: number, fail: Fail): void {
  const cmf = h[0], flg = h[1];
  if ((cmf & 15) !== 8 || (cmf >> 4) > 7 || ((cmf << 8) | flg) % 31 !== 0 || (flg & 0x20) !== 0) {
    fail(`the compressed element at byte ${start} is not a zlib stream (header bytes 0x${hex(cmf)} 0x${hex(flg)})`, start + 8);
  }
}
