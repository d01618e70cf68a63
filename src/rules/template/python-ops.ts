/**
 * @module Python's arithmetic operators over template values: int/float/bool promotion, exact
 * big integers, floor division and modulo with Python's signs, sequence concatenation and
 * repetition. Results that would grow without bound are refused against `maxSize`.
 */

import { percentFormat } from './python-format.js';
import {
  PyFloat,
  PyTuple,
  TemplateFailure,
  TemplateRuntimeError,
  Undefined,
  failUndefined,
  isFloat,
  isInt,
  isNumeric,
  mkFloat,
  mkInt,
  toBigInt,
  toJsNumber,
  typeName,
  typeError,
} from './python-values.js';

export type BinaryOperator = '+' | '-' | '*' | '/' | '//' | '%' | '**';

// Largest integer result `**` may build, in bits (Python has no limit; we bound memory and time).
const MAX_POW_BITS = 100_000;

function zeroDivision(message: string): TemplateRuntimeError {
  return new TemplateRuntimeError(TemplateFailure.ZeroDivision, message);
}

function tooLarge(what: string): TemplateRuntimeError {
  return new TemplateRuntimeError(TemplateFailure.Budget, `${what} exceeds the template size limit`);
}

function unsupported(op: string, a: unknown, b: unknown): TemplateRuntimeError {
  return typeError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

type Num = number | bigint | boolean | PyFloat;

/** int or bool (Python's bool is an int subclass). */
function isIntLike(v: unknown): v is number | bigint | boolean {
  return typeof v === 'boolean' || isInt(v);
}

/**
 * `a OP b` with Python semantics.
 *
 * @param maxSize largest string or list (in items) a `+`/`*` may build.
 */
export function binaryOp(op: BinaryOperator, a: unknown, b: unknown, maxSize: number): unknown {
  if (a instanceof Undefined) failUndefined(a);
  if (b instanceof Undefined) failUndefined(b);
  if (isNumeric(a) && isNumeric(b)) return numericOp(op, a, b);
  switch (op) {
    case '+':
      if (typeof a === 'string' && typeof b === 'string') {
        if (a.length + b.length > maxSize) throw tooLarge('string');
        return a + b;
      }
      if (Array.isArray(a) && Array.isArray(b)) {
        if (a.length + b.length > maxSize) throw tooLarge('list');
        return [...a, ...b];
      }
      if (a instanceof PyTuple && b instanceof PyTuple) {
        if (a.items.length + b.items.length > maxSize) throw tooLarge('tuple');
        return new PyTuple([...a.items, ...b.items]);
      }
      if (typeof a === 'string') throw typeError(`can only concatenate str (not "${typeName(b)}") to str`);
      if (Array.isArray(a)) throw typeError(`can only concatenate list (not "${typeName(b)}") to list`);
      throw unsupported('+', a, b);
    case '*':
      if (isIntLike(b) && !isIntLike(a)) return repeat(a, b, maxSize);
      if (isIntLike(a) && !isIntLike(b)) return repeat(b, a, maxSize);
      throw typeError(`can't multiply sequence by non-int of type '${typeName(isIntLike(a) ? b : a)}'`);
    case '%':
      if (typeof a === 'string') return percentFormat(a, b, maxSize);
      throw unsupported('%', a, b);
    default:
      throw unsupported(op, a, b);
  }
}

function repeat(seq: unknown, times: number | bigint | boolean, maxSize: number): unknown {
  const n = Number(toBigInt(times));
  const count = n > 0 ? n : 0;
  if (typeof seq === 'string') {
    if (seq.length * count > maxSize) throw tooLarge('string');
    return seq.repeat(count);
  }
  const items = Array.isArray(seq) ? seq : seq instanceof PyTuple ? seq.items : undefined;
  if (items === undefined) throw typeError(`can't multiply sequence by non-int of type '${typeName(seq)}'`);
  if (items.length * count > maxSize) throw tooLarge('list');
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) out.push(...items);
  return Array.isArray(seq) ? out : new PyTuple(out);
}

