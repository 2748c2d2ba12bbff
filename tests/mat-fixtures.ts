/// <reference types="vite/client" />
// The committed MAT fixtures as bytes and their expected values (scipy's
// reading, tools/make-mat-fixtures.py), in Node and Chromium alike: Vite
// inlines each file, so no file system is needed.
const urls = import.meta.glob('./fixtures/mat/*/*.mat', { query: '?inline', import: 'default', eager: true }) as Record<string, string>;
const expected = import.meta.glob('./fixtures/mat/*/*.json', { import: 'default', eager: true }) as Record<string, Expected>;

export type Expected = { vars: Record<string, unknown>; error?: undefined } | { error: string; vars?: undefined };

/** Fixture names as 'scipy/teststruct_7.4_GLNX86', sorted. */
export function fixtureNames(folder: string): string[] {
  return Object.keys(urls).filter((k) => k.startsWith(`./fixtures/mat/${folder}/`))
    .map((k) => k.slice('./fixtures/mat/'.length, -'.mat'.length)).sort();
}

export function matBytes(name: string): Uint8Array {
  const url = urls[`./fixtures/mat/${name}.mat`];
  if (!url) throw new Error(`no fixture ${name}.mat`);
  const s = atob(url.slice(url.indexOf(',') + 1));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export function matExpected(name: string): Expected {
  const e = expected[`./fixtures/mat/${name}.json`];
  if (!e) throw new Error(`no expected values ${name}.json (run tools/make-mat-fixtures.py)`);
  return e;
}
