// Types of static-server.mjs (plain JavaScript, so that it runs in Node without a build).
import type { Server } from 'node:http';
export function serveStatic(root: string, opts?: { host?: string; port?: number }):
  Promise<{ server: Server; url: string; close: () => Promise<void> }>;
