/**
 * @module Python string formatting: printf-style `'%s-%d' % (a, b)` (also Jinja's `format`
 * filter), `str.format()` and the format-spec mini-language behind it.
 */

import { formatExp, formatFixed, formatGeneral, pyFloatRepr } from './python-float.js';
import { pyRepr, pyStr } from './python-repr.js';
import {
  PyTuple,
  TemplateFailure,
  TemplateRuntimeError,
  Undefined,
  codePoints,
  failUndefined,
  isDict,
  isFloat,
  isNumeric,
  ownValue,
  strLen,
  toBigInt,
  toJsNumber,
  typeError,
  typeName,
  valueError,
} from './python-values.js';

function checkLength(s: string, maxSize: number): string {
  if (s.length > maxSize) throw new TemplateRuntimeError(TemplateFailure.Budget, 'formatted string exceeds the template size limit');
  return s;
}

function pad(s: string, width: number, align: '<' | '>' | '^' | '=', fill: string, maxSize: number): string {
  const len = strLen(s);
  if (width <= len) return s;
  if (width > maxSize) throw new TemplateRuntimeError(TemplateFailure.Budget, 'format width exceeds the template size limit');
  const total = width - len;
  if (align === '<') return s + fill.repeat(total);
  if (align === '>') return fill.repeat(total) + s;
  if (align === '^') {
    const left = Math.floor(total / 2);
    return fill.repeat(left) + s + fill.repeat(total - left);
  }
  // '=': padding after the sign/prefix
  const m = /^([-+ ]?(?:0[xXoObB])?)/.exec(s);
  const head = m?.[1] ?? '';
  return head + fill.repeat(total) + s.slice(head.length);
}

function intDigits(v: bigint, base: number, upper: boolean): string {
  const s = (v < 0n ? -v : v).toString(base);
  return upper ? s.toUpperCase() : s;
}

function signOf(negative: boolean, sign: string): string {
  if (negative) return '-';
  return sign === '+' ? '+' : sign === ' ' ? ' ' : '';
}

function group(intPart: string, sep: string, every: number): string {
  if (sep === '') return intPart;
  let out = '';
  for (let i = intPart.length; i > 0; i -= every) {
    const chunk = intPart.slice(Math.max(0, i - every), i);
    out = out === '' ? chunk : chunk + sep + out;
  }
  return out;
}

// ---------------------------------------------------------------- printf style

/**
 * Python `fmt % args`. A tuple supplies positional values, a dict supplies `%(name)s` values,
 * anything else is a single value.
 */
