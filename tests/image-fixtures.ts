/// <reference types="vite/client" />
// The committed image fixtures as data: URLs and bytes, in Node and Chromium
// alike: Vite inlines each file (no file system needed).
const urls = import.meta.glob('./fixtures/*.{png,jpg}', { query: '?inline', import: 'default', eager: true }) as Record<string, string>;
export const urlOf = (name: string): string => urls[`./fixtures/${name}`];
export function bytesOf(name: string): Uint8Array {
  const s = atob(urlOf(name).split(',')[1]);
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

