// Getting the bytes of an image from whatever imread() was given, and a
// description of where they came from for error messages.
//
// Strings: "http:", "https:", "file:", "data:" and "blob:" strings are URLs.
// Any other string is a file path, read with node:fs (Node, Deno, Bun), or, in
// a browser page or worker (no file system), fetched relative to the page.
// node:fs/promises is imported only when a path or file: URL is read, through
// nodeFs (src/node-fs.ts), so browser and edge bundles never load it.

import { nodeFs } from '../node-fs.js';

/** Everything imread() reads an image from. */
export type ImageSource =
  | string
  | URL
  | Blob
  | Response
  | ArrayBuffer
  | SharedArrayBuffer
  | ArrayBufferView;

/** The bytes of an image and where they came from ("'x.png'", a URL, "the given bytes"). */
export interface Loaded {
  bytes: Uint8Array;
  where: string;
}

const URL_SCHEME = /^(https?|file|data|blob):/i;

/** Read `source` into bytes; every failure is an Error that says what and where. */
export async function loadSource(who: string, source: ImageSource): Promise<Loaded> {
  const file = localFile(source);
  if (file) return fromFile(who, file.path, file.where);
  if (typeof source === 'string') {
    if (URL_SCHEME.test(source)) return fromURL(who, source);
    return fromURL(who, new URL(source, globalThis.location.href).href, `'${source}'`);
  }
  if (isURL(source)) return fromURL(who, source.href);
  if (isResponse(source)) return { bytes: await responseBytes(who, source, describeResponse(source)), where: describeResponse(source) };
  if (isBlob(source)) {
    const name = typeof (source as File).name === 'string' ? `the File '${(source as File).name}'` : 'the given Blob';
    const where = `${name} (${source.type || 'no type'}, ${source.size} bytes)`;
    return { bytes: new Uint8Array(await source.arrayBuffer()), where };
  }
  const bytes = asBytes(source);
  if (bytes === null) {
    throw new Error(`${who}: expected a file path, a URL, a Blob, a Response or bytes (ArrayBuffer or typed array), ` +
      `got ${describe(source)}`);
  }
  return { bytes, where: 'the given buffer' };
}

/**
 * The file `source` names, when it is read from the file system: a path or a
 * file: URL outside a browser. Callers that read files in pieces (readMat) use
 * it; loadSource reads such a file whole.
 */
export function localFile(source: ImageSource): { path: string | URL; where: string } | null {
  if (inBrowser()) return null;
  if (typeof source === 'string') {
    if (!URL_SCHEME.test(source)) return { path: source, where: `'${source}'` };
    return /^file:/i.test(source) ? { path: new URL(source), where: shortURL(source) } : null;
  }
  if (isURL(source) && /^file:$/i.test(source.protocol)) return { path: new URL(source.href), where: shortURL(source.href) };
  return null;
}

/** A page or a worker: no file system, and relative paths mean the page's URLs. */
function inBrowser(): boolean {
  const g = globalThis as { document?: unknown; WorkerGlobalScope?: unknown; location?: { href?: unknown } };
  return (typeof g.document === 'object' || typeof g.WorkerGlobalScope === 'function') &&
    typeof g.location?.href === 'string';
}

async function fromURL(who: string, url: string, name?: string): Promise<Loaded> {
  const where = name ?? shortURL(url);
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    throw new Error(`${who}: fetching ${where} failed: ${(e as Error).message}${cause ? ` (${cause})` : ''}`);
  }
  return { bytes: await responseBytes(who, res, where), where };
}

async function responseBytes(who: string, res: Response, where: string): Promise<Uint8Array> {
  if (!res.ok) throw new Error(`${who}: fetching ${where} failed: HTTP ${res.status} ${res.statusText}`.trimEnd());
  try {
    return new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    // A body already read, or a connection dropped mid-transfer.
    throw new Error(`${who}: reading the body of ${where} failed: ${(e as Error).message}`);
  }
}

async function fromFile(who: string, path: string | URL, where: string): Promise<Loaded> {
  const fs = await nodeFs(`${who}: reading ${where}`);
  try {
    const b = await fs.readFile(path);
    // Node returns a Buffer (a Uint8Array subclass); hand on a plain view of the same memory.
    return { bytes: new Uint8Array(b.buffer, b.byteOffset, b.byteLength), where };
  } catch (e) {
    throw new Error(`${who}: cannot read ${where}: ${(e as Error).message}`);
  }
}

/** data: URLs can be megabytes long; messages show the start. */
function shortURL(url: string): string {
  return url.length > 80 ? `${url.slice(0, 60)}…` : url;
}

function describeResponse(res: Response): string {
  return res.url ? `the response from ${shortURL(res.url)}` : 'the given Response';
}

function isURL(x: unknown): x is URL {
  return Object.prototype.toString.call(x) === '[object URL]' ||
    (typeof x === 'object' && x !== null && typeof (x as URL).href === 'string' &&
      typeof (x as URL).protocol === 'string');
}

function isResponse(x: unknown): x is Response {
  return typeof x === 'object' && x !== null && typeof (x as Response).arrayBuffer === 'function' &&
    typeof (x as Response).status === 'number';
}

function isBlob(x: unknown): x is Blob {
  return typeof x === 'object' && x !== null && typeof (x as Blob).arrayBuffer === 'function' &&
    typeof (x as Blob).size === 'number' && typeof (x as Blob).type === 'string';
}

/** A view of the same memory (never a copy, never modified). */
function asBytes(x: unknown): Uint8Array | null {
  const tag = Object.prototype.toString.call(x);
  if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') return new Uint8Array(x as ArrayBuffer);
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  return null;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return `${typeof x} ${String(x).slice(0, 40)}`;
  return Object.prototype.toString.call(x);
}
