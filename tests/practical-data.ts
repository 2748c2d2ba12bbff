// The practical's own images (peppers.png, 16-bit; dots.jpg) live outside the
// repository, in the workplace's shared/data beside the checkout, or wherever
// NNBLOCKS_PRACTICAL_DATA points. Tests that need them are skipped, visibly,
// where they are absent; the package's own sample image covers the rest.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = process.env.NNBLOCKS_PRACTICAL_DATA ?? fileURLToPath(new URL('../../shared/data/', import.meta.url));

/** Absolute path of a practical image, or null when it is not on this machine. */
export function practicalImage(name: 'peppers.png' | 'dots.jpg'): string | null {
  const path = `${dir.replace(/\/$/, '')}/${name}`;
  return existsSync(path) ? path : null;
}
