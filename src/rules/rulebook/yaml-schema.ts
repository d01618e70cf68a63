/**
 * @module YAML parsing that reads rulebooks and vars files the way ansible-rulebook does: PyYAML
 * `safe_load` (YAML 1.1 resolvers) plus the `!vault` tag, with source positions kept on every
 * node. See shared/spec/stack.md §4 for why the `yaml` package's own 1.1 schema is not enough.
 */
import {
  LineCounter,
  parseDocument,
  type Document,
  type DocumentOptions,
  type ParseOptions,
  type ScalarTag,
  type SchemaOptions,
  type Tags,
} from 'yaml';

/** A `!vault` string, kept encrypted; decrypting is the job of whoever holds the vault secret. */
export interface VaultMarker {
  /** The vault payload as written (`$ANSIBLE_VAULT;1.1;AES256\n…`). */
  readonly __vault__: string;
}

/** True for the marker object produced by a `!vault` scalar. */
export function isVaultMarker(value: unknown): value is VaultMarker {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { __vault__?: unknown }).__vault__ === 'string' &&
    Object.keys(value).length === 1
  );
}

const TAG_BOOL = 'tag:yaml.org,2002:bool';
const TAG_INT = 'tag:yaml.org,2002:int';
const TAG_FLOAT = 'tag:yaml.org,2002:float';
const TAG_TIMESTAMP = 'tag:yaml.org,2002:timestamp';

// PyYAML's implicit resolvers (yaml/resolver.py), copied regex for regex. They differ from the
// `yaml` package's 1.1 schema: no `y`/`n` booleans, floats need a dot and a signed exponent
// (`1e3` is a string), decimals may not start with 0 (`09` is a string).
const PY_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PY_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const PY_INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const PY_FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/**
 * PyYAML's `construct_yaml_int`. Integers beyond ±2^53 come back as `bigint` so they stay exact
 * (Python ints are unbounded, and upstream's tests compare 65-digit integers).
 */
function resolvePyInt(source: string): number | bigint {
  let text = source.replace(/_/g, '');
  let sign = 1n;
  if (text.startsWith('-') || text.startsWith('+')) {
    if (text.startsWith('-')) sign = -1n;
    text = text.slice(1);
  }
  let big: bigint;
  if (text === '0') big = 0n;
  else if (text.startsWith('0b')) big = BigInt(text);
  else if (text.startsWith('0x')) big = BigInt(text);
  else if (text.startsWith('0')) big = BigInt(`0o${text.slice(1)}`);
  else if (text.includes(':')) {
    big = 0n;
    for (const part of text.split(':')) big = big * 60n + BigInt(part);
  } else big = BigInt(text);
  big *= sign;
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** PyYAML's `construct_yaml_float`. */
function resolvePyFloat(source: string): number {
  let text = source.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (text.startsWith('-') || text.startsWith('+')) {
    if (text.startsWith('-')) sign = -1;
    text = text.slice(1);
  }
  if (text === '.inf') return sign * Number.POSITIVE_INFINITY;
  if (text === '.nan') return Number.NaN;
  if (text.includes(':')) {
    let value = 0;
    for (const part of text.split(':')) value = value * 60 + Number.parseFloat(part);
    return sign * value;
  }
  return sign * Number.parseFloat(text);
}

const pyTrue: ScalarTag = {
  identify: (value) => value === true,
  default: true,
  tag: TAG_BOOL,
  test: PY_TRUE,
  resolve: () => true,
};

const pyFalse: ScalarTag = {
  identify: (value) => value === false,
  default: true,
  tag: TAG_BOOL,
  test: PY_FALSE,
  resolve: () => false,
};

const pyInt: ScalarTag = {
  identify: (value) => typeof value === 'bigint' || Number.isInteger(value),
  default: true,
  tag: TAG_INT,
  test: PY_INT,
  resolve: resolvePyInt,
};

const pyFloat: ScalarTag = {
  identify: (value) => typeof value === 'number',
  default: true,
  tag: TAG_FLOAT,
  test: PY_FLOAT,
  resolve: resolvePyFloat,
};

/** The tag name ansible-vault writes: `password: !vault |` followed by the encrypted block. */
export const VAULT_TAG = '!vault';

const vaultTag: ScalarTag = {
  identify: isVaultMarker,
  tag: VAULT_TAG,
  resolve: (value): VaultMarker => Object.freeze({ __vault__: value }),
  stringify: (item) => (isVaultMarker(item.value) ? item.value.__vault__ : String(item.value)),
};

/**
 * Replaces the `yaml` package's 1.1 scalar resolvers by PyYAML's. Timestamps are dropped on
 * purpose: they stay strings (JSON-friendly) instead of becoming `Date`s.
 */
function pyYamlTags(base: Tags): Tags {
  const replaced = new Set([TAG_BOOL, TAG_INT, TAG_FLOAT, TAG_TIMESTAMP]);
  const kept = base.filter((tag) => typeof tag === 'string' || !replaced.has(tag.tag));
  return [...kept, pyTrue, pyFalse, pyInt, pyFloat, vaultTag];
}

/** Options for `parseDocument` giving PyYAML `safe_load` semantics. Pass your own `lineCounter`. */
export const PYYAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = Object.freeze({
  version: '1.1',
  schema: 'yaml-1.1',
  merge: true,
  customTags: pyYamlTags,
  // PyYAML silently keeps the last of two equal keys; an error is kinder to the operator.
  uniqueKeys: true,
  // Our own `file:line:col: message` formatting replaces yaml's excerpt.
  prettyErrors: false,
});

/** A parsed YAML document with the line counter that turns its offsets into line/col. */
export interface ParsedYaml {
  readonly doc: Document.Parsed;
  readonly lineCounter: LineCounter;
}

/**
 * Parses one YAML document the way PyYAML `safe_load` would. Never throws: syntax problems are
 * in `doc.errors` (and an unknown tag, an error for PyYAML, is a `TAG_RESOLVE_FAILED` entry in
 * `doc.warnings`).
 */
export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...PYYAML_OPTIONS, lineCounter });
  return { doc, lineCounter };
}
