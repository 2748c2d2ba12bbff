// Node, Deno and Bun: import the package by name, as a user does.
// NNBLOCKS_KERNELS=simd | relaxed-simd (tools/test-runtimes.mjs, Node lines) runs the suite
// on that build, given to init() as the bytes of its shared-memory form
// (dist/kernels-shared[-relaxed].wasm) with threads for every core; unset, init() picks the
// build itself. Either way these runtimes get the worker pool.
import * as nn from 'nnblocks';
import { runSuite } from './suite.mjs';

const runtime = typeof Deno !== 'undefined' ? 'deno' : typeof Bun !== 'undefined' ? 'bun' : 'node';
// Deno asks for a permission to read the environment; the Node lines are what set it.
const build = (typeof Deno === 'undefined' ? globalThis.process?.env?.NNBLOCKS_KERNELS : undefined) || null;
let init;
if (build !== null) {
  if (build !== 'simd' && build !== 'relaxed-simd') throw new Error(`NNBLOCKS_KERNELS must be simd or relaxed-simd, got ${build}`);
  const { readFile } = await import('node:fs/promises');
  const file = new URL(`../../dist/${build === 'simd' ? 'kernels-shared' : 'kernels-shared-relaxed'}.wasm`, import.meta.url);
  init = async (options) => nn.init(await readFile(file), options);
}
const { failed } = await runSuite(nn, { runtime: build === null ? runtime : `${runtime} (${build})`, build, init, threads: 'many' });
if (failed > 0) {
  if (typeof Deno !== 'undefined') Deno.exit(1);
  else process.exit(1);
}
