// The simplenn engine: plan every layer from shapes, lay the run out in WebAssembly memory, run the
// two loops on byte addresses, copy out what res keeps. simplenn (simplenn.ts) is this engine with
// MATLAB's choice of what to keep; cnnTrain will keep less.

import { Tensor, isTensor, tensorArg, type Shape4 } from '../tensor.js';
import { dims, tagOf } from '../options.js';
import { arenaAbove, fresh, hasLocal, kernels, onCallingThread, RUN_HERE_MAX } from '../wasm.js';
import { splitCount, threads } from '../threads.js';
import { Layout, Reuse, addInto, netBuffers, sameShape } from './layout.js';
import { kindOf } from './layers.js';
import { checkLayerFields } from './fields.js';
import type { Buffers, HostKind, LayerKind, PlanContext, ResidentKind } from './kind.js';
import { lookup, remember, runCounts, samePlanLayout, snapshot, type Step } from './prepared.js';
import { emptyRes, layerLabel, type Layer, type Res, type SimpleNN } from './types.js';

const WHO = 'simplenn';

/**
 * Which fields of `res` a run copies out of WebAssembly memory; a field computed but not kept
 * becomes null, and a buffer that nothing reads again and that is not kept shares memory with
 * others. simplenn keeps what MATLAB's res keeps (simplenn.ts: matlabKeep); a trainer keeps what
 * it reads, e.g. `{ x: (k) => k >= L - 1, dzdx: () => false, dzdw: true, aux: false }` for the
 * predictions, the objective and the gradients (aux, the dropout masks, is still computed and
 * read by the backward pass inside the run).
 */
export interface Materialise {
  /** res[k].x, k = 0..L (res[0].x is x itself, never a copy). */
  x(k: number): boolean;
  /** res[k].dzdx, k = lim..L (res[L].dzdx is dzdy itself). */
  dzdx(k: number): boolean;
  dzdw: boolean;
  aux: boolean;
}

export interface RunOptions { test: boolean; conserveMemory: boolean; backPropDepth: number; skipForward: boolean; accumulate: boolean }

export function layersOf(net: SimpleNN): Layer[] {
  if (typeof net !== 'object' || net === null || !Array.isArray(net.layers)) {
    throw new Error(`${WHO}: net must be a simplenn net { layers: [...] }, got ${tagOf(net)}`);
  }
  net.layers.forEach((ly, l) => {
    if (typeof ly !== 'object' || ly === null) throw new Error(`${WHO}: ${layerLabel(l, ly)} must be an object, got ${tagOf(ly)}`);
  });
  return net.layers;
}

/** Run `f`, naming the layer in any error it throws. */
function at<T>(l: number, ly: Layer, f: () => T): T {
  try {
    return f();
  } catch (e) {
    // A custom layer's functions may throw anything, not only Errors.
    const what = e instanceof Error ? e.message : `threw ${tagOf(e)}`;
    throw new Error(`${WHO}: ${layerLabel(l, ly)}: ${what}`, { cause: e });
  }
}

const numel = (s: readonly number[]): number => s[0] * s[1] * s[2] * s[3];
const now = (): number => (globalThis.performance?.now() ?? Date.now()) / 1000;
const isHost = (k: LayerKind): k is HostKind => 'host' in k;

/**
 * The engine: simplenn with a choice of what to copy out (`keep`). Checks and plans everything,
 * lays the run out (one reserve(); extended past a custom layer once its output size is known),
 * copies x, dzdy and the weights in, runs the forward then the backward loop on byte addresses,
 * then copies the kept fields into the passed res's arrays (or fresh ones) and returns that res.
 */
