// MATLAB's sprintf conversions that vl_simplenn_display uses (%.4g, %.2g, %.0f, %d), as C prints
// them: exact binary values rounded to nearest, ties to even; exponents of at least two digits.

/** Round a finite a > 0 to `sig` significant digits: the digits and the decimal exponent of the first. */
function roundSig(a: number, sig: number): { digits: string; exp: number } {
  // toExponential breaks ties upwards, C to even. A tie's exact expansion has sig + 1 digits ending
  // in 5, which 101 digits show exactly (a double that is not a tie differs from one within about
  // 17 digits of the tie's, so it cannot look like one there).
  const [full, fe] = a.toExponential(100).split('e');
  const all = full.replace('.', '');
  if (sig <= 100 && /^50*$/.test(all.slice(sig))) {
    let head = all.slice(0, sig);
    let exp = Number(fe);
    if (Number(head[sig - 1]) % 2 === 1) {
      const up = (BigInt(head) + 1n).toString();
      if (up.length > sig) { head = up.slice(0, sig); exp += 1; } else head = up;
    }
    return { digits: head, exp };
  }
  const [m, e] = a.toExponential(sig - 1).split('e');
  return { digits: m.replace('.', ''), exp: Number(e) };
}

function special(v: number): string | null {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Inf';
  if (v === -Infinity) return '-Inf';
  return null;
}

/** sprintf('%.<p>g', v). */
export function fmtG(v: number, p: number): string {
  const s = special(v);
  if (s !== null) return s;
  const P = p === 0 ? 1 : p;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const sign = v < 0 ? '-' : '';
  const { digits, exp } = roundSig(Math.abs(v), P);
  if (exp < -4 || exp >= P) {
    const mant = stripZeros(digits[0] + '.' + digits.slice(1));
    return `${sign}${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const fixed = exp >= 0 ? digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1) : '0.' + '0'.repeat(-exp - 1) + digits;
  return sign + stripZeros(fixed);
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/** sprintf('%.0f', v). */
export function fmtF0(v: number): string {
  const s = special(v);
  if (s !== null) return s;
  const f = Math.floor(v);
  const r = v - f === 0.5 ? (f % 2 === 0 ? f : f + 1) : Math.round(v);
  const out = Math.abs(r) < 1e21 ? r.toFixed(0) : BigInt(r).toString();
  return r === 0 && (v < 0 || Object.is(v, -0)) ? '-0' : out;
}

/** sprintf('%d', v) of one value: integers in full, NaN/Inf by name, anything else as %e. */
export function fmtD(v: number): string {
  const s = special(v);
  if (s !== null) return s;
  if (Number.isInteger(v)) return Object.is(v, -0) ? '-0' : BigInt(v).toString();
  const sign = v < 0 ? '-' : '';
  const { digits, exp } = roundSig(Math.abs(v), 7);
  return `${sign}${digits[0]}.${digits.slice(1)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}
