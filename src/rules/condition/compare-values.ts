/**
 * @module How the condition language compares, combines and prints values. This mirrors the Java
 * side of ansible-rulebook (drools-ansible-rulebook-integration: `RulebookConstraintOperator`,
 * `Operators`, `ListContainsConstraint`, Drools `PrototypeExpression.BinaryOperation`), see
 * shared/spec/rulebook-language.md §2.3 and its Errata.
 *
 * Values are JSON plus `bigint` for integers outside ±2^53. `undefined` means "missing attribute"
 * everywhere in this folder (JSON never produces `undefined`).
 */

/** The comparison operators of the language. */
export type ComparisonOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** What a value is, for type-compatibility checks (Java compares numbers across int/float/big). */
export type ValueClass = 'null' | 'number' | 'string' | 'boolean' | 'list' | 'object' | 'other';

export function valueClass(v: unknown): ValueClass {
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 'number';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'object':
      if (v === null) return 'null';
      return Array.isArray(v) ? 'list' : 'object';
    default:
      return 'other';
  }
}

function isNumeric(v: unknown): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

/** Exact numeric equality across number and bigint (`3 == 3.0`, `2n**70n` vs a float). */
export function numbersEqual(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === typeof b) return a === b;
  const big = (typeof a === 'bigint' ? a : b) as bigint;
  const num = (typeof a === 'bigint' ? b : a) as number;
  return Number.isInteger(num) && BigInt(num) === big;
}

/** Exact numeric ordering across number and bigint: negative, zero or positive. NaN never occurs (JSON). */
export function compareNumbers(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint') return -compareBigToNumber(a, b as number);
  return compareBigToNumber(b as bigint, a);
}

/** Sign of (num - big), computed without losing digits. */
function compareBigToNumber(big: bigint, num: number): number {
  if (num === Infinity) return 1;
  if (num === -Infinity) return -1;
  const floor = Math.floor(num);
  const fb = BigInt(floor);
  if (fb > big) return 1;
  if (fb < big) return -1;
  return num > floor ? 1 : 0;
}

/**
 * Java `areEqual` without the type guard: null only equals null, numbers compare numerically,
 * lists and objects compare deeply. Used by `in`/`contains` and inside `select`.
 */
export function looseEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (isNumeric(a)) return isNumeric(b) && numbersEqual(a, b);
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!looseEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!looseEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** Java `compareTo` for the comparable types; undefined when Java would throw ClassCastException. */
export function orderValues(a: unknown, b: unknown): number | undefined {
  if (isNumeric(a)) return isNumeric(b) ? compareNumbers(a, b) : undefined;
  if (typeof a === 'string') return typeof b === 'string' ? (a < b ? -1 : a > b ? 1 : 0) : undefined;
  if (typeof a === 'boolean') return typeof b === 'boolean' ? Number(a) - Number(b) : undefined;
  return undefined;
}

/**
 * A top-level comparison (`event.x OP value`), both sides present. Types must be compatible
 * (either side null, both numbers, or the same kind), otherwise the result is false *even for
 * `!=`* — upstream logs "Cannot compare values of different types" and treats it as no match.
 */
export function compareValues(op: ComparisonOp, a: unknown, b: unknown): boolean {
  if (a === null || b === null) {
    if (op === '==') return a === b;
    if (op === '!=') return a !== b;
    return false;
  }
  if (valueClass(a) !== valueClass(b)) return false;
  switch (op) {
    case '==':
      return looseEqual(a, b);
    case '!=':
      return !looseEqual(a, b);
    default: {
      const c = orderValues(a, b);
      if (c === undefined) return false;
      return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
    }
  }
}

/** Operators accepted inside `select(OP, v)` and `selectattr(key, OP, v)`. */
export type SelectPredicateOp =
  | ComparisonOp
  | 'regex'
  | 'search'
  | 'match'
  | 'in'
  | 'not in'
  | 'contains'
  | 'not contains';

