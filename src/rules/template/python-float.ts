/**
 * @module Python's float formatting, reproduced exactly: `repr(float)` (shortest round-trip
 * digits, exponent outside 1e-4..1e16) and the correctly rounded, round-half-even fixed and
 * exponent forms behind `round()`, `'%.2f' % x` and `'{:.3e}'.format(x)`. JS's own `toFixed`
 * rounds exact ties upwards, which differs from Python on values such as 0.125.
 */

/**
 * `repr(x)` / `str(x)` of a Python float.
 *
 * @example pyFloatRepr(1) === '1.0'; pyFloatRepr(1e20) === '1e+20'; pyFloatRepr(1e-5) === '1e-05'
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument yields the shortest digits that round-trip, as
  // Python's repr does; only the layout differs.
  const [mant = '', expText = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mant.replace('.', '');
  const decpt = Number(expText) + 1;
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const e = decpt - 1;
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** Exact decimal expansion of a finite, non-zero double: value = 0.DIGITS × 10^point. */
interface ExactDecimal {
  readonly negative: boolean;
  /** No leading or trailing zeros. */
  readonly digits: string;
  readonly point: number;
}

function exactDecimal(x: number): ExactDecimal {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const negative = hi >>> 31 === 1;
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) {
    exp = -1074;
  } else {
    mantissa |= 1n << 52n;
    exp = biased - 1075;
  }
  let intDigits: string;
  let fracLen: number;
  if (exp >= 0) {
    intDigits = (mantissa << BigInt(exp)).toString();
    fracLen = 0;
  } else {
    intDigits = (mantissa * 5n ** BigInt(-exp)).toString();
    fracLen = -exp;
  }
  let point = intDigits.length - fracLen;
  let digits = intDigits.replace(/0+$/, '');
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead);
  point -= lead;
  return { negative, digits, point };
}

/**
 * Rounds the exact decimal value to `keep` significant digits from the front (keep may be ≤ 0),
 * half to even. Returns the kept digits (possibly with a carry into a new leading digit, in which
 * case point grows by one).
 */
function roundDigits(d: ExactDecimal, keep: number): { digits: string; point: number } {
  if (keep >= d.digits.length) return { digits: d.digits, point: d.point };
  if (keep < 0) return { digits: '', point: d.point };
  const kept = d.digits.slice(0, keep);
  const rest = d.digits.slice(keep);
  const first = rest.charCodeAt(0) - 48;
  let roundUp: boolean;
  if (first > 5) roundUp = true;
  else if (first < 5) roundUp = false;
  else if (rest.length > 1) roundUp = true; // digits has no trailing zeros: anything after means > half
  else {
    const lastKept = kept.length > 0 ? kept.charCodeAt(kept.length - 1) - 48 : 0;
    roundUp = lastKept % 2 === 1;
  }
  if (!roundUp) return { digits: kept, point: d.point };
  if (kept.length === 0) return { digits: '1', point: d.point + 1 };
  const bumped = (BigInt(kept) + 1n).toString();
  if (bumped.length > kept.length) return { digits: bumped, point: d.point + 1 };
  return { digits: bumped, point: d.point };
}

/** Python `'%.{prec}f' % x` (no sign handling beyond '-'), correctly rounded half-even. */
export function formatFixed(x: number, prec: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const negative = x < 0 || Object.is(x, -0);
  if (x === 0) return `${negative ? '-' : ''}0${prec > 0 ? '.' + '0'.repeat(prec) : ''}`;
  const d = exactDecimal(x);
  const r = roundDigits(d, d.point + prec);
  // Lay out r.digits × 10^(r.point - len) with exactly prec fraction digits.
  let intPart: string;
  let fracPart: string;
  const all = r.digits;
  if (r.point <= 0) {
    intPart = '0';
    fracPart = ('0'.repeat(-r.point) + all).padEnd(prec, '0').slice(0, prec);
  } else if (r.point >= all.length) {
    intPart = all + '0'.repeat(r.point - all.length);
    fracPart = '0'.repeat(prec);
  } else {
    intPart = all.slice(0, r.point);
    fracPart = all.slice(r.point).padEnd(prec, '0');
  }
  if (intPart === '') intPart = '0';
  return `${negative ? '-' : ''}${intPart}${prec > 0 ? '.' + fracPart : ''}`;
}

/** Python `'%.{prec}e' % x`, correctly rounded half-even; exponent has at least two digits. */
export function formatExp(x: number, prec: number, upper = false): string {
  if (!Number.isFinite(x)) return upper ? nonFinite(x).toUpperCase() : nonFinite(x);
  const negative = x < 0 || Object.is(x, -0);
  let digits: string;
  let e: number;
  if (x === 0) {
    digits = '0'.repeat(prec + 1);
    e = 0;
  } else {
    const d = exactDecimal(x);
    const r = roundDigits(d, prec + 1);
    digits = r.digits.padEnd(prec + 1, '0');
    e = r.point - 1;
  }
  const m = prec > 0 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const exp = `${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return `${negative ? '-' : ''}${m}${upper ? 'E' : 'e'}${exp}`;
}

/**
 * Python `'%.{prec}g' % x`: exponent form when the exponent is < -4 or ≥ precision, trailing
 * zeros removed unless `alternate` (`#`).
 */
export function formatGeneral(x: number, prec: number, upper = false, alternate = false): string {
  if (!Number.isFinite(x)) return upper ? nonFinite(x).toUpperCase() : nonFinite(x);
  const p = prec === 0 ? 1 : prec;
  let exp: number;
  if (x === 0) exp = 0;
  else {
    const d = exactDecimal(x);
    const r = roundDigits(d, p);
    exp = r.point - 1;
  }
  let out: string;
  if (exp < -4 || exp >= p) {
    out = formatExp(x, p - 1, upper);
    if (!alternate) out = out.replace(/\.?0+(?=[eE])/, '');
  } else {
    out = formatFixed(x, p - 1 - exp);
    if (!alternate && out.includes('.')) out = out.replace(/\.?0+$/, '');
  }
  return out;
}

/**
 * Python `round(x, ndigits)` for a float: the correctly rounded (half-even on the exact binary
 * value) result, as a float.
 */
export function pyRoundFloat(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const d = exactDecimal(x);
  const r = roundDigits(d, d.point + ndigits);
  if (r.digits === '') return d.negative ? -0 : 0;
  const text = `${d.negative ? '-' : ''}0.${r.digits}e${r.point}`;
  return Number(text);
}

function nonFinite(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  return x > 0 ? 'inf' : '-inf';
}
