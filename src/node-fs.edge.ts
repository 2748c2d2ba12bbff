// The edge entries' stand-in for node-fs.ts (rollup swaps it in for
// dist/edge.js and dist/edge-light.js): workerd and Vercel Edge have no file
// system, and a bundle holding a dynamic import with a run-time specifier
// is refused whole by Miniflare's module discovery ("dynamic module
// specifiers are unsupported"), so these bundles hold no import at all.

import type { NodeFs } from './node-fs.js';

export type { NodeFs };

/** Always an Error: file paths cannot be read in an edge runtime. */
export async function nodeFs(why: string): Promise<NodeFs> {
  throw new Error(`${why} needs file system access, which edge runtimes (Cloudflare Workers, Vercel Edge) do not have; ` +
    'pass bytes, a Blob, a Response or an http(s) URL instead');
}

export type { NodeFsSync } from './node-fs.js';

/** Always an Error, as nodeFs. */
export async function nodeFsSync(why: string): Promise<import('./node-fs.js').NodeFsSync> {
  return nodeFs(why) as never;
}
