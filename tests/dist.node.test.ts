// The package as Node users load it: by name through the exports map, with
// require() (no top-level await anywhere) and with import, plus the raw module.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const node = (code: string, type: 'commonjs' | 'module') =>
  execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], { cwd: root, encoding: 'utf8' }).trim();

describe('package entry points under Node', () => {
  it("require('nnblocks') works in Node 20 (require of ESM without top-level await)", () => {
    const out = node(`const m = require('nnblocks');
      m.init().then(() => console.log(m.nnrelu(m.randn([2, 3], { seed: 1 })).size().join('x')));`, 'commonjs');
    expect(out).toBe('2x3');
  });

  it("import('nnblocks') works and exposes the raw module as nnblocks/kernels.wasm", () => {
    const out = node(`import { init, nnrelu, Tensor } from 'nnblocks';
      import { readFile } from 'node:fs/promises';
      import { createRequire } from 'node:module';
      const file = createRequire(import.meta.url).resolve('nnblocks/kernels.wasm');
      await init(new WebAssembly.Module(await readFile(file)));
      console.log(nnrelu(new Tensor(new Float32Array([-1, 2]), [2])).data.join(','));`, 'module');
    expect(out).toBe('0,2');
  });

  it('ships the .wasm files identical to the builds', () => {
    for (const f of ['kernels.wasm', 'kernels-relaxed.wasm']) {
      expect(existsSync(`${root}dist/${f}`)).toBe(true);
      expect(readFileSync(`${root}dist/${f}`).equals(readFileSync(`${root}build/${f}`))).toBe(true);
    }
  });
});
