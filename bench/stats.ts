// Small statistics the benches share (apart from the harness, so benches without a peer
// do not load tfjs).

/** The median (of an even count, the mean of the middle two). */
export function median(a: number[]): number {
  const s = a.slice().sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
