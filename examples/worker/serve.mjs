// `npm run example:worker`: bundle the example worker and serve it locally in
// workerd through Miniflare, on 127.0.0.1 only. PORT picks the port (8787 by default).
//   curl http://127.0.0.1:8787/
//   curl --data-binary @assets/sample.png http://127.0.0.1:8787/
import { Miniflare } from 'miniflare';
import { fileURLToPath } from 'node:url';
import { buildWorker, miniflareOptions } from './build.mjs';

const outDir = fileURLToPath(new URL('../../build/examples/worker/', import.meta.url));
const bundle = await buildWorker(outDir);
const mf = new Miniflare(miniflareOptions(bundle, Number(process.env.PORT ?? 8787)));
const url = await mf.ready;
console.log(`nnblocks example worker (workerd via Miniflare) at ${url}`);
console.log(`  curl ${url}`);
console.log(`  curl --data-binary @assets/sample.png ${url}`);
console.log('Ctrl-C stops it.');

const stop = async () => {
  await mf.dispose();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
