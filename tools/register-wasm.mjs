import { register } from 'node:module';
register('./wasm-hooks.mjs', import.meta.url);