export function run(net: SimpleNN, x: Tensor, dzdy: Tensor | number | null | undefined, resIn: Res[] | null | undefined,
  o: RunOptions, keep: Materialise): Res[] {
  const layers = layersOf(net);
  const n = layers.length;
  tensorArg(WHO, 'x', x);
  const doder = dzdy !== undefined && dzdy !== null;
  if (o.skipForward && !doder) throw new Error(`${WHO}: skipForward is valid only when the backward pass is computed (pass dzdy)`);
  if (o.skipForward && (resIn === undefined || resIn === null || resIn.length === 0)) {
    throw new Error(`${WHO}: skipForward needs the res of an earlier call (its res[l].x are the inputs of the backward pass)`);
  }
  if (doder && typeof dzdy !== 'number') tensorArg(WHO, 'dzdy', dzdy);
  if (typeof dzdy === 'number' && !Number.isFinite(dzdy)) throw new Error(`${WHO}: dzdy must be a Tensor or a finite number, got ${dzdy}`);
  if (resIn !== undefined && resIn !== null && !Array.isArray(resIn)) throw new Error(`${WHO}: res must be an array of records, got ${tagOf(resIn)}`);
  const lim0 = doder ? Math.max(Math.ceil(n - o.backPropDepth), 0) : n;
  // The passed res is read while planning and written only once every check has passed.
  const passed: Res[] = (resIn ?? []).slice(0, n + 1).map((r) => (typeof r === 'object' && r !== null ? r : emptyRes()));
  while (passed.length < n + 1) passed.push(emptyRes());
  const targets = passed.map((r) => ({ x: r.x, dzdx: r.dzdx, dzdw: Array.isArray(r.dzdw) ? r.dzdw.slice() : null, aux: r.aux }));
  const out = passed;

  // What res keeps, evaluated once (it decides which buffers share memory, so it is part of the key).
  const keepX: boolean[] = [];
  const keepD: boolean[] = [];
  for (let k = 0; k <= n; k++) { keepX.push(keep.x(k)); keepD.push(doder && k >= lim0 && keep.dzdx(k)); }
  // The lowest back-propagated layer writes dzdx only when res keeps it (cnnTrain keeps none).
  const ctxOf = (l: number): PlanContext => ({ test: o.test, backward: doder && l >= lim0, dzdx: l > lim0 || keepD[l] });
  // threads(): how the blocks split their passes over the worker pool decides their scratch sizes.
  const key: unknown[] = [x.shape[0], x.shape[1], x.shape[2], x.shape[3], doder, lim0, o.test, threads(), ...keepX, ...keepD];
  // A run kept from an earlier call of these layers (no custom layer, no skipForward: see Prepared).
  const cacheable = !o.skipForward;
  const prepared = cacheable ? lookup(layers, key) : null;
  // A run in which no layer split when it was planned here runs on the unshared instance (Prepared.here), kept there too.
  if (prepared?.here === true && hasLocal()) {
    runCounts.here++;
    return onCallingThread(() => run(net, x, dzdy, resIn, o, keep));
  }
  if (prepared === null) runCounts.planned++;
  else runCounts.kept++;

  const layout = new Layout(prepared?.sizes);
  const shapes: Shape4[] = prepared?.shapes ?? [];
  const X: number[] = prepared?.X ?? [];
  const D: number[] = prepared?.D ?? [];
  const steps: Step[] = prepared?.steps ?? layers.map((ly, l) => at(l, ly, () => {
    const kind = kindOf(ly.type);
    if (isHost(kind)) kind.host.check(ly);
    else checkLayerFields(ly);
    return { ly, kind, plan: null, ctx: ctxOf(l), inputs: [], dzdw: [], aux: -1, scratch: -1 };
  }));
  // Buffers that nothing reads after the layers next to them and that res does not keep share two
  // regions, by the parity of k: an x that no backward pass reads (dead once the forward pass is
  // past it), a dzdx that res does not keep (dead once the layer below has read it). The forward
  // pass writes only x's and the backward pass only dzdx's, and a layer's input and output have
  // different parities, so no live buffer is overwritten. (Not past a custom layer, whose record
  // may keep anything, nor with skipForward, whose x's come from res.)
  const share = !o.skipForward && steps.every((s) => !isHost(s.kind));
  const regions = share && prepared === null ? [layout.add(0), layout.add(0)] : [];
  const slot = (k: number, shape: Shape4, shared: boolean): number => {
    if (!shared) return layout.add(numel(shape));
    const r = regions[k % 2];
    layout.sizes[r] = Math.max(layout.sizes[r], numel(shape));
    return r;
  };
  const place = (k: number, shape: Shape4): void => {
    shapes[k] = shape;
    X[k] = slot(k, shape, share && !(k > 0 && keepX[k]) && !(doder && k >= lim0 && k < n));
    D[k] = doder && k >= lim0 ? slot(k, shape, share && !(k < n && keepD[k])) : -1;
  };
  const given = (k: number): Tensor | null => (isTensor(out[k].x) ? out[k].x as Tensor : null);
  const copyInputs = (l0: number, l1: number): void => {
    for (let j = l0; j < l1; j++) {
      const s = steps[j];
      const inputs = s.plan?.inputs ?? [];
      for (let i = 0; i < inputs.length; i++) layout.view(s.inputs[i], inputs[i].length).set(inputs[i]);
    }
  };

  /** Plan layers from l0 (whose input is placed) up to a custom layer whose output size is not known yet. */
  const planFrom = (l0: number): number => {
    let scratch = 0;
    let l = l0;
    for (; l < n; l++) {
      const s = steps[l];
      if (isHost(s.kind)) {
        if (!o.skipForward) break;
        const y = given(l + 1);
        if (y === null) throw new Error(`${WHO}: skipForward: res[${l + 1}].x (the output of custom ${layerLabel(l, s.ly)}) is missing`);
        place(l + 1, y.shape);
        continue;
      }
      const kind = s.kind as ResidentKind;
      const p = at(l, s.ly, () => kind.plan(s.ly, shapes[l], s.ctx));
      s.plan = p;
      s.inputs = p.inputs.map((a) => layout.add(a.length));
      s.aux = p.aux === null ? -1 : layout.add(numel(p.aux));
      s.dzdw = s.ctx.backward ? p.dzdw.map((d) => (d === null ? -1 : layout.add(numel(d)))) : [];
      scratch = Math.max(scratch, p.scratch);
      place(l + 1, p.y);
    }
    const ps = layout.add(scratch);
    for (let j = l0; j < l; j++) steps[j].scratch = ps;
    layout.commit();
    copyInputs(l0, l);
    return l;
  };

  if (prepared !== null) {
    // Plans and layout from the earlier call; the volatile layers (the losses: their labels are
    // data) are planned again, and must give the same buffers.
    for (let l = 0; l < n; l++) {
      const s = steps[l];
      const kind = s.kind as ResidentKind;
      if (!kind.volatile) continue;
      const p = at(l, s.ly, () => kind.plan(s.ly, shapes[l], s.ctx));
      if (!samePlanLayout(p, s.plan!, layout.sizes[s.scratch])) {
        throw new Error(`${WHO}: internal: ${layerLabel(l, s.ly)} planned again gives other buffer sizes`);
      }
      s.plan = p;
    }
    layout.commit();
    copyInputs(0, n);
  } else {
    const x0 = o.skipForward ? given(0) ?? x : x;
    place(0, [...x0.shape] as Shape4); // a copy: a kept run must not share the caller's array
    planFrom(0);
  }
  if (o.skipForward) checkSkipForward(out, steps, shapes, lim0, n);
  // Past a custom layer the sizes are known only once it has run: then these checks wait for the backward pass.
  const checkEnd = (): void => {
    checkDzdy(dzdy, shapes[n], n);
    if (o.accumulate && doder) checkAccumulate(steps, targets, lim0);
  };
  const allPlanned = shapes[n] !== undefined;
  if (allPlanned) checkEnd();
  // The Tensors of the net, which copy-out never writes into: a prepared run's set covers the layers
  // whose fields it checks; the volatile ones (a loss's labels change from call to call) are read now.
  const nets = prepared === null ? netBuffers(layers) : prepared.netBuffers;
  const volatileNets = prepared === null || prepared.volatile.length === 0 ? null : netBuffers(prepared.volatile);
  const entry = prepared === null && cacheable && share && allPlanned ? { kernels: kernels(), layers: layers.slice(),
    snaps: steps.map((st) => snapshot(st.ly, st.kind)), key, steps, sizes: layout.sizes, shapes, X, D, netBuffers: nets,
    volatile: layers.filter((_, l) => (steps[l].kind as ResidentKind).volatile), buffers: null, here: false } : null;
  if (entry !== null) remember(layers, entry);

  const bufs = (l: number): Buffers => {
    const s = steps[l];
    return { x: layout.ptr(X[l]), y: layout.ptr(X[l + 1]), dzdx: layout.ptr(D[l]), dzdy: layout.ptr(D[l + 1]),
      inputs: s.inputs.map((i) => layout.ptr(i)), dzdw: s.dzdw.map((i) => layout.ptr(i)), aux: layout.ptr(s.aux),
      scratch: layout.ptr(s.scratch) };
  };
  // A prepared run's Buffers objects are made once for each place the layout is laid out at.
  let kept: Buffers[] | null = null;
  if (prepared !== null) {
    const at0 = layout.ptr(0);
    if (prepared.buffers === null || prepared.buffers.at !== at0) prepared.buffers = { at: at0, list: steps.map((_, l) => bufs(l)) };
    kept = prepared.buffers.list;
  }
  const tensorAt = (slot: number, shape: Shape4): Tensor => {
    const a = fresh(numel(shape));
    a.set(layout.view(slot, a.length));
    return new Tensor(a, shape);
  };

  const splits0 = splitCount();
  if (o.skipForward) {
    for (let k = 0; k <= n; k++) { const t = given(k); if (t !== null && sameShape(t.shape, shapes[k])) layout.view(X[k], t.numel).set(t.data); }
    steps.forEach((s, l) => { if (s.plan?.aux && s.ctx.backward) layout.view(s.aux, numel(s.plan.aux)).set((out[l + 1].aux as Tensor).data); });
  } else {
    layout.view(X[0], x.numel).set(x.data);
    for (let l = 0; l < n; l++) {
      const s = steps[l];
      const t0 = now();
      if (s.plan !== null) {
        s.plan.forward(kept === null ? bufs(l) : kept[l]);
      } else {
        out[l].x = tensorAt(X[l], shapes[l]);
        const rec = at(l, s.ly, () => arenaAbove(layout.end(), () => (s.kind as HostKind).host.forward(s.ly, out[l], out[l + 1])));
        const y = typeof rec === 'object' && rec !== null ? rec.x : undefined;
        if (!isTensor(y)) throw new Error(`${WHO}: ${layerLabel(l, s.ly)}: forward must return a res record whose x is a Tensor, got ${tagOf(y)}`);
        out[l + 1] = rec;
        place(l + 1, y.shape);
        planFrom(l + 1);
        layout.view(X[l + 1], y.numel).set(y.data);
      }
      out[l].time = now() - t0;
    }
  }
  if (!allPlanned) checkEnd();
  if (doder) {
    if (isTensor(dzdy)) layout.view(D[n], dzdy.numel).set(dzdy.data);
    else layout.view(D[n], 1)[0] = dzdy as number;
    for (let l = n - 1; l >= lim0; l--) {
      const s = steps[l];
      const t0 = now();
      if (s.plan !== null) {
        // A layer without weights whose dzdx nobody reads has nothing to compute.
        if (s.ctx.dzdx || s.plan.dzdw.length > 0) s.plan.backward(kept === null ? bufs(l) : kept[l]);
      } else {
        out[l].x = tensorAt(X[l], shapes[l]);
        out[l + 1].x = tensorAt(X[l + 1], shapes[l + 1]);
        out[l + 1].dzdx = tensorAt(D[l + 1], shapes[l + 1]);
        const rec = at(l, s.ly, () => arenaAbove(layout.end(), () => (s.kind as HostKind).host.backward(s.ly, out[l], out[l + 1])));
        const d = typeof rec === 'object' && rec !== null ? rec.dzdx : undefined;
        if (!isTensor(d) || !sameShape(d.shape, shapes[l])) {
          throw new Error(`${WHO}: ${layerLabel(l, s.ly)}: backward must return a res record whose dzdx is a Tensor of ` +
            `${dims(shapes[l])} (the size of its input), got ${isTensor(d) ? dims(d.shape) : tagOf(d)}`);
        }
        out[l] = rec;
        layout.view(D[l], d.numel).set(d.data);
      }
      out[l].backwardTime = now() - t0;
    }
  }

  if (entry !== null && threads() > 1 && splitCount() === splits0 && hasLocal()) {
    entry.here = layout.sizes.reduce((a, b) => a + b, 0) <= RUN_HERE_MAX;
  }

  // Copy out what res keeps, into the passed res's arrays where they fit.
  const reuse = new Reuse(volatileNets === null ? [nets] : [nets, volatileNets], x, dzdy);
  const copy = (slot: number, shape: Shape4, target: unknown): Tensor => reuse.take(target, shape, layout.view(slot, numel(shape)));
  for (let k = 0; k <= n; k++) {
    const r = out[k];
    if (!o.skipForward) r.x = !keepX[k] ? null : k === 0 ? x : copy(X[k], shapes[k], targets[k].x);
    else if (!keepX[k]) r.x = null;
    if (doder && k >= lim0) {
      r.dzdx = !keepD[k] ? null : k < n ? copy(D[k], shapes[k], targets[k].dzdx)
        : isTensor(dzdy) ? dzdy : new Tensor(Float32Array.of(dzdy as number), shapes[n]);
    }
  }
  steps.forEach((s, l) => {
    const p = s.plan;
    if (p === null) return;
    if (p.aux !== null && !o.skipForward) out[l + 1].aux = keep.aux ? copy(s.aux, p.aux, targets[l + 1].aux) : null;
    if (!s.ctx.backward || p.dzdw.length === 0) return;
    if (o.accumulate) {
      p.dzdw.forEach((shape, j) => { if (shape !== null) addInto((out[l].dzdw = targets[l].dzdw)![j]!.data, layout.view(s.dzdw[j], numel(shape))); });
    } else {
      out[l].dzdw = !keep.dzdw ? null : p.dzdw.map((shape, j) => (shape === null ? null : copy(s.dzdw[j], shape, targets[l].dzdw?.[j])));
    }
  });
  const result = resIn ?? [];
  result.length = n + 1;
  for (let k = 0; k <= n; k++) result[k] = out[k];
  return result;
}

