// Types of build-browser-example.mjs (plain JavaScript, so that it runs in Node without a build).
export const exampleDir: string;
export function buildBrowserExample(opts?: { minify?: boolean }): Promise<{ outdir: string; bytes: number }>;
