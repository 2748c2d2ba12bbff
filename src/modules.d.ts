// Ambient modules. tsconfig leaves out Node's types on purpose, so that
// isomorphic code cannot use Buffer or process by accident.

// The build inlines build/kernels.wasm as bytes (tools/inline-wasm.mjs).
declare module '*.wasm' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}

// Imported lazily, only when given a file: URL or path under Node, Deno or Bun.
declare module 'node:fs/promises' {
  export function readFile(path: string | URL): Promise<Uint8Array>;
}

// Vercel's form for a precompiled module (src/edge-light.ts).
declare module '*.wasm?module' {
  const module: WebAssembly.Module;
  export default module;
}

// The relaxed-SIMD build as a byte patch against the SIMD build (tools/inline-wasm.mjs, src/wasm-patch.ts).
declare module '*.wasm?patch-from=kernels.wasm' {
  const patch: Uint8Array<ArrayBuffer>;
  export default patch;
}

// jpeg-js's decoder alone (src/image/jpeg.ts): its module.exports is the index's decode.
declare module 'jpeg-js/lib/decoder.js' {
  const decode: typeof import('jpeg-js').decode;
  export default decode;
}
