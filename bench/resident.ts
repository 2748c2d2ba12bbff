// Resident passes for the benches: tensors laid into WebAssembly memory once, as simplenn
// keeps a layer's, so a timed call runs the kernel alone.
import { reserve, write } from '../src/wasm.js';

/**
 * A resident pass as simplenn runs it (tensors already in WebAssembly memory, no copies, the
 * result left there): `make` reserves and fills its buffers (`out` more of inputs[0]'s size, and
 * the scratch) in the current init()'s memory and returns the call.
 */
export function resident(inputs: Float32Array[], out: number, scratch: () => number,
  call: (ptrs: number[]) => void): () => () => void {
  return () => {
    const ptrs = reserve('bench', ...inputs.map((a) => a.length), ...new Array<number>(out).fill(inputs[0].length), scratch());
    inputs.forEach((a, i) => write(ptrs[i], a));
    return () => call(ptrs);
  };
}
