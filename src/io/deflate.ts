// A DEFLATE decoder (RFC 1951) that inflates into one reused window.
//
// Why our own and not fflate's streaming Inflate: fflate hands every pushed
// chunk's output over in a fresh Uint8Array. Those are external memory to V8,
// freed only when a full GC runs, so inflating a 100 MB model left some 35 MB
// of dead chunks in the peak (1.34x the weights; the issue allows 1.3x). Here
// nothing is allocated per chunk: the output goes into `out`, whose first
// HISTORY bytes are the last 32 KiB of what came before (the farthest a match
// can reach), and the reader copies it from there into the final arrays.
//
// Input is pulled, not pushed: `next()` returns the next compressed bytes (or
// null at the end of the element), so decoding pauses only on the output side.

/** The farthest back a DEFLATE match can reach. */
const HISTORY = 1 << 15;
/** Output window: history plus 256 KiB of new bytes per refill, so the history move costs 1/8 of a byte copy per byte. */
const WINDOW = HISTORY + (1 << 18);

/** DEFLATE cannot expand more than 1032:1 (RFC 1951 longest match per 2 bits), so a larger claim is corrupt. */
export const MAX_INFLATE_RATIO = 1032;

export class InflateError extends Error {}

/**
 * RFC 1950's Adler-32 of d, continued from `sum` (1 for a new stream): sums mod 65521, reduced
 * every 5552 bytes (zlib's NMAX, the most with no u32 overflow).
 */
export function adler32(d: Uint8Array, sum = 1): number {
  let a = sum & 0xffff, b = sum >>> 16;
  for (let i = 0; i < d.length;) {
    for (const e = Math.min(d.length, i + 5552); i < e; i++) { a += d[i]; b += a; }
    a %= 65521; b %= 65521;
  }
  return b * 65536 + a;
}

// RFC 1951 §3.2.5: base lengths and extra bits of length codes 257..285, distance codes 0..29.
const LEN_BASE = Uint16Array.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
  131, 163, 195, 227, 258);
const LEN_EXTRA = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0);
const DIST_BASE = Uint16Array.of(1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
  1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577);
const DIST_EXTRA = Uint8Array.of(0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
  13, 13);
/** The order in which a dynamic block stores the code lengths of the code-length alphabet (§3.2.7). */
const CL_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

/**
 * A canonical Huffman code as one lookup table indexed by the next `bits`
 * input bits (LSB first): entry = symbol << 4 | code length, 0 for no code.
 */
class Code {
  readonly table: Int32Array;
  bits = 0;

  constructor(maxBits: number) { this.table = new Int32Array(1 << maxBits); }

  /** From the code lengths of symbols 0..n-1 (RFC 1951 §3.2.2). An over-subscribed set is corrupt. */
  build(lengths: Uint8Array, n: number, what: string): void {
    const count = new Uint16Array(16);
    let max = 0;
    for (let s = 0; s < n; s++) { count[lengths[s]]++; if (lengths[s] > max) max = lengths[s]; }
    count[0] = 0;
    let left = 1;
    for (let l = 1; l <= 15; l++) {
      left = 2 * left - count[l];
      if (left < 0) throw new InflateError(`over-subscribed ${what} code lengths`);
    }
    const next = new Uint16Array(16);
    for (let l = 1, code = 0; l <= 15; l++) { code = (code + count[l - 1]) << 1; next[l] = code; }
    this.bits = max;
    const size = 1 << max;
    const t = this.table;
    // NOTE: an incomplete set (allowed for a single distance code) leaves 0s, which decode refuses.
    t.fill(0, 0, size);
    for (let s = 0; s < n; s++) {
      const l = lengths[s];
      if (l === 0) continue;
      const c = next[l]++;
      let r = 0; // c's l bits reversed: DEFLATE packs Huffman codes MSB first into an LSB-first stream.
      for (let k = 0; k < l; k++) r |= ((c >> k) & 1) << (l - 1 - k);
      for (let j = r; j < size; j += 1 << l) t[j] = (s << 4) | l;
    }
  }
}

const enum Mode { Header, Stored, Huffman, Done }

