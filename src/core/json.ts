/**
 * @module JSON with exact big integers. Events from files and webhooks may carry integers
 * beyond 2^53 (ansible-rulebook's own tests compare 65-digit integers), which `JSON.parse`
 * would round. `parseJson` keeps them as `bigint`; `toJsonSafe` turns them back into something
 * `JSON.stringify` accepts.
 */

/**
 * An integer beyond 2^53 (9007199254740992) is a number token of 16+ digits: it starts the text
 * or follows `:`, `[`, `,` or whitespace, and ends the text or is followed by `,`, `}`, `]` or
 * whitespace (a fraction or exponent would keep it a `number`). Digit runs inside strings (hex
 * fingerprints, `a:0000000000002710:firing` dedup keys) rarely look like that; one that does
 * only costs the exact parser's time, never a wrong value.
 */
const LONG_DIGIT_RUN = /(?:^|[:[,\s])-?\d{16,}(?=[,}\]\s]|$)/;
const MAX_SAFE = 9007199254740991n;

/** False when `text` surely holds no integer beyond ±(2^53 − 1): then `JSON.parse` is exact. */
export function mayHoldBigInteger(text: string): boolean {
  return LONG_DIGIT_RUN.test(text);
}

/**
 * `JSON.parse`, except that integers outside ±(2^53 − 1) become `bigint` (numbers written with a
 * fraction or exponent stay `number`). Same errors and messages as `JSON.parse` (it validates
 * the text first). Text without a 16-digit number token goes straight to `JSON.parse`.
 * @throws SyntaxError exactly as `JSON.parse` would.
 */
export function parseJson(text: string): unknown {
  const fast = JSON.parse(text) as unknown;
  if (!mayHoldBigInteger(text)) return fast;
  return new ExactJsonParser(text).parse();
}

/** Parses JSON already known to be valid, keeping big integers exact. */
class ExactJsonParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): unknown {
    const v = this.value();
    return v;
  }

  private skip(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else return;
    }
  }

  private value(): unknown {
    this.skip();
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case '"':
        return this.string();
      case 't':
        this.pos += 4;
        return true;
      case 'f':
        this.pos += 5;
        return false;
      case 'n':
        this.pos += 4;
        return null;
      default:
        return this.number();
    }
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    this.skip();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skip();
      const key = this.string();
      this.skip();
      this.pos++; // :
      const v = this.value();
      // JSON.parse makes "__proto__" an own property; plain assignment would set the prototype.
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
      this.skip();
      if (this.text[this.pos] === ',') {
        this.pos++;
        continue;
      }
      this.pos++; // }
      return out;
    }
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    this.skip();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.skip();
      if (this.text[this.pos] === ',') {
        this.pos++;
        continue;
      }
      this.pos++; // ]
      return out;
    }
  }

  private string(): string {
    const start = this.pos;
    let i = start + 1;
    let escaped = false;
    const t = this.text;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        i += 2;
      } else {
        i++;
      }
    }
    this.pos = i + 1;
    return escaped ? (JSON.parse(t.slice(start, i + 1)) as string) : t.slice(start + 1, i);
  }

  private number(): number | bigint {
    const start = this.pos;
    const t = this.text;
    let integral = true;
    while (this.pos < t.length) {
      const c = t[this.pos] as string;
      if (c >= '0' && c <= '9') this.pos++;
      else if (c === '-' || c === '+') this.pos++;
      else if (c === '.' || c === 'e' || c === 'E') {
        integral = false;
        this.pos++;
      } else break;
    }
    const s = t.slice(start, this.pos);
    const n = Number(s);
    if (integral && !Number.isSafeInteger(n)) return BigInt(s);
    return n;
  }
}

/**
 * A copy of `value` that `JSON.stringify` accepts: each `bigint` within ±(2^53 − 1) becomes a
 * `number`, any other a string of its decimal digits (e.g.
 * `"20000000000000000426408380189087937446025157425359298935486676996"`), so no digit is lost, at
 * the price of the type. (Even 2^64, exactly representable as a double, would be printed by
 * `JSON.stringify` as 18446744073709552000, which is why only safe integers become numbers.)
 * Returns `value` itself when it holds no bigint.
 */
export function toJsonSafe(value: unknown): unknown {
  return containsBigInt(value) ? convert(value) : value;
}

function containsBigInt(v: unknown): boolean {
  if (typeof v === 'bigint') return true;
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return v.some(containsBigInt);
  for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k) && containsBigInt((v as Record<string, unknown>)[k])) return true;
  return false;
}

function convert(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v.toString();
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(convert);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '__proto__') Object.defineProperty(out, k, { value: convert(x), enumerable: true, writable: true, configurable: true });
    else out[k] = convert(x);
  }
  return out;
}
