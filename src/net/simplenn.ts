// simplenn: vl_simplenn (NETWORKS.md §1) — a chain of layers, forward and backward, resident in
// WebAssembly memory for the whole run. The loops and the bookkeeping only: every layer type is an
// entry of LAYERS (layers.ts).

import type { Tensor } from '../tensor.js';
import { checkOptions, integerFrom, show, tagOf } from '../options.js';
import { layersOf, run, type Materialise, type RunOptions } from './engine.js';
import type { Layer, Res, SimpleNN } from './types.js';

const WHO = 'simplenn';

export interface SimpleNNOptions {
  /** 'normal' (default) or 'test' (any letter case): dropout passes x through, bnorm uses its moments. */
  mode?: 'normal' | 'test';
  /** Drop intermediate results from `res` (see simplenn). Default false. */
  conserveMemory?: boolean;
  /** Back-propagate through the last `backPropDepth` layers only (default Infinity). */
  backPropDepth?: number;
  /** Take every res[l].x from the passed `res` and run the backward pass only (default false). */
  skipForward?: boolean;
  /** Add this call's dzdw into the passed res[l].dzdw instead of replacing them (default false). */
  accumulate?: boolean;
}

function runOptions(opts: SimpleNNOptions | undefined): RunOptions {
  checkOptions(WHO, opts, ['mode', 'conserveMemory', 'backPropDepth', 'skipForward', 'accumulate']);
  const mode = opts?.mode ?? 'normal';
  const m = typeof mode === 'string' ? mode.toLowerCase() : mode;
  if (m !== 'normal' && m !== 'test') throw new Error(`${WHO}: unknown mode ${show(mode)}; the modes are 'normal' and 'test'`);
  const flag = (k: 'conserveMemory' | 'skipForward' | 'accumulate'): boolean => {
    const v = opts?.[k] ?? false;
    if (typeof v !== 'boolean') throw new Error(`${WHO}: ${k} must be true or false, got ${tagOf(v)}`);
    return v;
  };
  // MATLAB's n:-1:n-d+1 would take 1.5 as 1; a fraction is more likely a bug than a wish, so it is refused, as cnnTrain does.
  const depth = integerFrom(WHO, 'backPropDepth', opts?.backPropDepth ?? Infinity, 1, true);
  return { test: m === 'test', conserveMemory: flag('conserveMemory'), backPropDepth: depth, skipForward: flag('skipForward'),
    accumulate: flag('accumulate') };
}

/**
 * What MATLAB's res keeps (nnblocks: conserveMemory keeps what vl_simplenn's help text promises).
 * Without conserveMemory: everything. With it: res[0] (the input x and dz/dx) and res[L] (the output
 * and dzdy), the output x of loss and softmaxloss layers, res[l + 1].x and .dzdx of a `precious`
 * layer l, every dzdw and aux; all other x and dzdx are null.
 */
function matlabKeep(layers: readonly Layer[], conserve: boolean): Materialise {
  const n = layers.length;
  const all = (): boolean => true;
  if (!conserve) return { x: all, dzdx: all, dzdw: true, aux: true };
  const precious = (k: number): boolean => k >= 1 && layers[k - 1].precious === true;
  const loss = (k: number): boolean => k >= 1 && (layers[k - 1].type === 'loss' || layers[k - 1].type === 'softmaxloss');
  return {
    x: (k) => k === 0 || k === n || precious(k) || loss(k),
    dzdx: (k) => k === 0 || k === n || precious(k),
    dzdw: true,
    aux: true,
  };
}