export class Inflater {
  /** Output window: bytes [from, pos) are new since the last `produce()`. */
  readonly out = new Uint8Array(WINDOW);
  pos = 0;
  from = 0;
  private inb: Uint8Array = new Uint8Array(0);
  private ip = 0;
  private bb = 0; // bit buffer, LSB first
  private bc = 0; // bits in bb
  private mode = Mode.Header;
  private last = false;
  private stored = 0; // bytes left in a stored block
  private copyLen = 0; // a match cut off at the end of the window
  private copyDist = 0;
  private total = 0; // bytes produced so far (limits match distances)
  private readonly lit = new Code(15);
  private readonly dist = new Code(15);
  private readonly cl = new Code(7);
  private readonly lengths = new Uint8Array(320);
  private next: () => Uint8Array | null = () => null;
  private error: InflateError | null = null;

  /**
   * Starts a new stream; `next()` returns more compressed bytes, or null when
   * there are none (then a stream that needs more is corrupt). One Inflater is
   * reused for every stream: its window and tables are 0.4 MB.
   */
  reset(next: () => Uint8Array | null): void {
    this.next = next;
    this.inb = new Uint8Array(0);
    this.ip = this.bb = this.bc = this.pos = this.from = this.stored = this.copyLen = this.total = 0;
    this.mode = Mode.Header;
    this.last = false;
    this.error = null;
  }

  get done(): boolean { return this.mode === Mode.Done; }

  /** Once done: where the stream ends in the last input `next()` gave (the bit buffer's whole bytes are not its). */
  get end(): number { return this.ip - (this.bc >> 3); }

  /**
   * Inflates more bytes into out[from, pos); returns how many (0 only when the
   * stream is done). A corrupt or cut stream throws InflateError, but only once
   * the bytes before the fault have been handed out, so the reader gets as far
   * into the variable as the data go and its error names that place.
   */
  produce(): number {
    if (this.error) throw this.error;
    if (this.pos === WINDOW) {
      this.out.copyWithin(0, WINDOW - HISTORY, WINDOW);
      this.pos = HISTORY;
    }
    this.from = this.pos;
    try {
      while (this.pos < WINDOW && this.mode !== Mode.Done) {
        if (this.copyLen > 0) this.copy(this.copyLen, this.copyDist);
        else if (this.mode === Mode.Header) this.header();
        else if (this.mode === Mode.Stored) this.storedBytes();
        else this.huffman();
      }
    } catch (e) {
      if (!(e instanceof InflateError) || this.pos === this.from) throw e;
      this.error = e;
    }
    const n = this.pos - this.from;
    this.total += n;
    return n;
  }

  private more(): void {
    const b = this.next();
    if (b === null || b.length === 0) throw new InflateError('the DEFLATE stream ends early');
    this.inb = b;
    this.ip = 0;
  }

  /** The next n bits (n <= 16). */
  private bits(n: number): number {
    while (this.bc < n) {
      if (this.ip === this.inb.length) this.more();
      this.bb |= this.inb[this.ip++] << this.bc;
      this.bc += 8;
    }
    const v = this.bb & ((1 << n) - 1);
    this.bb >>>= n;
    this.bc -= n;
    return v;
  }

  /** One symbol of `code`. NOTE: near the end of the input fewer than code.bits bits may remain; a short code may still fit. */
  private symbol(code: Code): number {
    const need = code.bits;
    while (this.bc < need) {
      if (this.ip === this.inb.length) {
        const b = this.next();
        if (b === null || b.length === 0) break;
        this.inb = b;
        this.ip = 0;
      }
      this.bb |= this.inb[this.ip++] << this.bc;
      this.bc += 8;
    }
    const e = code.table[this.bb & ((1 << need) - 1)];
    const l = e & 15;
    if (l === 0) throw new InflateError('invalid Huffman code');
    if (l > this.bc) throw new InflateError('the DEFLATE stream ends early');
    this.bb >>>= l;
    this.bc -= l;
    return e >> 4;
  }

  private header(): void {
    if (this.last) { this.mode = Mode.Done; return; }
    this.last = this.bits(1) === 1;
    const type = this.bits(2);
    if (type === 0) {
      this.bb >>>= this.bc & 7; // stored blocks start on a byte boundary
      this.bc -= this.bc & 7;
      const len = this.bits(16), nlen = this.bits(16);
      if ((len ^ 0xffff) !== nlen) throw new InflateError('a stored block\'s length fails its check');
      this.stored = len;
      this.mode = Mode.Stored;
    } else if (type === 1) {
      this.fixed();
      this.mode = Mode.Huffman;
    } else if (type === 2) {
      this.dynamic();
      this.mode = Mode.Huffman;
    } else throw new InflateError('invalid block type 3');
  }

