/**
 * @module Loads a rulebook: YAML (PyYAML-compatible) → a hand-written walker over the YAML AST
 * that checks the whole structure of shared/spec/rulebook-language.md §1, parses every
 * condition, validates every action's arguments, and produces the readonly, defaulted types of
 * `types.ts`. Every problem is collected, positioned and reported at once.
 */
import { readFile } from 'node:fs/promises';
import { isAlias, isMap, isScalar, isSeq, Scalar, type Document, type LineCounter, type Node, type YAMLMap } from 'yaml';
import { ErrorCode, RulebookError, hasErrorCode, type RulebookProblem, type SourcePosition } from '../../core/index.js';
import { parseCondition, type FieldRef } from '../condition/index.js';
import { compileTemplate, pyStr } from '../template/index.js';
import { ACTION_NAMES, REMOVED_ACTIONS, actionArgsValidator } from './action-schemas.js';
import { didYouMean } from './did-you-mean.js';
import { scalarSourceOffset } from './scalar-offset.js';
import {
  EVENT_FILTERS,
  EVENT_FILTER_NAMES,
  SOURCE_PLUGINS,
  SOURCE_PLUGIN_NAMES,
  filterArgsValidator,
  resolveEventFilter,
  resolveSourcePlugin,
} from './source-plugins.js';
import {
  ConditionKind,
  ExecutionStrategy,
  ThrottleKind,
  type ActionSpec,
  type FilterSpec,
  type Pattern,
  type Rule,
  type RuleCondition,
  type Rulebook,
  type Ruleset,
  type SourceSpec,
  type Throttle,
} from './types.js';
import { ArgIssueTarget, describeValue, validateArgs, type ArgPathSegment, type ArgsValidator } from './validate-args.js';
import { parseYaml } from './yaml-schema.js';

export interface LoadRulebookOptions {
  /**
   * Variables from `--vars` / `--env-vars`: substituted for `vars.x` in conditions and rendered
   * into `{{ }}` rule names at load. Default: none (any `vars.x` is then an error).
   */
  readonly vars?: Readonly<Record<string, unknown>>;
  /**
   * Strategy of rulesets that do not set `execution_strategy` (the CLI's
   * `--execution-strategy`). Default: sequential.
   */
  readonly defaultExecutionStrategy?: ExecutionStrategy;
  /**
   * Accept source plugins missing from the registry (their `canonicalPlugin` is then the name as
   * written). For harnesses that inject events and never start sources, as upstream's tests do
   * with `non_existent:`. Default: false (an unknown plugin is an error).
   */
  readonly allowUnknownSources?: boolean;
}

/** Upstream's engine default for `default_events_ttl`: 2 hours. */
export const DEFAULT_EVENTS_TTL_MS = 2 * 60 * 60 * 1000;

const RULESET_KEYS = [
  'name',
  'hosts',
  'sources',
  'rules',
  'gather_facts',
  'default_events_ttl',
  'execution_strategy',
  'match_multiple_rules',
] as const;
const SOURCE_RESERVED_KEYS = ['name', 'filters'] as const;
const RULE_KEYS = ['name', 'condition', 'action', 'actions', 'enabled', 'throttle'] as const;
const CONDITION_KINDS = [ConditionKind.All, ConditionKind.Any, ConditionKind.NotAll] as const;
const CONDITION_KEYS = [...CONDITION_KINDS, 'timeout'] as const;
const THROTTLE_KINDS = [ThrottleKind.OnceWithin, ThrottleKind.OnceAfter, ThrottleKind.AccumulateWithin] as const;
const THROTTLE_KEYS = [...THROTTLE_KINDS, 'threshold', 'group_by_attributes'] as const;

const TIME_UNITS_MS: Readonly<Record<string, number>> = {
  millisecond: 1,
  second: 1000,
  minute: 60 * 1000,
  hour: 60 * 60 * 1000,
  day: 24 * 60 * 60 * 1000,
};
// Upstream's schema patterns: `timeout` and throttle windows may be in milliseconds,
// `default_events_ttl` may not (§2.7).
const TIME_PATTERN = /^(\d+)\s(millisecond|second|minute|hour|day)s?$/;
const TTL_PATTERN = /^(\d+)\s(second|minute|hour|day)s?$/;

/** A field path in `group_by_attributes` may omit the prefix; `event.` is then implied. */
const FIELD_PREFIX = /^(?:event|events|fact|facts)(?:\.|\[)/;
const IMPLIED_PREFIX = 'event.';

/** A rendered rule or ruleset name and the node it was written in, for duplicate checks. */
interface NamedNode {
  readonly text: string;
  readonly node: Node;
}

/** One key of a YAML mapping, with `<<` merges applied and aliases resolved. */
interface Entry {
  readonly key: string;
  readonly keyNode: Node;
  readonly value: Node | null;
}

/**
 * Reads and validates a rulebook file. `file` is kept as given in positions and in
 * `Rulebook.file`.
 *
 * @throws RulebookError (code `AH_RULEBOOK_INVALID`) with every problem found, sorted by
 * position, including an unreadable file (positioned at 1:1).
 */
export async function loadRulebook(file: string, options: LoadRulebookOptions = {}): Promise<Rulebook> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new RulebookError([{ file, line: 1, col: 1, message: `cannot read the rulebook: ${reason}` }]);
  }
  return parseRulebook(text, file, options);
}

/**
 * Validates rulebook YAML text. `file` is only used in positions and `Rulebook.file`.
 *
 * @throws RulebookError (code `AH_RULEBOOK_INVALID`) with every problem found, sorted by position.
 */
