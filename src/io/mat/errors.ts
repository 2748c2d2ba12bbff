// The two errors of MAT-file input and output. Both say where: the source,
// the variable path as MATLAB writes it (layers{4}.weights{1}, s(2).name) and,
// for reading, the byte offset in the file.

/** A MAT file that cannot be read: truncated, corrupt, or of a kind readMat does not read. */
export class MatReadError extends Error {
  /** Byte offset in the file (or, inside a compressed variable, of the compressed element) where reading stopped. */
  readonly offset: number;
  /** The variable path being read, e.g. `layers{4}.weights{1}`; '' before the first variable. */
  readonly path: string;
  constructor(message: string, offset: number, path: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MatReadError';
    this.offset = offset;
    this.path = path;
  }
}

/** Values writeMat cannot write: the message names the variable path and what was seen. */
export class MatWriteError extends Error {
  readonly path: string;
  constructor(message: string, path: string) {
    super(message);
    this.name = 'MatWriteError';
    this.path = path;
  }
}