  private storedBytes(): void {
    while (this.stored > 0 && this.pos < WINDOW) {
      if (this.bc >= 8) { // whole bytes still in the bit buffer
        this.out[this.pos++] = this.bb & 255;
        this.bb >>>= 8;
        this.bc -= 8;
        this.stored--;
        continue;
      }
      if (this.ip === this.inb.length) this.more();
      const k = Math.min(this.stored, WINDOW - this.pos, this.inb.length - this.ip);
      this.out.set(this.inb.subarray(this.ip, this.ip + k), this.pos);
      this.ip += k;
      this.pos += k;
      this.stored -= k;
    }
    if (this.stored === 0) this.mode = Mode.Header;
  }

  private fixed(): void {
    const L = this.lengths;
    L.fill(8, 0, 144); L.fill(9, 144, 256); L.fill(7, 256, 280); L.fill(8, 280, 288);
    this.lit.build(L, 288, 'literal/length');
    L.fill(5, 0, 30);
    this.dist.build(L, 30, 'distance');
  }

  private dynamic(): void {
    const nlit = this.bits(5) + 257, ndist = this.bits(5) + 1, ncl = this.bits(4) + 4;
    if (nlit > 286 || ndist > 30) throw new InflateError(`a dynamic block claims ${nlit} literal/length and ${ndist} distance codes`);
    const L = this.lengths;
    L.fill(0, 0, 19);
    for (let k = 0; k < ncl; k++) L[CL_ORDER[k]] = this.bits(3);
    this.cl.build(L, 19, 'code-length');
    const n = nlit + ndist;
    // Lit/len and distance lengths are one sequence: a repeat may run from one into the other (§3.2.7).
    const seq = new Uint8Array(n);
    for (let k = 0; k < n;) {
      const s = this.symbol(this.cl);
      if (s < 16) { seq[k++] = s; continue; }
      let rep: number, v = 0;
      if (s === 16) {
        if (k === 0) throw new InflateError('a code-length repeat with nothing to repeat');
        v = seq[k - 1];
        rep = 3 + this.bits(2);
      } else rep = s === 17 ? 3 + this.bits(3) : 11 + this.bits(7);
      if (k + rep > n) throw new InflateError('code-length repeats run past the codes');
      seq.fill(v, k, k + rep);
      k += rep;
    }
    if (seq[256] === 0) throw new InflateError('a block with no end-of-block code');
    L.set(seq.subarray(0, nlit));
    this.lit.build(L, nlit, 'literal/length');
    L.set(seq.subarray(nlit));
    this.dist.build(L, ndist, 'distance');
  }

  /** Symbols until the block ends or the window is full. */
  private huffman(): void {
    const out = this.out;
    while (this.pos < WINDOW) {
      const s = this.symbol(this.lit);
      if (s < 256) { out[this.pos++] = s; continue; }
      if (s === 256) { this.mode = Mode.Header; return; }
      const i = s - 257;
      if (i >= 29) throw new InflateError(`invalid length code ${s}`);
      const len = LEN_BASE[i] + this.bits(LEN_EXTRA[i]);
      const d = this.symbol(this.dist);
      if (d >= 30) throw new InflateError(`invalid distance code ${d}`);
      const dist = DIST_BASE[d] + this.bits(DIST_EXTRA[d]);
      if (dist > this.total + this.pos - this.from) throw new InflateError(`a match reaches ${dist} bytes back, before the stream's start`);
      this.copy(len, dist);
    }
  }

  /** Copies a match byte by byte (it may overlap itself); what does not fit the window waits in copyLen. */
  private copy(len: number, dist: number): void {
    const out = this.out;
    const k = Math.min(len, WINDOW - this.pos);
    let p = this.pos;
    const end = p + k;
    if (dist >= k) out.copyWithin(p, p - dist, end - dist);
    else for (; p < end; p++) out[p] = out[p - dist];
    this.pos = end;
    this.copyLen = len - k;
    this.copyDist = dist;
  }
}