export function parseRulebook(text: string, file: string, options: LoadRulebookOptions = {}): Rulebook {
  const { doc, lineCounter } = parseYaml(text);
  const reader = new RulebookReader(text, file, doc, lineCounter, options);
  const rulesets = reader.read();
  const problems = reader.sortedProblems();
  if (problems.length > 0 || rulesets === undefined) throw new RulebookError(problems);
  return { file, rulesets };
}

/** Parses `10 seconds` into milliseconds, or undefined when it does not match. */
function parseDuration(text: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * TIME_UNITS_MS[match[2]!]!;
}

/** `unknown action "x"; did you mean "y"? expected one of a, b, …`: every name can be checked. */
function unknownNameMessage(what: string, name: string, candidates: readonly string[], expected: readonly string[]): string {
  const suggestion = didYouMean(name, candidates);
  return `unknown ${what} "${name}"${suggestion ? `; did you mean "${suggestion}"?` : ';'} expected one of ${expected.join(', ')}`;
}

function quoteList(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

function orList(names: readonly string[]): string {
  const quoted = names.map((n) => `"${n}"`);
  return quoted.length <= 1 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)!}`;
}

class RulebookReader {
  private readonly problems: RulebookProblem[] = [];
  private readonly vars: Readonly<Record<string, unknown>>;

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lineCounter: LineCounter,
    private readonly options: LoadRulebookOptions,
  ) {
    this.vars = options.vars ?? {};
  }

  sortedProblems(): RulebookProblem[] {
    const seen = new Set<string>();
    return this.problems
      .map((p, i) => ({ p, i }))
      .sort((a, b) => a.p.line - b.p.line || a.p.col - b.p.col || a.i - b.i)
      .map(({ p }) => p)
      .filter((p) => {
        const key = `${p.line}:${p.col}:${p.message}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
  }

  // ---- positions and problems -------------------------------------------------------------

  private positionAt(offset: number): SourcePosition {
    const { line, col } = this.lineCounter.linePos(offset);
    return { file: this.file, line, col };
  }

  private position(node: Node | null | undefined): SourcePosition {
    return this.positionAt(node?.range?.[0] ?? 0);
  }

  private problemAt(offset: number, message: string): void {
    this.problems.push({ ...this.positionAt(offset), message });
  }

  private problem(node: Node | null | undefined, message: string): void {
    this.problemAt(node?.range?.[0] ?? 0, message);
  }

  // ---- YAML node helpers ------------------------------------------------------------------

  private deref(node: Node | null | undefined): Node | null {
    let current: Node | null | undefined = node;
    // An alias may point at another alias; yaml's own maxAliasCount guards toJS, a depth cap here.
    for (let depth = 0; depth < 100 && current && isAlias(current); depth++) current = current.resolve(this.doc);
    return current ?? null;
  }

  /** What a node holds, in the words of error messages ("a list", "a string", …). */
  private describe(node: Node | null): string {
    if (node === null) return 'null';
    if (isSeq(node)) return 'a list';
    if (isMap(node)) return 'a mapping';
    if (isScalar(node)) return describeValue(node.value);
    return 'an unsupported value';
  }

  private isNull(node: Node | null): boolean {
    return node === null || (isScalar(node) && node.value === null);
  }

  /** A plain JS copy of a node's value (aliases and merges applied). */
  private toJS(node: Node | null): unknown {
    if (node === null) return null;
    try {
      return node.toJS(this.doc, { maxAliasCount: 100 });
    } catch (err) {
      this.problem(node, `cannot read this value: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }

  private static isMergeKey(key: unknown): boolean {
    return isScalar(key) && (typeof key.value === 'symbol' || (key.value === '<<' && key.type === Scalar.PLAIN));
  }

  /** The keys of a mapping: its own first, then those merged in with `<<` (own keys win). */
  private entries(map: YAMLMap, depth = 0): Entry[] {
    const own: Entry[] = [];
    const merged: Entry[] = [];
    for (const pair of map.items) {
      const keyNode = pair.key as Node | null;
      const value = this.deref(pair.value as Node | null);
      if (RulebookReader.isMergeKey(keyNode)) {
        const sources = value !== null && isSeq(value) ? value.items.map((item) => this.deref(item as Node)) : [value];
        for (const source of sources) {
          if (source !== null && isMap(source) && depth < 20) {
            for (const entry of this.entries(source, depth + 1)) {
              if (!merged.some((m) => m.key === entry.key)) merged.push(entry);
            }
          } else {
            this.problem(source ?? keyNode, `a "<<" merge key needs a mapping or a list of mappings, found ${this.describe(source)}`);
          }
        }
        continue;
      }
      if (!keyNode || !isScalar(keyNode)) {
        this.problem(keyNode ?? map, `mapping keys must be plain strings, found ${this.describe(keyNode)}`);
        continue;
      }
      // The key as written: PyYAML would turn `on:` into True, which no rulebook key is anyway.
      const key = typeof keyNode.source === 'string' ? keyNode.source : String(keyNode.value);
      own.push({ key, keyNode, value });
    }
    return [...own, ...merged.filter((m) => !own.some((o) => o.key === m.key))];
  }

  /**
   * Reports unknown keys. Returns the keys suggested for them, so that "needs X" is not also
   * reported when the operator wrote X misspelled.
   */
  private checkKeys(entries: readonly Entry[], allowed: readonly string[], where: string): Set<string> {
    const suggested = new Set<string>();
    for (const entry of entries) {
      if (allowed.includes(entry.key)) continue;
      const suggestion = didYouMean(entry.key, allowed);
      if (suggestion !== undefined) suggested.add(suggestion);
      const hint = suggestion !== undefined ? `; did you mean "${suggestion}"?` : `; expected one of ${allowed.join(', ')}`;
      this.problem(entry.keyNode, `unknown key "${entry.key}" in ${where}${hint}`);
    }
    return suggested;
  }

  /** Reports a missing required key, unless an unknown key was already reported as its misspelling. */
  private missing(node: Node, key: string, suggested: ReadonlySet<string>, message: string): void {
    if (!suggested.has(key)) this.problem(node, message);
  }

  /** The string a node holds, if it is a string scalar. */
  private static stringOf(node: Node | null): string | undefined {
    return node !== null && isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
  }

  private static find(entries: readonly Entry[], key: string): Entry | undefined {
    return entries.find((e) => e.key === key);
  }

  private stringValue(entry: Entry, where: string): string | undefined {
    const node = entry.value;
    if (node !== null && isScalar(node) && typeof node.value === 'string') return node.value;
    this.problem(node ?? entry.keyNode, `"${entry.key}" in ${where} must be a string, found ${this.describe(node)}`);
    return undefined;
  }

  private booleanValue(entry: Entry | undefined, where: string, fallback: boolean): boolean {
    if (entry === undefined) return fallback;
    const node = entry.value;
    if (node !== null && isScalar(node) && typeof node.value === 'boolean') return node.value;
    this.problem(node ?? entry.keyNode, `"${entry.key}" in ${where} must be a boolean (true or false), found ${this.describe(node)}`);
    return fallback;
  }

  private durationValue(entry: Entry, where: string, pattern: RegExp): { ms: number; text: string } | undefined {
    const node = entry.value;
    const millis = pattern === TIME_PATTERN;
    const units = millis ? 'milliseconds, seconds, minutes, hours, days' : 'seconds, minutes, hours, days';
    const expected = `a number, one space and a unit such as "10 seconds" (units: ${units})`;
    if (node === null || !isScalar(node) || typeof node.value !== 'string') {
      this.problem(node ?? entry.keyNode, `"${entry.key}" in ${where} must be ${expected}, found ${this.describe(node)}`);
      return undefined;
    }
    const ms = parseDuration(node.value, pattern);
    if (ms === undefined) {
      const extra = !millis && parseDuration(node.value, TIME_PATTERN) !== undefined ? ' (milliseconds are not allowed here)' : '';
      this.problem(node, `"${entry.key}" in ${where} must be ${expected}, found "${node.value}"${extra}`);
      return undefined;
    }
    return { ms, text: node.value };
  }

  /** Reports a name already seen; remembers it otherwise. */
  private checkUnique(seen: Map<string, Node>, name: NamedNode | undefined, what: string, scope: string): void {
    if (name === undefined) return;
    const first = seen.get(name.text);
    if (first === undefined) seen.set(name.text, name.node);
    else this.problem(name.node, `duplicate ${what} "${name.text}"${scope}; it is already used at line ${this.position(first).line}`);
  }

  /** Rule and ruleset names may use `{{ var }}`: rendered once, with vars only. */
  private renderName(name: string, node: Node): string {
    if (!name.includes('{{')) return name;
    try {
      return renderVarsTemplate(name, this.vars);
    } catch (err) {
      const hint = hasErrorCode(err, ErrorCode.TemplateRender) ? '; names are rendered at load, with --vars and --env-vars only' : '';
      this.problem(node, `cannot render name "${name}": ${err instanceof Error ? err.message : String(err)}${hint}`);
      return name;
    }
  }

  // ---- the rulebook -----------------------------------------------------------------------

  read(): readonly Ruleset[] | undefined {
    if (this.readYamlProblems()) return undefined;
    const root = this.deref(this.doc.contents as Node | null);
    if (this.isNull(root)) {
      this.problemAt(0, 'the rulebook is empty; expected a list of rulesets');
      return undefined;
    }
    if (!isSeq(root)) {
      this.problem(root, `a rulebook must be a list of rulesets, found ${this.describe(root)}`);
      return undefined;
    }
    if (root.items.length === 0) {
      this.problem(root, 'a rulebook must hold at least one ruleset, found an empty list');
      return undefined;
    }
    const rulesets: Ruleset[] = [];
    const names = new Map<string, Node>();
    root.items.forEach((item, index) => {
      const result = this.readRuleset(this.deref(item as Node), index);
      this.checkUnique(names, result?.name, 'ruleset name', '');
      if (result?.ruleset) rulesets.push(result.ruleset);
    });
    return rulesets;
  }

  /** Reports YAML syntax errors (and unknown tags, which PyYAML refuses); true if there were any. */
  private readYamlProblems(): boolean {
    for (const error of this.doc.errors) {
      let message = `invalid YAML: ${error.message}`;
      if (error.code === 'DUPLICATE_KEY') {
        const key = /^("[^"\n]*"|'[^'\n]*'|[^:\n]*?)\s*:/.exec(this.text.slice(error.pos[0]))?.[1];
        if (key) message = `duplicate key "${key.replace(/^["']|["']$/g, '')}"; keys must be unique in a mapping`;
      } else if (error.code === 'MULTIPLE_DOCS') {
        message = 'a rulebook must be a single YAML document, found a second "---" document';
      }
      this.problemAt(error.pos[0], message);
    }
    for (const warning of this.doc.warnings) {
      if (warning.code !== 'TAG_RESOLVE_FAILED') continue;
      this.problemAt(warning.pos[0], `${warning.message}; only standard YAML tags and !vault are allowed`);
    }
    return this.problems.length > 0;
  }

  private readRuleset(
    node: Node | null,
    index: number,
  ): { ruleset?: Ruleset; name?: NamedNode } | undefined {
    if (node === null || !isMap(node)) {
      this.problem(node, `ruleset #${index + 1} must be a mapping, found ${this.describe(node)}`);
      return undefined;
    }
    const entries = this.entries(node);
    const nameEntry = RulebookReader.find(entries, 'name');
    const rawName = RulebookReader.stringOf(nameEntry?.value ?? null);
    const where = rawName !== undefined && rawName.trim() !== '' ? `ruleset "${rawName}"` : `ruleset #${index + 1}`;
    const suggested = this.checkKeys(entries, RULESET_KEYS, where);
    const before = this.problems.length;

    let name: string | undefined;
    if (nameEntry === undefined) this.missing(node, 'name', suggested, `${where} needs a "name"`);
    else {
      const text = this.stringValue(nameEntry, where);
      if (text !== undefined && text.trim() === '') this.problem(nameEntry.value, `the name of ${where} must not be blank`);
      else if (text !== undefined) name = this.renderName(text, nameEntry.value!);
    }

    let hosts: string | undefined;
    const hostsEntry = RulebookReader.find(entries, 'hosts');
    if (hostsEntry === undefined) {
      this.missing(node, 'hosts', suggested, `${where} needs "hosts" (an inventory host pattern such as "all")`);
    } else hosts = this.stringValue(hostsEntry, where);

    const sources = this.readSources(RulebookReader.find(entries, 'sources'), node, where, suggested);
    const rules = this.readRules(RulebookReader.find(entries, 'rules'), node, where, suggested);

    const gatherFacts = this.booleanValue(RulebookReader.find(entries, 'gather_facts'), where, false);
    const matchMultipleRules = this.booleanValue(RulebookReader.find(entries, 'match_multiple_rules'), where, false);

    let defaultEventsTtlMs = DEFAULT_EVENTS_TTL_MS;
    const ttlEntry = RulebookReader.find(entries, 'default_events_ttl');
    if (ttlEntry !== undefined) defaultEventsTtlMs = this.durationValue(ttlEntry, where, TTL_PATTERN)?.ms ?? defaultEventsTtlMs;

    let executionStrategy: ExecutionStrategy = this.options.defaultExecutionStrategy ?? ExecutionStrategy.Sequential;
    const strategyEntry = RulebookReader.find(entries, 'execution_strategy');
    if (strategyEntry !== undefined) {
      const strategies: readonly string[] = Object.values(ExecutionStrategy);
      const value = strategyEntry.value;
      const text = RulebookReader.stringOf(value);
      if (text !== undefined && strategies.includes(text)) {
        executionStrategy = text as ExecutionStrategy;
      } else {
        const found = text !== undefined ? `"${text}"` : this.describe(value);
        this.problem(value ?? strategyEntry.keyNode, `"execution_strategy" in ${where} must be ${orList(strategies)}, found ${found}`);
      }
    }

    const nameResult = name !== undefined && nameEntry?.value ? { text: name, node: nameEntry.value } : undefined;
    if (this.problems.length > before || name === undefined || hosts === undefined || !sources || !rules) {
      return nameResult ? { name: nameResult } : {};
    }
    const ruleset: Ruleset = {
      name,
      hosts,
      sources,
      rules: rules.enabled,
      disabledRuleCount: rules.disabledCount,
      gatherFacts,
      defaultEventsTtlMs,
      executionStrategy,
      matchMultipleRules,
      position: this.position(node),
    };
    return nameResult ? { ruleset, name: nameResult } : { ruleset };
  }

  // ---- sources and filters ----------------------------------------------------------------

  private readSources(
    entry: Entry | undefined,
    owner: Node,
    where: string,
    suggested: ReadonlySet<string>,
  ): SourceSpec[] | undefined {
    if (entry === undefined) {
      this.missing(owner, 'sources', suggested, `${where} needs "sources" (a list of event sources)`);
      return undefined;
    }
    const list = entry.value;
    if (list === null || !isSeq(list)) {
      this.problem(list ?? entry.keyNode, `"sources" in ${where} must be a list of event sources, found ${this.describe(list)}`);
      return undefined;
    }
    if (list.items.length === 0) {
      this.problem(list, `"sources" in ${where} must list at least one event source, found an empty list`);
      return undefined;
    }
    const sources: SourceSpec[] = [];
    let ok = true;
    list.items.forEach((item, index) => {
      const source = this.readSource(this.deref(item as Node), `source #${index + 1} of ${where}`);
      if (source) sources.push(source);
      else ok = false;
    });
    return ok ? sources : undefined;
  }

  private readSource(node: Node | null, where: string): SourceSpec | undefined {
    if (node === null || !isMap(node)) {
      this.problem(node, `${where} must be a mapping with one plugin key, found ${this.describe(node)}`);
      return undefined;
    }
    const entries = this.entries(node);
    const before = this.problems.length;
    const plugins = entries.filter((e) => !(SOURCE_RESERVED_KEYS as readonly string[]).includes(e.key));
    const canonicalNames = SOURCE_PLUGINS.map((p) => p.canonical);
    if (plugins.length === 0) {
      this.problem(node, `${where} names no source plugin; expected one key such as "ansible.eda.alertmanager"`);
    }
    for (const extra of plugins.slice(1)) {
      this.problem(
        extra.keyNode,
        `${where} has more than one plugin key (${quoteList(plugins.map((p) => p.key))}); expected exactly one besides "name" and "filters"`,
      );
    }
    const pluginEntry = plugins[0];
    let args: Readonly<Record<string, unknown>> = {};
    let canonical: string | undefined;
    if (pluginEntry !== undefined) {
      const definition = resolveSourcePlugin(pluginEntry.key);
      if (definition === undefined && this.options.allowUnknownSources === true) canonical = pluginEntry.key;
      else if (definition === undefined) {
        const message = unknownNameMessage('source plugin', pluginEntry.key, SOURCE_PLUGIN_NAMES, canonicalNames);
        this.problem(pluginEntry.keyNode, message);
      } else canonical = definition.canonical;
      args = this.argsObject(pluginEntry, `source plugin "${pluginEntry.key}"`) ?? {};
    }

    let name = pluginEntry?.key;
    const nameEntry = RulebookReader.find(entries, 'name');
    if (nameEntry !== undefined) {
      const text = this.stringValue(nameEntry, where);
      if (text !== undefined && text.trim() === '') this.problem(nameEntry.value, `the name of ${where} must not be blank`);
      else if (text !== undefined) name = text;
    }

    const filters = this.readFilters(RulebookReader.find(entries, 'filters'), where);
    if (this.problems.length > before || pluginEntry === undefined || canonical === undefined || name === undefined || !filters) {
      return undefined;
    }
    return { name, plugin: pluginEntry.key, canonicalPlugin: canonical, args, filters, position: this.position(node) };
  }

  /** Arguments of a plugin, filter or action: a mapping, or nothing (`range:`) meaning `{}`. */
  private argsObject(entry: Entry, owner: string): Readonly<Record<string, unknown>> | undefined {
    const node = entry.value;
    if (this.isNull(node)) return {};
    if (node !== null && isMap(node)) return this.toJS(node) as Record<string, unknown>;
    this.problem(node, `arguments of ${owner} must be a mapping (or nothing), found ${this.describe(node)}`);
    return undefined;
  }

  private readFilters(entry: Entry | undefined, where: string): FilterSpec[] | undefined {
    if (entry === undefined) return [];
    const list = entry.value;
    if (list === null || !isSeq(list)) {
      this.problem(list ?? entry.keyNode, `"filters" of ${where} must be a list of filters, found ${this.describe(list)}`);
      return undefined;
    }
    const filters: FilterSpec[] = [];
    const before = this.problems.length;
    list.items.forEach((item, index) => {
      const filterWhere = `filter #${index + 1} of ${where}`;
      const node = this.deref(item as Node);
      if (node === null || !isMap(node)) {
        this.problem(node, `${filterWhere} must be a mapping with one filter name, found ${this.describe(node)}`);
        return;
      }
      const entries = this.entries(node);
      if (entries.length !== 1) {
        this.problem(
          entries[1]?.keyNode ?? node,
          `${filterWhere} must have exactly one key (the filter name), found ${entries.length === 0 ? 'none' : quoteList(entries.map((e) => e.key))}`,
        );
        return;
      }
      const filterEntry = entries[0]!;
      const definition = resolveEventFilter(filterEntry.key);
      if (definition === undefined) {
        const canonicalNames = EVENT_FILTERS.map((f) => f.canonical);
        this.problem(filterEntry.keyNode, unknownNameMessage('filter', filterEntry.key, EVENT_FILTER_NAMES, canonicalNames));
        return;
      }
      const owner = `filter "${filterEntry.key}"`;
      const args = this.argsObject(filterEntry, owner);
      if (args === undefined) return;
      const validator = filterArgsValidator(definition.canonical);
      if (validator) this.reportArgIssues(validator, args, owner, filterEntry);
      filters.push({ name: filterEntry.key, canonicalName: definition.canonical, args, position: this.position(filterEntry.keyNode) });
    });
    return this.problems.length > before ? undefined : filters;
  }

  // ---- rules ------------------------------------------------------------------------------

  private readRules(
    entry: Entry | undefined,
    owner: Node,
    where: string,
    suggested: ReadonlySet<string>,
  ): { enabled: Rule[]; disabledCount: number } | undefined {
    if (entry === undefined) {
      this.missing(owner, 'rules', suggested, `${where} needs "rules" (a list of rules)`);
      return undefined;
    }
    const list = entry.value;
    if (list === null || !isSeq(list)) {
      this.problem(list ?? entry.keyNode, `"rules" in ${where} must be a list of rules, found ${this.describe(list)}`);
      return undefined;
    }
    const before = this.problems.length;
    const enabled: Rule[] = [];
    let disabledCount = 0;
    const names = new Map<string, Node>();
    list.items.forEach((item, index) => {
      const result = this.readRule(this.deref(item as Node), index, where);
      if (result === undefined) return;
      this.checkUnique(names, result.name, 'rule name', ` in ${where}`);
      if (!result.enabled) disabledCount += 1;
      else if (result.rule) enabled.push(result.rule);
    });
    return this.problems.length > before ? undefined : { enabled, disabledCount };
  }

  private readRule(
    node: Node | null,
    index: number,
    rulesetWhere: string,
  ): { rule?: Rule; enabled: boolean; name?: NamedNode } | undefined {
    if (node === null || !isMap(node)) {
      this.problem(node, `rule #${index + 1} of ${rulesetWhere} must be a mapping, found ${this.describe(node)}`);
      return undefined;
    }
    const entries = this.entries(node);
    const nameEntry = RulebookReader.find(entries, 'name');
    const rawName = RulebookReader.stringOf(nameEntry?.value ?? null);
    const where = rawName !== undefined && rawName.trim() !== '' ? `rule "${rawName}"` : `rule #${index + 1} of ${rulesetWhere}`;
    const suggested = this.checkKeys(entries, RULE_KEYS, where);
    const before = this.problems.length;

    let name: string | undefined;
    if (nameEntry === undefined) this.missing(node, 'name', suggested, `${where} needs a "name"`);
    else {
      const text = this.stringValue(nameEntry, where);
      if (text !== undefined && text.trim() === '') this.problem(nameEntry.value, `the name of ${where} must not be blank`);
      else if (text !== undefined) name = this.renderName(text, nameEntry.value!);
    }

    const enabled = this.booleanValue(RulebookReader.find(entries, 'enabled'), where, true);

    let condition: RuleCondition | undefined;
    const conditionEntry = RulebookReader.find(entries, 'condition');
    if (conditionEntry === undefined) this.missing(node, 'condition', suggested, `${where} needs a "condition"`);
    else condition = this.readCondition(conditionEntry, where);

    const actions = this.readRuleActions(entries, node, where, suggested);

    let throttle: Throttle | undefined;
    const throttleEntry = RulebookReader.find(entries, 'throttle');
    if (throttleEntry !== undefined) throttle = this.readThrottle(throttleEntry, condition, where);

    const nameResult = name !== undefined && nameEntry?.value ? { text: name, node: nameEntry.value } : undefined;
    const result: { rule?: Rule; enabled: boolean; name?: NamedNode } = { enabled };
    if (nameResult) result.name = nameResult;
    if (
      this.problems.length === before &&
      name !== undefined &&
      condition !== undefined &&
      actions !== undefined &&
      (throttleEntry === undefined || throttle !== undefined)
    ) {
      const rule: Rule = { name, condition, actions, position: this.position(node), ...(throttle ? { throttle } : {}) };
      result.rule = rule;
    }
    return result;
  }

  // ---- conditions -------------------------------------------------------------------------

  private readCondition(entry: Entry, where: string): RuleCondition | undefined {
    const node = entry.value;
    if (node !== null && isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'boolean')) {
      const pattern = this.readPattern(node, 'm', where);
      return pattern && { kind: ConditionKind.All, patterns: [pattern], single: true };
    }
    if (node === null || !isMap(node)) {
      const hint = node !== null && isSeq(node) ? '; to require several events, put the list under "all:"' : '';
      this.problem(
        node ?? entry.keyNode,
        `the condition of ${where} must be a string, a boolean, or a mapping with "all", "any" or "not_all"; found ${this.describe(node)}${hint}`,
      );
      return undefined;
    }
    const entries = this.entries(node);
    const suggested = this.checkKeys(entries, CONDITION_KEYS, `the condition of ${where}`);
    const kinds = entries.filter((e) => (CONDITION_KINDS as readonly string[]).includes(e.key));
    if (kinds.length === 0) {
      if (!CONDITION_KINDS.some((k) => suggested.has(k))) {
        this.problem(node, `the condition of ${where} needs one of "all", "any" or "not_all"`);
      }
      return undefined;
    }
    for (const extra of kinds.slice(1)) {
      this.problem(extra.keyNode, `the condition of ${where} has both "${kinds[0]!.key}" and "${extra.key}"; use exactly one`);
    }
    const kindEntry = kinds[0]!;
    const kind = kindEntry.key as ConditionKind;
    const before = this.problems.length;

    let timeoutMs: number | undefined;
    const timeoutEntry = RulebookReader.find(entries, 'timeout');
    if (timeoutEntry !== undefined) {
      if (kind === ConditionKind.Any) {
        this.problem(timeoutEntry.keyNode, `"timeout" is not allowed with "any" (in ${where}); only "all" and "not_all" take one`);
      } else timeoutMs = this.durationValue(timeoutEntry, `the condition of ${where}`, TIME_PATTERN)?.ms;
    } else if (kind === ConditionKind.NotAll && !suggested.has('timeout')) {
      this.problem(kindEntry.keyNode, `"not_all" needs a "timeout" (in ${where}), such as "timeout: 10 seconds"`);
    }

    const list = kindEntry.value;
    if (list === null || !isSeq(list)) {
      this.problem(list ?? kindEntry.keyNode, `"${kind}" in ${where} must be a list of conditions, found ${this.describe(list)}`);
      return undefined;
    }
    if (list.items.length === 0) {
      this.problem(list, `"${kind}" in ${where} must list at least one condition, found an empty list`);
      return undefined;
    }
    const patterns: Pattern[] = [];
    const patternNodes: Node[] = [];
    const single = list.items.length === 1;
    list.items.forEach((item, index) => {
      const itemNode = this.deref(item as Node);
      if (itemNode === null || !isScalar(itemNode) || (typeof itemNode.value !== 'string' && typeof itemNode.value !== 'boolean')) {
        this.problem(itemNode ?? list, `condition #${index + 1} under "${kind}" in ${where} must be a string, found ${this.describe(itemNode)}`);
        return;
      }
      const pattern = this.readPattern(itemNode, single ? 'm' : `m_${index}`, where);
      if (pattern) {
        patterns.push(pattern);
        patternNodes.push(itemNode);
      }
    });
    if (kind !== ConditionKind.Any) {
      // `any` may reuse one alias on every entry (§2.4); in `all`/`not_all` each pattern needs its own.
      const seen = new Set<string>();
      patterns.forEach((pattern, index) => {
        if (seen.has(pattern.binding)) {
          this.problem(patternNodes[index], `binding "${pattern.binding}" is used by more than one condition under "${kind}" in ${where}`);
        }
        seen.add(pattern.binding);
      });
    }
    if (this.problems.length > before) return undefined;
    return { kind, patterns, single: false, ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
  }

  private readPattern(node: Scalar, defaultBinding: string, where: string): Pattern | undefined {
    // A YAML boolean condition is parsed from Python's str(): `True` / `False` (§1.3).
    const text = typeof node.value === 'boolean' ? (node.value ? 'True' : 'False') : String(node.value);
    try {
      const parsed = parseCondition(text, { vars: this.vars, renderString: (s) => renderVarsTemplate(s, this.vars) });
      return { binding: parsed.alias ?? defaultBinding, expr: parsed.expr, text, position: this.position(node) };
    } catch (err) {
      this.conditionProblem(err, node, 0, `the condition of ${where}`);
      return undefined;
    }
  }

  /** Positions a condition-parser error inside the YAML scalar it came from. */
  private conditionProblem(err: unknown, node: Scalar, shift: number, where: string): void {
    if (hasErrorCode(err, ErrorCode.ConditionSyntax) || hasErrorCode(err, ErrorCode.VarsKeyMissing)) {
      const offset = err.details.offset;
      const at =
        typeof offset === 'number' && typeof node.value === 'string'
          ? scalarSourceOffset(this.text, node, Math.max(0, offset - shift))
          : (node.range?.[0] ?? 0);
      // The parser counts columns inside the condition text; the problem's own column is the file's.
      const message = err.message.replace(/ \(?at column \d+\)?/, '');
      const hint = err.code === ErrorCode.VarsKeyMissing ? '; pass it with --vars or --env-vars' : '';
      this.problemAt(at, `${where}: ${message}${hint}`);
      return;
    }
    this.problem(node, `${where}: ${err instanceof Error ? err.message : String(err)}`);
  }

  // ---- throttle ---------------------------------------------------------------------------

  private readThrottle(entry: Entry, condition: RuleCondition | undefined, where: string): Throttle | undefined {
    const node = entry.value;
    const throttleWhere = `the throttle of ${where}`;
    if (node === null || !isMap(node)) {
      this.problem(node ?? entry.keyNode, `"throttle" in ${where} must be a mapping, found ${this.describe(node)}`);
      return undefined;
    }
    const before = this.problems.length;
    const entries = this.entries(node);
    const suggested = this.checkKeys(entries, THROTTLE_KEYS, throttleWhere);
    if (condition !== undefined && condition.patterns.length !== 1) {
      this.problem(
        entry.keyNode,
        `"throttle" is only allowed on a rule with a single condition; ${where} has ${condition.patterns.length} under "${condition.kind}"`,
      );
    }
    const kinds = entries.filter((e) => (THROTTLE_KINDS as readonly string[]).includes(e.key));
    if (kinds.length === 0 && !THROTTLE_KINDS.some((k) => suggested.has(k))) {
      this.problem(entry.keyNode, `${throttleWhere} needs one of ${orList(THROTTLE_KINDS)}`);
    }
    for (const extra of kinds.slice(1)) {
      this.problem(extra.keyNode, `${throttleWhere} has both "${kinds[0]!.key}" and "${extra.key}"; use exactly one`);
    }
    const kindEntry = kinds[0];
    const window = kindEntry && this.durationValue(kindEntry, throttleWhere, TIME_PATTERN);

    let threshold: number | undefined;
    const thresholdEntry = RulebookReader.find(entries, 'threshold');
    if (kindEntry?.key === ThrottleKind.AccumulateWithin) {
      if (thresholdEntry === undefined) this.missing(kindEntry.keyNode, 'threshold', suggested, `"accumulate_within" needs a "threshold" (in ${where})`);
      else {
        const value = thresholdEntry.value;
        if (value !== null && isScalar(value) && typeof value.value === 'number' && Number.isInteger(value.value) && value.value >= 1) {
          threshold = value.value;
        } else {
          const found = value !== null && isScalar(value) && typeof value.value === 'number' ? String(value.value) : this.describe(value);
          this.problem(value ?? thresholdEntry.keyNode, `"threshold" in ${throttleWhere} must be an integer of at least 1, found ${found}`);
        }
      }
    } else if (thresholdEntry !== undefined) {
      this.problem(thresholdEntry.keyNode, `"threshold" is only allowed with "accumulate_within" (in ${throttleWhere})`);
    }

    const groupBy = this.readGroupBy(RulebookReader.find(entries, 'group_by_attributes'), entry, throttleWhere, suggested);
    if (this.problems.length > before || kindEntry === undefined || !window || !groupBy) return undefined;
    return {
      kind: kindEntry.key as ThrottleKind,
      windowMs: window.ms,
      windowText: window.text,
      ...(threshold !== undefined ? { threshold } : {}),
      groupBy: groupBy.refs,
      groupByText: groupBy.texts,
    };
  }

  private readGroupBy(
    entry: Entry | undefined,
    throttleEntry: Entry,
    where: string,
    suggested: ReadonlySet<string>,
  ): { refs: FieldRef[]; texts: string[] } | undefined {
    if (entry === undefined) {
      this.missing(
        throttleEntry.keyNode,
        'group_by_attributes',
        suggested,
        `${where} needs "group_by_attributes" (a list of event fields, such as [event.meta.hosts]; use [] for one group)`,
      );
      return undefined;
    }
    const list = entry.value;
    if (list === null || !isSeq(list)) {
      this.problem(list ?? entry.keyNode, `"group_by_attributes" in ${where} must be a list of field paths, found ${this.describe(list)}`);
      return undefined;
    }
    const refs: FieldRef[] = [];
    const texts: string[] = [];
    const before = this.problems.length;
    for (const item of list.items) {
      const node = this.deref(item as Node);
      if (node === null || !isScalar(node) || typeof node.value !== 'string') {
        this.problem(node ?? list, `"group_by_attributes" entries in ${where} must be strings, found ${this.describe(node)}`);
        continue;
      }
      const text = node.value;
      const prefixed = FIELD_PREFIX.test(text.trim()) ? text : `${IMPLIED_PREFIX}${text}`;
      const shift = prefixed.length - text.length;
      try {
        const parsed = parseCondition(prefixed, { vars: this.vars });
        if (parsed.alias !== undefined || parsed.expr.kind !== 'field') {
          this.problem(node, `"group_by_attributes" entry "${text}" in ${where} must be a field path such as event.meta.hosts`);
          continue;
        }
        refs.push(parsed.expr);
        texts.push(text);
      } catch (err) {
        this.conditionProblem(err, node, shift, `"group_by_attributes" entry "${text}" in ${where}`);
      }
    }
    return this.problems.length > before ? undefined : { refs, texts };
  }

  // ---- actions ----------------------------------------------------------------------------

  private readRuleActions(
    entries: readonly Entry[],
    ruleNode: Node,
    where: string,
    suggested: ReadonlySet<string>,
  ): ActionSpec[] | undefined {
    const single = RulebookReader.find(entries, 'action');
    const many = RulebookReader.find(entries, 'actions');
    if (single === undefined && many === undefined) {
      if (!suggested.has('action') && !suggested.has('actions')) {
        this.problem(ruleNode, `${where} needs exactly one of "action" or "actions", found neither`);
      }
      return undefined;
    }
    if (single !== undefined && many !== undefined) {
      const later = (single.keyNode.range?.[0] ?? 0) > (many.keyNode.range?.[0] ?? 0) ? single : many;
      this.problem(later.keyNode, `${where} needs exactly one of "action" or "actions", found both`);
      // Still validate both, so that every problem is reported in one go.
      this.readSingleAction(single, where);
      this.readActionList(many, where);
      return undefined;
    }
    if (single !== undefined) return this.readSingleAction(single, where);
    return this.readActionList(many!, where);
  }

  private readSingleAction(single: Entry, where: string): ActionSpec[] | undefined {
    const node = single.value;
    if (node === null || !isMap(node)) {
      const hint = node !== null && isSeq(node) ? '; to run several actions, use "actions:"' : '';
      this.problem(node ?? single.keyNode, `"action" in ${where} must be a mapping with one action name, found ${this.describe(node)}${hint}`);
      return undefined;
    }
    const action = this.readAction(node, where);
    return action && [action];
  }

  private readActionList(many: Entry, where: string): ActionSpec[] | undefined {
    const list = many.value;
    if (list === null || !isSeq(list)) {
      const hint = list !== null && isMap(list) ? '; for a single action, use "action:"' : '';
      this.problem(list ?? many.keyNode, `"actions" in ${where} must be a list of actions, found ${this.describe(list)}${hint}`);
      return undefined;
    }
    if (list.items.length === 0) {
      this.problem(list, `"actions" in ${where} must list at least one action, found an empty list`);
      return undefined;
    }
    const actions: ActionSpec[] = [];
    let ok = true;
    list.items.forEach((item, index) => {
      const node = this.deref(item as Node);
      if (node === null || !isMap(node)) {
        this.problem(node ?? list, `action #${index + 1} of ${where} must be a mapping with one action name, found ${this.describe(node)}`);
        ok = false;
        return;
      }
      const action = this.readAction(node, where);
      if (action) actions.push(action);
      else ok = false;
    });
    return ok ? actions : undefined;
  }

  private readAction(node: YAMLMap, where: string): ActionSpec | undefined {
    const entries = this.entries(node);
    if (entries.length === 0) {
      this.problem(node, `an action of ${where} is empty; expected one action name such as run_playbook`);
      return undefined;
    }
    if (entries.length > 1) {
      this.problem(
        entries[1]!.keyNode,
        `an action must have exactly one key (the action name), found ${entries.length}: ${quoteList(entries.map((e) => e.key))}; put each action in its own list item under "actions"`,
      );
      return undefined;
    }
    const entry = entries[0]!;
    const removed = REMOVED_ACTIONS.get(entry.key);
    if (removed !== undefined) {
      this.problem(entry.keyNode, `action "${entry.key}" ${removed}`);
      return undefined;
    }
    const validator = actionArgsValidator(entry.key);
    if (validator === undefined) {
      this.problem(entry.keyNode, unknownNameMessage('action', entry.key, ACTION_NAMES, ACTION_NAMES));
      return undefined;
    }
    const args = this.argsObject(entry, entry.key);
    if (args === undefined) return undefined;
    if (this.reportArgIssues(validator, args, entry.key, entry)) return undefined;
    return { name: entry.key, args, position: this.position(entry.keyNode) };
  }

  /** Validates arguments and positions each issue on its YAML node; true if there were any. */
  private reportArgIssues(validator: ArgsValidator, args: Readonly<Record<string, unknown>>, owner: string, entry: Entry): boolean {
    const issues = validateArgs(validator, args, owner);
    for (const issue of issues) {
      if (issue.target === ArgIssueTarget.Owner) {
        this.problem(entry.keyNode, issue.message);
        continue;
      }
      const located = this.nodeAt(entry.value, issue.path);
      this.problem(issue.target === ArgIssueTarget.Key ? (located.key ?? located.value) : located.value, issue.message);
    }
    return issues.length > 0;
  }

  /** The node at `path` inside an argument mapping, or the nearest existing ancestor. */
  private nodeAt(root: Node | null, path: readonly ArgPathSegment[]): { key?: Node; value: Node | null } {
    let current: { key?: Node; value: Node | null } = { value: root };
    for (const segment of path) {
      const node = current.value;
      if (node !== null && isMap(node) && typeof segment === 'string') {
        const found = this.entries(node).find((e) => e.key === segment);
        if (!found) return current;
        current = { key: found.keyNode, value: found.value ?? found.keyNode };
      } else if (node !== null && isSeq(node) && typeof segment === 'number') {
        const item = this.deref(node.items[segment] as Node | undefined);
        if (!item) return current;
        current = { value: item };
      } else return current;
    }
    return current;
  }
}

/**
 * Renders a rule/ruleset name or a condition string literal with vars only (Jinja, once, at
 * load). A native result that is not a string is turned into text as Python's `str()` would.
 *
 * @throws AutohealError AH_TEMPLATE_SYNTAX / AH_TEMPLATE_RENDER (an undefined variable, …).
 */
function renderVarsTemplate(source: string, vars: Readonly<Record<string, unknown>>): string {
  const value = compileTemplate(source).render(vars);
  return typeof value === 'string' ? value : pyStr(value);
}
