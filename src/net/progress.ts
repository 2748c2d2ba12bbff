// What cnn_train prints (NETWORKS.md §3.4): one line per batch, and nnblocks' one-line summary of an
// epoch. Strings only: cnnTrain hands them to its `log` option; the CLI prints them.

/** The statistics of a pass so far: running averages per sample, plus `num` and `time` (seconds). */
export interface EpochStats {
  objective?: number;
  top1err?: number;
  top5err?: number;
  binerr?: number;
  /** Samples seen. */
  num: number;
  /** Seconds, the first three batches re-timed as the fourth (cnn_train's adjustTime). */
  time: number;
  [field: string]: number | undefined;
}

/** What cnnTrain passes to `onBatch` after each batch. */
export interface BatchInfo {
  /** 'train' or 'val'. */
  mode: 'train' | 'val';
  /** 1-based, as printed. */
  epoch: number;
  /** 1-based batch number and the number of batches of this pass. */
  batch: number;
  numBatches: number;
  /** Samples in this batch. */
  batchSize: number;
  /** Running averages over the pass so far (a copy). */
  stats: EpochStats;
  /** Samples per second over the pass so far, and for this batch. */
  averageSpeed: number;
  currentSpeed: number;
  /** The line cnn_train prints for this batch (progressLine of this info). */
  line: string;
}

/**
 * sprintf('%.<p>f', v) as C and MATLAB print it: the exact binary value rounded to nearest, ties to
 * even (JavaScript's toFixed breaks ties upwards); NaN and Inf by name.
 */
export function fixed(v: number, p: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Inf';
  if (v === -Infinity) return '-Inf';
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  const a = Math.abs(v);
  if (a >= 1e21) return sign + BigInt(Math.round(a)).toString() + (p > 0 ? '.' + '0'.repeat(p) : '');
  // toFixed(100) is the exact expansion for every value whose tie could matter (|v| >= 2^-40).
  const exact = a.toFixed(100);
  const dot = exact.indexOf('.');
  const rest = exact.slice(dot + 1 + p);
  let out = a.toFixed(p);
  if (/^50*$/.test(rest)) {
    // A tie: toFixed went up; C keeps the even neighbour.
    const digits = exact.slice(0, dot) + exact.slice(dot + 1, dot + 1 + p);
    const last = Number(digits[digits.length - 1]);
    if (last % 2 === 0) out = p > 0 ? exact.slice(0, dot + 1 + p) : exact.slice(0, dot);
  }
  return sign + out;
}

/** sprintf('%0<w>d' or '%<w>d', n) for an integer n. */
function int(n: number, width: number, zero = false): string {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + s.padStart(width - (n < 0 ? 1 : 0), zero ? '0' : ' ');
}

/** The statistics printed after the speeds: every field but num and time, sorted (MATLAB's setdiff). */
export function printedFields(stats: EpochStats): string[] {
  return Object.keys(stats).filter((k) => k !== 'num' && k !== 'time' && stats[k] !== undefined).sort();
}

/**
 * The line cnn_train prints after a batch:
 * `train: epoch 01:  12/152: 1523.4 (1498.2) Hz objective: 3.211 top1err: 0.870 top5err: 0.500`
 * — `'%s: epoch %02d: %3d/%3d:'`, `' %.1f (%.1f) Hz'` (average speed over the pass, then this
 * batch's), then `' %s: %.3f'` for each statistic in sorted order.
 */
export function progressLine(info: Omit<BatchInfo, 'line' | 'batchSize'>): string {
  let s = `${info.mode}: epoch ${int(info.epoch, 2, true)}: ${int(info.batch, 3)}/${int(info.numBatches, 3)}:`;
  s += ` ${fixed(info.averageSpeed, 1)} (${fixed(info.currentSpeed, 1)}) Hz`;
  for (const f of printedFields(info.stats)) s += ` ${f}: ${fixed(info.stats[f] as number, 3)}`;
  return s;
}

/**
 * nnblocks' summary of an epoch (cnn_train prints none; its figure shows the same numbers):
 * `epoch 03: train objective: 0.412 top1err: 0.120 top5err: 0.020 (15106 in 9.8 s), val ...`.
 * A pass without samples is left out.
 */
export function epochSummary(epoch: number, train: EpochStats | undefined, val: EpochStats | undefined): string {
  const part = (name: string, s: EpochStats | undefined): string | null => {
    if (s === undefined || !(s.num > 0)) return null;
    const fields = printedFields(s).map((f) => `${f}: ${fixed(s[f] as number, 3)}`).join(' ');
    return `${name} ${fields} (${s.num} in ${fixed(s.time, 1)} s)`;
  };
  const parts = [part('train', train), part('val', val)].filter((p): p is string => p !== null);
  return `epoch ${int(epoch, 2, true)}: ${parts.length > 0 ? parts.join(', ') : 'no samples'}`;
}