function numericOp(op: BinaryOperator, a: Num, b: Num): unknown {
  const floats = isFloat(a) || isFloat(b);
  if (!floats && op !== '/') return intOp(op, toBigIntNum(a), toBigIntNum(b));
  if (!floats && (typeof a === 'bigint' || typeof b === 'bigint')) {
    const d = toBigIntNum(b);
    if (d === 0n) throw zeroDivision('division by zero');
    return mkFloat(bigTrueDiv(toBigIntNum(a), d));
  }
  const x = toJsNumber(a);
  const y = toJsNumber(b);
  switch (op) {
    case '+':
      return mkFloat(x + y);
    case '-':
      return mkFloat(x - y);
    case '*':
      return mkFloat(x * y);
    case '/':
      if (y === 0) throw zeroDivision(floats ? 'float division by zero' : 'division by zero');
      return mkFloat(x / y);
    case '//':
      if (y === 0) throw zeroDivision('float floor division by zero');
      return mkFloat(floatFloorDiv(x, y));
    case '%':
      if (y === 0) throw zeroDivision('float modulo');
      return mkFloat(floatMod(x, y));
    case '**':
      if (x === 0 && y < 0) throw zeroDivision('0.0 cannot be raised to a negative power');
      if (x < 0 && !Number.isInteger(y)) {
        throw new TemplateRuntimeError(TemplateFailure.Unsupported, 'complex results are not supported');
      }
      return mkFloat(x ** y);
    default:
      throw unsupported(op, a, b);
  }
}

/**
 * Python's int / int for big operands: the double nearest to the exact quotient (dividing two
 * rounded doubles could be off by one ulp).
 */
function bigTrueDiv(a: bigint, b: bigint): number {
  const negative = a < 0n !== b < 0n;
  const n = a < 0n ? -a : a;
  const d = b < 0n ? -b : b;
  if (n === 0n) return negative ? -0 : 0;
  // Scale so that the integer quotient has at least 55 significant bits, then fold the
  // remainder into a sticky bit: BigInt → Number then rounds half-to-even correctly.
  const shift = 55 - (n.toString(2).length - d.toString(2).length);
  const num = shift > 0 ? n << BigInt(shift) : n;
  const den = shift < 0 ? d << BigInt(-shift) : d;
  let q = num / den;
  if (num % den !== 0n) q |= 1n;
  let result = Number(q);
  // Apply 2^-shift in steps that stay within the double exponent range.
  let e = -shift;
  while (e > 0) {
    const step = Math.min(e, 1000);
    result *= 2 ** step;
    e -= step;
  }
  while (e < 0) {
    const step = Math.max(e, -1000);
    result *= 2 ** step;
    e -= step;
  }
  return negative ? -result : result;
}

function toBigIntNum(v: Num): bigint {
  return toBigInt(v as number | bigint | boolean);
}

function intOp(op: BinaryOperator, a: bigint, b: bigint): unknown {
  switch (op) {
    case '+':
      return mkInt(a + b);
    case '-':
      return mkInt(a - b);
    case '*':
      return mkInt(a * b);
    case '//':
      if (b === 0n) throw zeroDivision('integer division or modulo by zero');
      return mkInt(floorDiv(a, b));
    case '%':
      if (b === 0n) throw zeroDivision('integer division or modulo by zero');
      return mkInt(a - floorDiv(a, b) * b);
    case '**': {
      if (b < 0n) {
        if (a === 0n) throw zeroDivision('0.0 cannot be raised to a negative power');
        return mkFloat(Number(a) ** Number(b));
      }
      const bits = a === 0n || a === 1n || a === -1n ? 0 : (a < 0n ? -a : a).toString(2).length * Number(b);
      if (bits > MAX_POW_BITS) throw tooLarge('integer power');
      return mkInt(a ** b);
    }
    default:
      throw new TemplateRuntimeError(TemplateFailure.Type, `unsupported int operator ${op}`);
  }
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

// CPython's float_floor_div / float_rem: fmod-based, sign of the divisor.
function floatMod(x: number, y: number): number {
  let mod = x % y;
  if (mod !== 0) {
    if (y < 0 !== mod < 0) mod += y;
  } else {
    mod = y < 0 ? -0 : 0;
  }
  return mod;
}

function floatFloorDiv(x: number, y: number): number {
  const mod = x % y;
  let div = (x - mod) / y;
  if (mod !== 0 && y < 0 !== mod < 0) div -= 1;
  if (div !== 0) {
    let floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
    return floordiv;
  }
  const q = x / y;
  return q < 0 || Object.is(q, -0) ? -0 : 0; // copysign(0.0, x / y)
}

/** Unary `-x` / `+x`. */
export function unaryOp(op: '-' | '+', v: unknown): unknown {
  if (v instanceof Undefined) failUndefined(v);
  if (!isNumeric(v)) throw typeError(`bad operand type for unary ${op}: '${typeName(v)}'`);
  if (op === '+') return typeof v === 'boolean' ? (v ? 1 : 0) : v;
  if (isFloat(v)) return mkFloat(-toJsNumber(v));
  return mkInt(-toBigInt(v as number | bigint | boolean));
}

/** Python `str * n` size check shared by string helpers (`center`, `zfill`, …). */
export function checkSize(length: number, maxSize: number, what = 'string'): void {
  if (length > maxSize) throw tooLarge(what);
}