function checkDzdy(dzdy: Tensor | number | null | undefined, y: Shape4, n: number): void {
  if (dzdy === undefined || dzdy === null) return;
  if (typeof dzdy === 'number') {
    if (numel(y) !== 1) {
      throw new Error(`${WHO}: dzdy is the number ${dzdy} but the net's output res[${n}].x is ${dims(y)}; a number stands ` +
        'for the derivative of a one-element output (a loss): pass a Tensor of the output size');
    }
  } else if (!sameShape(dzdy.shape, y)) {
    throw new Error(`${WHO}: dzdy is ${dims(dzdy.shape)} but the net's output res[${n}].x is ${dims(y)}`);
  }
}

function checkSkipForward(out: Res[], steps: Step[], shapes: Shape4[], lim0: number, n: number): void {
  for (let l = lim0; l < n; l++) {
    const t = out[l].x;
    const what = `res[${l}].x (the input of ${layerLabel(l, steps[l].ly)})`;
    if (!isTensor(t)) throw new Error(`${WHO}: skipForward: ${what} is missing (a run with conserveMemory drops it)`);
    if (!sameShape(t.shape, shapes[l])) throw new Error(`${WHO}: skipForward: ${what} is ${dims(t.shape)} but the net gives ${dims(shapes[l])} there`);
    const a = steps[l].plan?.aux;
    if (a && steps[l].ctx.backward) {
      const m = out[l + 1].aux;
      if (!isTensor(m) || !sameShape(m.shape, a)) {
        throw new Error(`${WHO}: skipForward: res[${l + 1}].aux (the mask of ${layerLabel(l, steps[l].ly)}) must be a Tensor of ` +
          `${dims(a)}, got ${isTensor(m) ? dims(m.shape) : tagOf(m)}`);
      }
    }
  }
}

function checkAccumulate(steps: Step[], targets: { dzdw: unknown[] | null }[], lim0: number): void {
  steps.forEach((s, l) => {
    if (l < lim0 || s.plan === null) return;
    s.plan.dzdw.forEach((shape, j) => {
      if (shape === null) return;
      const t = targets[l].dzdw?.[j];
      if (!isTensor(t) || !sameShape(t.shape, shape)) {
        throw new Error(`${WHO}: ${layerLabel(l, s.ly)}: accumulate needs res[${l}].dzdw[${j}] of ${dims(shape)} from an earlier ` +
          `call, got ${isTensor(t) ? dims(t.shape) : t === undefined || t === null ? 'none' : tagOf(t)}`);
      }
    });
  });
}