export function percentFormat(fmt: string, args: unknown, maxSize: number): string {
  const positional = args instanceof PyTuple ? args.items : [args];
  const mapping = isDict(args) ? args : undefined;
  let argIndex = 0;
  let usedMapping = false;
  const nextArg = (): unknown => {
    if (argIndex >= positional.length) throw typeError('not enough arguments for format string');
    return positional[argIndex++];
  };
  let out = '';
  const re = /%(?:\(([^)]*)\))?([-#0 +]*)(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.)?/gs;
  let last = 0;
  for (let m = re.exec(fmt); m !== null; m = re.exec(fmt)) {
    out += fmt.slice(last, m.index);
    last = re.lastIndex;
    const [, key, flags = '', widthText, precText, type] = m;
    if (type === undefined) throw valueError('incomplete format');
    if (type === '%' && key === undefined && flags === '' && widthText === undefined && precText === undefined) {
      out += '%';
      continue;
    }
    let value: unknown;
    if (key !== undefined) {
      if (mapping === undefined) throw typeError('format requires a mapping');
      if (!Object.prototype.hasOwnProperty.call(mapping, key)) throw new TemplateRuntimeError(TemplateFailure.Value, `KeyError: ${pyRepr(key)}`);
      value = ownValue(mapping, key);
      usedMapping = true;
    }
    const width = widthText === '*' ? Number(toBigInt(nextArg() as number)) : widthText === undefined ? 0 : Number(widthText);
    const prec = precText === '*' ? Number(toBigInt(nextArg() as number)) : precText === undefined ? undefined : Number(precText);
    if (key === undefined) value = nextArg();
    out += checkLength(percentOne(value, type, flags, width, prec, maxSize), maxSize);
    if (out.length > maxSize) checkLength(out, maxSize);
  }
  out += fmt.slice(last);
  // Python treats anything with __getitem__ (a list too) as a possible mapping and then does not
  // complain about unused arguments.
  if (!usedMapping && mapping === undefined && !Array.isArray(args) && argIndex < positional.length) {
    throw typeError('not all arguments converted during string formatting');
  }
  return checkLength(out, maxSize);
}

function percentOne(value: unknown, type: string, flags: string, width: number, prec: number | undefined, maxSize: number): string {
  if (value instanceof Undefined) failUndefined(value);
  const left = flags.includes('-');
  const zero = flags.includes('0') && !left;
  const sign = flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  const alt = flags.includes('#');
  const align = left ? '<' : '>';
  let body: string;
  switch (type) {
    case 's':
    case 'r':
    case 'a': {
      body = type === 's' ? pyStr(value) : pyRepr(value);
      if (prec !== undefined) body = codePoints(body).slice(0, prec).join('');
      return pad(body, width, align, ' ', maxSize);
    }
    case 'c': {
      if (typeof value === 'string' && strLen(value) === 1) body = value;
      else if (isNumeric(value) && !isFloat(value)) body = String.fromCodePoint(Number(toBigInt(value as number | bigint | boolean)));
      else throw typeError('%c requires int or char');
      return pad(body, width, align, ' ', maxSize);
    }
    case 'd':
    case 'i':
    case 'u':
    case 'o':
    case 'x':
    case 'X': {
      if (!isNumeric(value)) throw typeError(`%${type} format: a ${type === 'o' || type.toLowerCase() === 'x' ? 'integer' : 'real number'} is required, not ${typeName(value)}`);
      if (isFloat(value) && (type === 'o' || type === 'x' || type === 'X')) throw typeError(`%${type} format: an integer is required, not float`);
      const n = isFloat(value) ? BigInt(Math.trunc(toJsNumber(value))) : toBigInt(value as number | bigint | boolean);
      const base = type === 'o' ? 8 : type === 'x' || type === 'X' ? 16 : 10;
      let digits = intDigits(n, base, type === 'X');
      if (prec !== undefined) digits = digits.padStart(prec, '0');
      const prefix = alt && base === 8 ? '0o' : alt && base === 16 ? (type === 'X' ? '0X' : '0x') : '';
      body = signOf(n < 0n, sign) + prefix + digits;
      return zero ? pad(body, width, '=', '0', maxSize) : pad(body, width, align, ' ', maxSize);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      if (!isNumeric(value)) throw typeError(`must be real number, not ${typeName(value)}`);
      const x = toJsNumber(value);
      body = floatBody(x, type, prec ?? 6, alt, sign);
      return zero && Number.isFinite(x) ? pad(body, width, '=', '0', maxSize) : pad(body, width, align, ' ', maxSize);
    }
    default:
      throw valueError(`unsupported format character '${type}'`);
  }
}

function floatBody(x: number, type: string, prec: number, alt: boolean, sign: string): string {
  const negative = x < 0 || Object.is(x, -0);
  const a = Math.abs(x);
  let s: string;
  switch (type) {
    case 'e':
    case 'E':
      s = formatExp(a, prec, type === 'E');
      break;
    case 'f':
    case 'F':
      s = formatFixed(a, prec);
      if (type === 'F') s = s.toUpperCase();
      break;
    default:
      s = formatGeneral(a, prec, type === 'G', alt);
  }
  if (alt && prec === 0 && (type === 'f' || type === 'F') && Number.isFinite(a)) s += '.';
  return (Number.isNaN(x) ? signOf(false, sign) : signOf(negative, sign)) + s;
}

// ---------------------------------------------------------------- format spec / str.format

/** Python `format(value, spec)`. */
export function formatSpec(value: unknown, spec: string, maxSize: number): string {
  if (value instanceof Undefined) failUndefined(value);
  const m = /^(?:(.)?([<>=^]))?([-+ ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/su.exec(spec);
  if (m === null) throw valueError('Invalid format specifier');
  const [, fillChar, alignChar, sign = '', , alt, zero, widthText, grouping = '', precText, type] = m;
  const width = widthText === undefined ? 0 : Number(widthText);
  const prec = precText === undefined ? undefined : Number(precText);
  const fill = fillChar ?? (zero !== undefined && alignChar === undefined ? '0' : ' ');
  const numericDefaultAlign = zero !== undefined && alignChar === undefined ? '=' : '>';

  if (typeof value === 'string') {
    if (type !== undefined && type !== 's') throw valueError(`Unknown format code '${type}' for object of type 'str'`);
    let body = value;
    if (prec !== undefined) body = codePoints(body).slice(0, prec).join('');
    return pad(body, width, (alignChar as '<' | '>' | '^' | '=' | undefined) ?? '<', fill, maxSize);
  }
  if (typeof value === 'boolean' && spec === '') return value ? 'True' : 'False';
  if (isNumeric(value)) {
    const align = (alignChar as '<' | '>' | '^' | '=' | undefined) ?? numericDefaultAlign;
    const intValue = !isFloat(value);
    if (intValue && (type === undefined || 'bcdoxXn'.includes(type))) {
      const n = toBigInt(value as number | bigint | boolean);
      if (type === 'c') return pad(String.fromCodePoint(Number(n)), width, align, fill, maxSize);
      const base = type === 'b' ? 2 : type === 'o' ? 8 : type === 'x' || type === 'X' ? 16 : 10;
      const prefix = alt === undefined ? '' : base === 2 ? '0b' : base === 8 ? '0o' : base === 16 ? (type === 'X' ? '0X' : '0x') : '';
      const digits = group(intDigits(n, base, type === 'X'), grouping, base === 10 ? 3 : 4);
      return pad(signOf(n < 0n, sign) + prefix + digits, width, align, fill, maxSize);
    }
    if (type !== undefined && 'bcdoxXn'.includes(type)) {
      throw valueError(`Unknown format code '${type}' for object of type 'float'`);
    }
    const x = toJsNumber(value);
    let body: string;
    if (type === undefined) {
      if (prec === undefined) body = pyFloatRepr(Math.abs(x));
      else {
        body = formatGeneral(Math.abs(x), prec, false, false);
        if (!/[.e]|inf|nan/.test(body)) body += '.0';
      }
    } else if (type === '%') {
      body = formatFixed(Math.abs(x) * 100, prec ?? 6) + '%';
    } else {
      body = floatBody(Math.abs(x), type, prec ?? 6, alt !== undefined, '');
    }
    const [intPart = '', rest = ''] = splitNumber(body);
    body = group(intPart, grouping, 3) + rest;
    const negative = x < 0 || Object.is(x, -0);
    return pad(signOf(negative && !Number.isNaN(x), sign) + body, width, align, fill, maxSize);
  }
  if (spec !== '') throw typeError(`unsupported format string passed to ${typeName(value)}.__format__`);
  return pyStr(value);
}

function splitNumber(body: string): [string, string] {
  const m = /^(\d*)(.*)$/s.exec(body);
  return [m?.[1] ?? '', m?.[2] ?? ''];
}

/**
 * Python `fmt.format(*args, **kwargs)`: `{}`, `{0}`, `{name}`, `{0[key]}`, `{0.attr}` is not
 * supported (templates have no objects with attributes), conversions `!s`/`!r`, and specs
 * (with one level of nested `{}` in the spec).
 */
export function strFormat(
  fmt: string,
  args: readonly unknown[],
  kwargs: ReadonlyMap<string, unknown>,
  maxSize: number,
): string {
  let auto = 0;
  let mode: 'auto' | 'manual' | undefined;
  const lookup = (field: string): unknown => {
    const m = /^([^.[]*)(.*)$/s.exec(field);
    const head = m?.[1] ?? '';
    let rest = m?.[2] ?? '';
    let value: unknown;
    if (head === '') {
      if (mode === 'manual') throw valueError('cannot switch from manual field specification to automatic field numbering');
      mode = 'auto';
      if (auto >= args.length) throw new TemplateRuntimeError(TemplateFailure.Value, `Replacement index ${auto} out of range for positional args tuple`);
      value = args[auto++];
    } else if (/^\d+$/.test(head)) {
      if (mode === 'auto') throw valueError('cannot switch from automatic field numbering to manual field specification');
      mode = 'manual';
      const i = Number(head);
      if (i >= args.length) throw new TemplateRuntimeError(TemplateFailure.Value, `Replacement index ${i} out of range for positional args tuple`);
      value = args[i];
    } else {
      if (!kwargs.has(head)) throw new TemplateRuntimeError(TemplateFailure.Value, `KeyError: ${pyRepr(head)}`);
      value = kwargs.get(head);
    }
    while (rest !== '') {
      const item = /^\[([^\]]*)\]/.exec(rest);
      if (item === null) throw valueError('attribute access in format fields is not supported');
      const key = item[1] ?? '';
      rest = rest.slice(item[0].length);
      if (Array.isArray(value) || value instanceof PyTuple) {
        const items = Array.isArray(value) ? value : value.items;
        if (!/^\d+$/.test(key)) throw typeError(`list indices must be integers or slices, not str`);
        const i = Number(key);
        if (i >= items.length) throw new TemplateRuntimeError(TemplateFailure.Value, 'IndexError: list index out of range');
        value = items[i];
      } else if (isDict(value)) {
        if (!Object.prototype.hasOwnProperty.call(value, key)) throw new TemplateRuntimeError(TemplateFailure.Value, `KeyError: ${pyRepr(key)}`);
        value = ownValue(value, key);
      } else {
        throw typeError(`'${typeName(value)}' object is not subscriptable`);
      }
    }
    return value;
  };

  let out = '';
  let i = 0;
  while (i < fmt.length) {
    const c = fmt[i];
    if (c === '{') {
      if (fmt[i + 1] === '{') {
        out += '{';
        i += 2;
        continue;
      }
      // Find the matching close brace, allowing one nested level inside the spec.
      let depth = 1;
      let j = i + 1;
      while (j < fmt.length && depth > 0) {
        if (fmt[j] === '{') depth++;
        else if (fmt[j] === '}') depth--;
        if (depth > 0) j++;
      }
      if (depth !== 0) throw valueError("expected '}' before end of string");
      const inner = fmt.slice(i + 1, j);
      i = j + 1;
      const fm = /^([^!:]*)(?:!([rsa]))?(?::(.*))?$/s.exec(inner);
      if (fm === null) throw valueError('invalid format field');
      const [, field = '', conv, rawSpec = ''] = fm;
      let value = lookup(field);
      if (value instanceof Undefined) failUndefined(value);
      if (conv === 's') value = pyStr(value);
      else if (conv === 'r' || conv === 'a') value = pyRepr(value);
      const spec = rawSpec.replace(/\{([^{}]*)\}/g, (_, f: string) => pyStr(lookup(f)));
      out += formatSpec(value, spec, maxSize);
      checkLength(out, maxSize);
      continue;
    }
    if (c === '}') {
      if (fmt[i + 1] === '}') {
        out += '}';
        i += 2;
        continue;
      }
      throw valueError("Single '}' encountered in format string");
    }
    out += c;
    i++;
  }
  return out;
}
