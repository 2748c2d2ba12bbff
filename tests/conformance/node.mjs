// Node, Deno and Bun: import the package by name, as a user does.
import * as nn from 'nnblocks';
import { runSuite } from './suite.mjs';

const runtime = typeof Deno !== 'undefined' ? 'deno' : typeof Bun !== 'undefined' ? 'bun' : 'node';
const { failed } = await runSuite(nn, { runtime });
if (failed > 0) {
  if (typeof Deno !== 'undefined') Deno.exit(1);
  else process.exit(1);
}