/**
 * res = simplenn(net, x, dzdy?, res?, opts?): vl_simplenn. Evaluates the chain `net.layers` (a tidied
 * net: simplenn fills no defaults) on x; with `dzdy` (a Tensor of the output's size, or a number for
 * a one-element output such as a loss: `1`) also the backward pass. Returns `res`, L + 1 records
 * (0-based): res[0].x = x (the same Tensor), res[l + 1].x = output of layer l, res[l].dzdx = dz/d of
 * layer l's input, res[L].dzdx = dzdy, res[l].dzdw = derivatives of layer l's OWN weights (conv,
 * convt: [dw, db] with db null when the bias is empty; bnorm: [dg, db, moments * N]),
 * res[l + 1].aux = the dropout mask of layer l, res[l].time / backwardTime = seconds of layer l's
 * forward / backward. Loss layers read their labels from `layer.class` (MATLAB's
 * `net.layers{end}.class = labels`).
 *
 * Options: `mode` 'normal' | 'test'; `backPropDepth` d: only layers L - d .. L - 1 are
 * back-propagated (dzdx and dzdw of the others are left as they were in the passed res);
 * `skipForward`: the forward pass is not run, every res[l].x (and the dropout masks) come from the
 * passed `res` — an Error without dzdy or without res; `accumulate`: dzdw is added into the passed
 * res[l].dzdw (which must have the right shapes). `conserveMemory` (nnblocks: it keeps what
 * vl_simplenn's help text promises, which MATLAB's code does not quite do): res keeps res[0] (x and
 * dzdx), res[L] (x and dzdx), the outputs of loss and softmaxloss layers, res[l + 1].x and .dzdx of
 * every layer l with `precious: true`, and every dzdw and aux; every other x and dzdx is null.
 * (MATLAB also clears res[0].x in a forward-only run, and a mid-net loss output in a backward one.)
 * Fields this call does not compute are left as the passed res had them, as in MATLAB.
 *
 * Errors name the layer by index and name (`simplenn: layer 3 ('conv2'): unknown type 'cnov'`): an
 * unknown type, a missing field, weights of the wrong shape or a wrong dzdy are found while
 * planning, before any layer runs, whichever passes the call makes.
 *
 * The run is resident. simplenn first plans every layer from shapes alone (each block's plan
 * function, which checks everything), then lays out every buffer of the run — each res[k].x, each
 * dzdx, each layer's weights, dzdw and aux, and one scratch as large as the largest any layer needs
 * — in one reserve() of WebAssembly memory, copies x, dzdy and the weights in, and runs each
 * layer's resident runners on those addresses: activations and derivatives never leave WebAssembly
 * memory between layers (the losses, computed in JavaScript, work on views of it). At the end the
 * fields that res keeps are copied out once: into the Float32Arrays of the passed `res` where a
 * field there has the same shape (so a loop that passes res back allocates no new arrays after its
 * first call, and WebAssembly memory does not grow), else into fresh Tensors. Passing res hands its
 * arrays over: they are overwritten. res[0].x and res[L].dzdx are the caller's x and dzdy, never
 * written. Buffers that no later step reads and that res does not keep share two regions of the
 * layout (an x that no backward pass reads, a dzdx that res drops), so conserveMemory saves
 * WebAssembly memory as well as JavaScript memory: a forward-only run holds two activations plus
 * the kept ones, a training run every x but only two dzdx's (not past a custom layer, nor with
 * skipForward). Weights are copied in on every call, so a weight written in place is always
 * seen. The plans and the layout are kept between calls of the same `net.layers` array (prepared.ts,
 * Prepared: a WeakMap, at most four runs per array and instance) and reused while every layer's fields match the
 * snapshot taken when it was planned (weights by identity and size; the loss layers, whose labels
 * are data, are planned on every call). With the worker pool, a run in which no layer split its
 * work (the character CNN at batch 1) runs from its second call on the unshared single-threaded
 * instance, whose copies in and out are plain memory copies: the same bits, and no slower than
 * with threads off. A custom layer
 * runs in JavaScript: its input is copied out as a Tensor, its output copied back in (the blocks
 * it calls use memory above the run's buffers); a custom layer's output size is known only once it
 * has run, so the layout is extended past it (the addresses before it stay the same).
 */
export function simplenn(net: SimpleNN, x: Tensor, dzdy?: Tensor | number | null, res?: Res[] | null,
  opts?: SimpleNNOptions): Res[] {
  const o = runOptions(opts);
  return run(net, x, dzdy, res, o, matlabKeep(layersOf(net), o.conserveMemory));
}

