// A net's parameters by (layer, weight) index: what cnnTrain's solver state, multipliers and
// checkpoints are laid out by, and MatConvNet's parameter-server tag for each.

import type { Tensor } from '../tensor.js';
import type { SimpleNN } from './types.js';

/** f(l, j, w) for weight j of layer l (0-based), first layer first; w is null for an empty slot (a conv without bias). */
export function eachParam(net: SimpleNN, f: (l: number, j: number, w: Tensor | null) => void): void {
  net.layers.forEach((ly, l) => (ly.weights ?? []).forEach((w, j) => f(l, j, w ?? null)));
}

/** MatConvNet's tag of weight j of layer l: `l<l+1>_<j+1>` (vl_simplenn_start_parserv, 1-based). */
export function paramName(l: number, j: number): string {
  return `l${l + 1}_${j + 1}`;
}

/** One value per weight slot of every layer, [layer][weight], as cnn_train's state.solverState. */
export function perParam<T>(net: SimpleNN, v: (l: number, j: number) => T): T[][] {
  return net.layers.map((ly, l) => (ly.weights ?? []).map((_, j) => v(l, j)));
}
