// The byte streams the MAT reader pulls from: a whole buffer and a file read
// in chunks through a descriptor (inflate.ts adds the inflated contents of one
// miCOMPRESSED element). The reader asks for exactly what it needs next, so
// numeric data can go straight into their final typed array (fill) and nothing
// is read twice.

/** Throws a MatReadError naming the path being read; `offset` is the file offset. */
export type Fail = (message: string, offset: number) => never;

export interface Input {
  /** Offset of the next byte, counted from the start of this stream. */
  pos: number;
  /** Bytes left in this stream (for an inflating stream: once its size is known). */
  left(): number;
  /** The next n bytes, valid until the next call on this input. */
  take(n: number): Uint8Array;
  /** Read the next dst.length bytes into dst. */
  fill(dst: Uint8Array): void;
  skip(n: number): void;
  /** The next n bytes as a view the caller may keep, when the data already sit aligned in memory; else null. */
  keep(n: number, align: number): Uint8Array | null;
  /** "byte 1234" or "byte 56 of the variable compressed at byte 1234", for messages. */
  at(pos?: number): string;
  /** The file offset for MatReadError.offset. */
  fileOffset(): number;
  /** Why this input can run short: '(truncated file?)', or for an inflated variable '(corrupt file?)'. */
  readonly shortfall: string;
}

/**
 * A whole file already in memory, or (with `inflated`) one variable inflated
 * into a scratch buffer that is reused, so nothing may keep views of it.
 */
export class BufferInput implements Input {
  pos = 0;
  readonly shortfall: string;
  constructor(private readonly bytes: Uint8Array, private readonly fail: Fail,
    private readonly inflated?: { start: number; outer: Input }) {
    this.shortfall = inflated ? '(it inflates to fewer bytes than it says: corrupt file?)' : '(truncated file?)';
  }
  left(): number { return this.bytes.length - this.pos; }
  take(n: number): Uint8Array {
    this.need(n);
    return this.bytes.subarray(this.pos, (this.pos += n));
  }
  fill(dst: Uint8Array): void { dst.set(this.take(dst.length)); }
  skip(n: number): void { this.need(n); this.pos += n; }
  keep(n: number, align: number): Uint8Array | null {
    if (this.inflated || (this.bytes.byteOffset + this.pos) % align !== 0) return null;
    return this.take(n);
  }
  at(pos = this.pos): string {
    return this.inflated ? `byte ${pos} of the variable compressed at byte ${this.inflated.start}` : `byte ${pos}`;
  }
  fileOffset(): number { return this.inflated ? this.inflated.outer.fileOffset() : this.pos; }
  private need(n: number): void {
    if (n <= this.left()) return;
    if (this.inflated) {
      this.fail(`the compressed element at byte ${this.inflated.start} inflates to ${this.bytes.length} bytes, ` +
        'fewer than its variable needs (corrupt file?)', this.fileOffset());
    }
    if (n > this.left()) this.fail(`the file ends at byte ${this.bytes.length}, ${n - this.left()} bytes short (truncated file?)`, this.bytes.length);
  }
}

/** The parts of node:fs the file reader uses (synchronous, on a descriptor). */
export interface SyncFs {
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
}

const FILE_CHUNK = 1 << 18;

/** A file read through a descriptor in chunks: large data go straight into the caller's array. */
export class FileInput implements Input {
  pos = 0;
  readonly shortfall = '(truncated file?)';
  private buf = new Uint8Array(FILE_CHUNK);
  private bufStart = 0; // file offset of buf[0]
  private bufLen = 0;
  constructor(private readonly fs: SyncFs, private readonly fd: number, private readonly size: number,
    private readonly fail: Fail) {}
  left(): number { return this.size - this.pos; }
  take(n: number): Uint8Array {
    this.need(n);
    let off = this.pos - this.bufStart;
    if (off < 0 || off + n > this.bufLen) {
      if (n > this.buf.length) this.buf = new Uint8Array(n);
      this.bufStart = this.pos;
      this.bufLen = this.read(this.buf, 0, Math.min(this.buf.length, this.left()), this.pos);
      off = 0;
    }
    this.pos += n;
    return this.buf.subarray(off, off + n);
  }
  fill(dst: Uint8Array): void {
    this.need(dst.length);
    // What is buffered already, then straight from the file into dst.
    const off = this.pos - this.bufStart;
    let done = 0;
    if (off >= 0 && off < this.bufLen) {
      done = Math.min(dst.length, this.bufLen - off);
      dst.set(this.buf.subarray(off, off + done));
    }
    if (done < dst.length) this.read(dst, done, dst.length - done, this.pos + done);
    this.pos += dst.length;
  }
  skip(n: number): void { this.need(n); this.pos += n; }
  keep(): null { return null; }
  at(pos = this.pos): string { return `byte ${pos}`; }
  fileOffset(): number { return this.pos; }
  private need(n: number): void {
    if (n > this.left()) this.fail(`the file ends at byte ${this.size}, ${n - this.left()} bytes short (truncated file?)`, this.size);
  }
  private read(dst: Uint8Array, off: number, len: number, position: number): number {
    let got = 0;
    while (got < len) {
      const k = this.fs.readSync(this.fd, dst, off + got, len - got, position + got);
      if (k <= 0) this.fail(`the file ends at byte ${position + got} while reading (it changed while being read?)`, position + got);
      got += k;
    }
    return got;
  }
}
