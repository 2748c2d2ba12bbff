// Runs the conformance cases against a package namespace and reports.
// `init` is the entry's own init (each runtime passes what it needs).
import { makeCases } from './cases.mjs';
import expected from './expected.json' with { type: 'json' };
import fixtures from './fixtures.json' with { type: 'json' };

export async function runSuite(nn, { init = (o) => nn.init(o), log = console.log, runtime = 'js', build = null, threads = 'one' } = {}) {
  const results = [];
  // Before init(), a block must refuse with the documented message.
  try {
    nn.nnrelu(nn.randn([2, 2]));
    results.push(['a block before init() throws', 'did not throw']);
  } catch (e) {
    results.push(['a block before init() throws', /await init\(\)/.test(e.message) ? null : e.message]);
  }
  await init();
  for (const [name, fn] of makeCases(nn, { expected, fixtures, build, threads, init })) {
    try {
      await fn();
      results.push([name, null]);
    } catch (e) {
      results.push([name, e instanceof Error ? e.message : String(e)]);
    }
  }
  for (const [name, err] of results) log(`${err === null ? 'ok  ' : 'FAIL'} ${runtime}: ${name}${err === null ? '' : ` — ${err}`}`);
  const failed = results.filter(([, err]) => err !== null).length;
  const passed = results.length - failed;
  log(`${runtime}: ${passed} passed, ${failed} failed`);
  return { passed, failed, results };
}