/**
 * One item test inside `select`/`selectattr` (upstream `Operators.testPredicate`): a null item
 * equals a null value whatever the operator, and there is no type guard (`"abc" != 5` is true).
 * Regex operators are handled by the caller.
 */
export function selectItemTest(op: Exclude<SelectPredicateOp, 'regex' | 'search' | 'match'>, item: unknown, value: unknown): boolean {
  if (item === null) return value === null;
  switch (op) {
    case '==':
      return looseEqual(item, value);
    case '!=':
      return !looseEqual(item, value);
    case 'in':
      return listContains(value, item);
    case 'not in':
      return !listContains(value, item);
    case 'contains':
      return listContains(item, value);
    case 'not contains':
      return !listContains(item, value);
    default: {
      if (value === null) return false;
      const c = orderValues(item, value);
      if (c === undefined) return false;
      return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
    }
  }
}

/**
 * Upstream `listContains`: membership by `looseEqual` when the container is a list, otherwise
 * plain equality with the container itself ("degrades to equality").
 */
export function listContains(container: unknown, item: unknown): boolean {
  if (Array.isArray(container)) {
    for (const x of container) if (looseEqual(x, item)) return true;
    return false;
  }
  return looseEqual(container, item);
}

function isIntegral(v: unknown): v is number | bigint {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v));
}

function normaliseBig(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

function integerOp(a: number | bigint, b: number | bigint, sign: 1 | -1): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = sign === 1 ? a + b : a - b;
    if (Number.isSafeInteger(r)) return r;
  }
  const r = sign === 1 ? BigInt(a) + BigInt(b) : BigInt(a) - BigInt(b);
  return normaliseBig(r);
}

/**
 * `a + b` as Drools evaluates it: a string on the left concatenates; integers add exactly (Java
 * would wrap 32-bit ints — we do not); a null or missing operand yields the other operand
 * (missing + 1 → 1, null + null → 0); anything else that is not two numbers is an error in Java
 * and "missing" here, so the enclosing comparison is false.
 */
export function addValues(a: unknown, b: unknown): unknown {
  if (typeof a === 'string') return b === undefined ? undefined : a + (b === null ? '' : javaToString(b));
  return arithmetic(a, b, 1);
}

/** `a - b` as Drools evaluates it: like {@link addValues} without concatenation (missing - 5 → 5). */
export function subtractValues(a: unknown, b: unknown): unknown {
  return arithmetic(a, b, -1);
}

function arithmetic(a: unknown, b: unknown, sign: 1 | -1): unknown {
  if (isIntegral(a) && isIntegral(b)) return integerOp(a, b, sign);
  if (a === null || a === undefined) return b === null ? 0 : b;
  if (b === null || b === undefined) return a;
  if (!isNumeric(a) || !isNumeric(b)) return undefined;
  return sign === 1 ? Number(a) + Number(b) : Number(a) - Number(b);
}

/**
 * Java's `toString()` of a value, which is what regular expressions are matched against:
 * `true`, `5`, `3.14`, `1.0E21`, `[a, b]`, `{k=v}`. Integral numbers print without `.0`
 * because JSON parsing cannot tell `5` from `5.0`.
 */
export function javaToString(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return Number.isSafeInteger(v) ? String(v) : javaDoubleToString(v);
    case 'bigint':
    case 'boolean':
      return String(v);
    case 'object':
      if (v === null) return 'null';
      if (Array.isArray(v)) return `[${v.map(javaToString).join(', ')}]`;
      return `{${Object.entries(v).map(([k, x]) => `${k}=${javaToString(x)}`).join(', ')}}`;
    default:
      return String(v);
  }
}

/** `Double.toString`: plain notation in [1e-3, 1e7), otherwise `d.dddE±n`; always a fraction digit. */
export function javaDoubleToString(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa = '', exponent = '0'] = d.toExponential().split('e');
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}
