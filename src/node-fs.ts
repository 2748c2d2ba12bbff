// Node's fs, imported only when a caller hands us a file path or file: URL.
//
// The specifier is built at run time and marked ignorable, so no bundler
// (Vite, webpack, esbuild, rollup) tries to resolve or polyfill `node:` for a
// browser or edge build, and runtimes without it never load it.

export interface NodeFs {
  readFile(path: string | URL): Promise<Uint8Array>;
  writeFile(path: string | URL, data: Uint8Array): Promise<void>;
  /** cnnTrain's checkpoints (expDir). */
  appendFile(path: string | URL, data: Uint8Array): Promise<void>;
  mkdir(path: string | URL, opts: { recursive: true }): Promise<unknown>;
  readdir(path: string | URL): Promise<string[]>;
}

const SPECIFIER = ['node', 'fs/promises'].join(':');

/** Node's `fs/promises` (also in Deno and Bun), or an Error naming what needed it. */
export async function nodeFs(why: string): Promise<NodeFs> {
  try {
    return (await import(/* @vite-ignore */ /* webpackIgnore: true */ SPECIFIER)) as NodeFs;
  } catch {
    throw new Error(`${why} needs file system access (node:fs), which this runtime does not have; ` +
      'pass bytes, a Blob, a Response or an http(s) URL instead');
  }
}

/** The synchronous descriptor calls readMat uses to read a file in chunks. */
export interface NodeFsSync {
  openSync(path: string | URL, flags: string): number;
  fstatSync(fd: number): { size: number };
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  closeSync(fd: number): void;
}

const SYNC_SPECIFIER = ['node', 'fs'].join(':');

/** Node's `fs` (also in Deno and Bun), or an Error naming what needed it. */
export async function nodeFsSync(why: string): Promise<NodeFsSync> {
  try {
    return (await import(/* @vite-ignore */ /* webpackIgnore: true */ SYNC_SPECIFIER)) as NodeFsSync;
  } catch {
    throw new Error(`${why} needs file system access (node:fs), which this runtime does not have; ` +
      'pass bytes, a Blob, a Response or an http(s) URL instead');
  }
}
