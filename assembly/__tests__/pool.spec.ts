import { MAX, ARG, SUM, setTwin, lineFill } from '../pool/lines';
import { hReset, hDirect, hRunning } from '../pool/pass';
import { slideMax, slideMax2, slideArgPart, argShift, slideSum } from '../pool/slide';

// Kernel internals against scalar loops: the vertical sliding windows for every
// length around the vector width and every window size, and the running
// (van Herk) horizontal pass against the direct one, ties and NaN included.

const LINE: i32 = 64;
// One scratch area: lines of LINE floats, index twins TWIN bytes further on.
const TWIN: usize = 16 * LINE * 4;
const scratch = new Float32Array(32 * LINE);
const base = scratch.dataStart;
setTwin(TWIN);

function line(k: i32): usize {
  return base + <usize>(k * LINE * 4);
}

/** Deterministic values with many ties (v % 5) or distinct ones. */
function value(i: i32, ties: bool): f32 {
  return ties ? <f32>((i * 7 + 3) % 5) : <f32>((i * 37 + 11) % 101) - 50;
}

describe('slideMax / slideMax2 (vertical max)', () => {
  it('equals the direct window max for len 1..21 and every k', () => {
    for (let len = 1; len <= 21; len++) {
      for (let k = 1; k <= len; k++) {
        for (let t = 0; t < 2; t++) {
          const p = line(0);
          const out = line(1);
          for (let i = 0; i < len; i++) store<f32>(p + (<usize>i << 2), value(i + len * k, t == 1));
          const want = new Array<f32>(len - k + 1);
          for (let i = 0; i <= len - k; i++) {
            let m: f32 = -Infinity;
            for (let r = i; r < i + k; r++) m = max(m, load<f32>(p + (<usize>r << 2)));
            want[i] = m;
          }
          // stride 2 first (windows of at most 4 rows): slideMax destroys p
          if (k <= 4) {
            const m2 = (len - k) / 2 + 1;
            slideMax2(p, k, line(2), m2);
            let same = true;
            for (let i = 0; i < m2; i++) same = same && load<f32>(line(2) + (<usize>i << 2)) == want[2 * i];
            expect<bool>(same).toBe(true);
          }
          slideMax(p, len, k, out);
          let same = true;
          for (let i = 0; i <= len - k; i++) same = same && load<f32>(out + (<usize>i << 2)) == want[i];
          expect<bool>(same).toBe(true);
        }
      }
    }
  });
});

describe('slideArgPart + argShift (vertical argmax)', () => {
  it('keeps the largest value and, on ties, the smallest flat index', () => {
    for (let len = 1; len <= 13; len++) {
      for (let k = 1; k <= len; k++) {
        const p = line(0);
        // Flat indices out of order, so ties must be decided by index, not position.
        for (let i = 0; i < len; i++) {
          store<f32>(p + (<usize>i << 2), value(i + k, true));
          store<i32>(p + TWIN + (<usize>i << 2), (i * 5 + 2) % 13);
        }
        const wantV = new Array<f32>(len);
        const wantI = new Array<i32>(len);
        for (let i = 0; i <= len - k; i++) {
          let m: f32 = -Infinity;
          let a: i32 = 0x7fffffff;
          for (let r = i; r < i + k; r++) {
            const v = load<f32>(p + (<usize>r << 2));
            const ix = load<i32>(p + TWIN + (<usize>r << 2));
            if (v > m || (v == m && ix < a)) { m = v; a = ix; }
          }
          wantV[i] = m;
          wantI[i] = a;
        }
        const d = slideArgPart(p, len, k);
        if (d > 0) argShift(p, p, d, len - k + 1);
        let same = true;
        for (let i = 0; i <= len - k; i++) {
          same = same && load<f32>(p + (<usize>i << 2)) == wantV[i] && load<i32>(p + TWIN + (<usize>i << 2)) == wantI[i];
        }
        expect<bool>(same).toBe(true);
      }
    }
  });
});

describe('slideSum (vertical sums)', () => {
  it('equals the direct window sum for len 1..20 and every k (integers: exact)', () => {
    for (let len = 1; len <= 20; len++) {
      for (let k = 1; k <= len; k++) {
        const p = line(0);
        for (let i = 0; i < len; i++) store<f32>(p + (<usize>i << 2), value(i * k, false));
        const want = new Array<f32>(len);
        for (let i = 0; i <= len - k; i++) {
          let s: f32 = 0;
          for (let r = i; r < i + k; r++) s += load<f32>(p + (<usize>r << 2));
          want[i] = s;
        }
        slideSum(p, line(1), len, k, line(2));
        let same = true;
        for (let i = 0; i <= len - k; i++) same = same && load<f32>(line(2) + (<usize>i << 2)) == want[i];
        expect<bool>(same).toBe(true);
      }
    }
  });
});

describe('hRunning (van Herk) equals hDirect', () => {
  it('for every pool, pad and stride on a 5-row plane with ties, NaN and padding', () => {
    const n = 5;
    const w = 11;
    const plane = new Float32Array(n * w);
    for (let i = 0; i < n * w; i++) plane[i] = value(i, true);
    plane[7] = NaN;
    plane[23] = -Infinity;
    const src = plane.dataStart;
    for (let mode = 0; mode < 3; mode++) {
      for (let pw = 1; pw <= 7; pw++) {
        for (let pad = 0; pad < pw; pad++) {
          for (let sx = 1; sx <= 3; sx++) {
            const wo = (w + 2 * pad - pw) / sx + 1;
            hReset();
            for (let j = 0; j < wo; j++) {
              const a = line(0);
              const b = line(1);
              hDirect(mode, src, n, w, j * sx, pw, pad, a);
              hRunning(mode, src, n, w, j * sx, pw, pad, b, line(3), line(2), LINE);
              // One expect per column (as-pect's expects are slow in bulk).
              let same = true;
              for (let i = 0; i < n; i++) {
                const va = load<f32>(a + (<usize>i << 2));
                const vb = load<f32>(b + (<usize>i << 2));
                if (mode == SUM) same = same && (va == vb || (isNaN(va) && isNaN(vb)));
                else same = same && vb == va && !isNaN(va);
                if (mode == ARG) same = same && load<i32>(b + TWIN + (<usize>i << 2)) == load<i32>(a + TWIN + (<usize>i << 2));
              }
              expect<bool>(same).toBe(true);
            }
          }
        }
      }
    }
  });

  it('lineFill gives the identities', () => {
    lineFill(MAX, line(0), 5);
    lineFill(SUM, line(1), 5);
    lineFill(ARG, line(2), 5);
    for (let i = 0; i < 5; i++) {
      expect<f32>(load<f32>(line(0) + (<usize>i << 2))).toBe(-Infinity);
      expect<f32>(load<f32>(line(1) + (<usize>i << 2))).toBe(0);
      expect<i32>(load<i32>(line(2) + TWIN + (<usize>i << 2))).toBe(0x7fffffff);
    }
  });
});
