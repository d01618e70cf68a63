/**
 * @module Jinja2's tests (`x is defined`, `x is number`, `select('equalto', 3)`), with
 * StrictUndefined behaviour per test as in `jinja2/tests.py`: type checks see an undefined
 * value as "not that type", while tests that compute with the value fail on it.
 */

import type { FilterRuntime, ParamSpec } from './filters.js';
import { binaryOp } from './python-ops.js';
import { pyStr } from './python-repr.js';
import { getMethod } from './python-methods.js';
import {
  PyCallable,
  PyRange,
  PyTuple,
  Undefined,
  failUndefined,
  hashKey,
  isDict,
  isFloat,
  isInt,
  isIterable,
  isNumeric,
  pyCompare,
  pyEquals,
  iterate,
  typeError,
  typeName,
} from './python-values.js';

export interface TestDef {
  readonly params: readonly ParamSpec[];
  /** The tested value may be Undefined without failing. */
  readonly acceptsUndefined?: boolean;
  readonly fn: (value: unknown, args: readonly unknown[], rt: FilterRuntime) => boolean;
}

function t(fn: (value: unknown, rt: FilterRuntime) => boolean, acceptsUndefined = true): TestDef {
  return { params: [], acceptsUndefined, fn: (v, _a, rt) => fn(v, rt) };
}

function t1(fn: (value: unknown, other: unknown, rt: FilterRuntime) => boolean, param: string, acceptsUndefined = false): TestDef {
  return { params: [{ name: param }], acceptsUndefined, fn: (v, a, rt) => fn(v, a[0], rt) };
}

function isTrue(v: unknown): boolean {
  const r = binaryOp('%', v, 2, Infinity);
  return pyEquals(r, 1);
}

function strCase(v: unknown, upper: boolean): boolean {
  const m = getMethod(pyStr(v), upper ? 'isupper' : 'islower', Infinity);
  return m?.call([], new Map()) === true;
}

const EQ = t1((a, b) => pyEquals(a, b), 'b');
const NE = t1((a, b) => !pyEquals(a, b), 'b');
const GT = t1((a, b) => pyCompare(a, b, '>') > 0, 'b');
const GE = t1((a, b) => pyCompare(a, b, '>=') >= 0, 'b');
const LT = t1((a, b) => pyCompare(a, b, '<') < 0, 'b');
const LE = t1((a, b) => pyCompare(a, b, '<=') <= 0, 'b');

/** `value in seq` with Python semantics (substring for str, key for dict). */
export function pyContains(seq: unknown, value: unknown): boolean {
  if (seq instanceof Undefined) failUndefined(seq);
  if (typeof seq === 'string') {
    if (value instanceof Undefined) failUndefined(value);
    if (typeof value !== 'string') throw typeError(`'in <string>' requires string as left operand, not ${typeName(value)}`);
    return seq.includes(value);
  }
  if (isDict(seq)) {
    hashKey(value); // a list or dict as the key is a TypeError in Python
    return typeof value === 'string' && Object.prototype.hasOwnProperty.call(seq, value);
  }
  if (seq instanceof PyRange) {
    if (!isInt(value) && typeof value !== 'boolean' && !isFloat(value)) return false;
  }
  return iterate(seq, Infinity).some((item) => pyEquals(item, value));
}

/** Every test by name. */
export const TESTS: ReadonlyMap<string, TestDef> = new Map<string, TestDef>([
  ['defined', t((v) => !(v instanceof Undefined))],
  ['undefined', t((v) => v instanceof Undefined)],
  ['none', t((v) => v === null)],
  ['boolean', t((v) => typeof v === 'boolean')],
  ['true', t((v) => v === true)],
  ['false', t((v) => v === false)],
  ['integer', t((v) => isInt(v))],
  ['float', t((v) => isFloat(v))],
  ['number', t((v) => isNumeric(v))],
  ['string', t((v) => typeof v === 'string')],
  ['mapping', t((v) => isDict(v))],
  ['sequence', t((v) => typeof v === 'string' || Array.isArray(v) || v instanceof PyTuple || v instanceof PyRange || isDict(v))],
  ['iterable', t((v) => {
    if (v instanceof Undefined) failUndefined(v);
    return isIterable(v);
  }, false)],
  ['callable', t((v) => v instanceof PyCallable)],
  ['escaped', t(() => false)],
  ['sameas', t1((a, b) => a === b, 'other', true)],
  ['odd', t((v) => isTrue(v), false)],
  ['even', t((v) => pyEquals(binaryOp('%', v, 2, Infinity), 0), false)],
  ['divisibleby', t1((v, n) => pyEquals(binaryOp('%', v, n, Infinity), 0), 'num')],
  ['lower', t((v) => strCase(v, false), false)],
  ['upper', t((v) => strCase(v, true), false)],
  ['in', t1((v, seq) => pyContains(seq, v), 'seq')],
  ['filter', t((v, rt) => typeof v === 'string' && rt.hasFilter(v))],
  ['test', t((v, rt) => typeof v === 'string' && rt.hasTest(v))],
  ['==', EQ],
  ['eq', EQ],
  ['equalto', EQ],
  ['!=', NE],
  ['ne', NE],
  ['>', GT],
  ['gt', GT],
  ['greaterthan', GT],
  ['>=', GE],
  ['ge', GE],
  ['<', LT],
  ['lt', LT],
  ['lessthan', LT],
  ['<=', LE],
  ['le', LE],
]);
