// Runs before every test file (vitest.config.ts setupFiles): NNBLOCKS_THREADS=n makes
// init() without a thread count start n threads (1: threads off), so the whole suite runs
// both ways. Unset, init() uses its own default (the machine's cores where threads work).
// init() without a count does not wait for its workers (their shares run on the calling
// thread until each runs), so with n > 1 every test first waits, by event-loop turns, until the
// pool's workers all run: the 2-thread projects then really give work to a worker.
import { beforeEach, inject } from 'vitest';
import { setDefaultThreads, workersRunning } from '../src/threads.js';
import { threadCount } from '../src/index.js';

const t = inject('threads');
if (t !== '') {
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1) throw new Error(`NNBLOCKS_THREADS must be a whole number >= 1, got "${t}"`);
  setDefaultThreads(n);
  if (n > 1) beforeEach(waitForWorkers, 60_000);
}

async function waitForWorkers(): Promise<void> {
  const want = threadCount() - 1; // 0 before init() and where the runtime gives no pool
  for (let i = 0; i < 5000 && workersRunning() < want; i++) await new Promise((r) => setTimeout(r, 0));
  if (workersRunning() < want) throw new Error(`setup-threads: ${workersRunning()} of the pool's ${want} workers run`);
}
