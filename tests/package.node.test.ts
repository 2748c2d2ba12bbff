// The published package's shape: publint (package.json against the files)
// and Are The Types Wrong (every entry resolves, with types, for ESM users).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = fileURLToPath(new URL('..', import.meta.url));
// NOTE: node_modules/.bin holds an npm 6 that as-pect drags in; pack with the system's npm.
const PATH = (process.env.PATH ?? '').split(':').filter((p) => !p.includes('node_modules/.bin')).join(':');

describe('package', () => {
  it('passes publint in strict mode', async () => {
    const { messages, pkg } = await publint({ pkgDir: root, strict: true, pack: false });
    expect(messages.map((m) => formatMessage(m, pkg))).toEqual([]);
  });

  it('passes Are The Types Wrong for an ESM-only package, wasm subpath included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnblocks-pack-'));
    try {
      execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: root, stdio: 'pipe', env: { ...process.env, PATH } });
      const tgz = join(dir, readdirSync(dir)[0]);
      const out = execFileSync(join(root, 'node_modules/.bin/attw'), [tgz, '--profile', 'esm-only', '--format', 'json'],
        { cwd: root, encoding: 'utf8' });
      // attw exits non-zero on a problem the profile counts (execFileSync then throws); the
      // esm-only profile leaves out CommonJS resolution, which require(esm) covers in Node 20.19+.
      const report = JSON.parse(out);
      expect(Object.keys(report.analysis.entrypoints)).toEqual(['.', './kernels.wasm', './kernels-relaxed.wasm', './kernels-shared.wasm',
        './kernels-shared-relaxed.wasm', './package.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
