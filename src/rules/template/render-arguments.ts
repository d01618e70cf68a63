/**
 * @module Renders an action's arguments the way ansible-rulebook's `substitute_variables` does
 * (shared/spec/rulebook-language.md §3.2): recursively through dicts and lists, only string
 * values containing both `{{` and `}}` are templates; keys and everything else stay as they are.
 */

import { AutohealError, hasErrorCode, ErrorCode } from '../../core/index.js';
import { compileTemplate, type CompiledTemplate, type TemplateContext, type TemplateLimits } from './compile-template.js';
import { isDict, mkDict, ownValue } from './python-values.js';

/** A bounded least-recently-used cache of compiled templates, keyed by source text. */
export class TemplateCache {
  private readonly entries = new Map<string, CompiledTemplate | AutohealError>();

  /** @param capacity most templates kept; default 1000. */
  constructor(private readonly capacity = 1000) {
    if (!Number.isSafeInteger(capacity) || capacity <= 0) {
      throw new AutohealError(ErrorCode.Usage, `template cache capacity must be a positive integer, got ${capacity}`);
    }
  }

  /**
   * The compiled template for `source`, compiling it on first use. Syntax errors are cached too,
   * so a broken template in a busy rule is parsed once.
   *
   * @throws AutohealError AH_TEMPLATE_SYNTAX
   */
  get(source: string): CompiledTemplate {
    let hit = this.entries.get(source);
    if (hit === undefined) {
      try {
        hit = compileTemplate(source);
      } catch (e) {
        if (!hasErrorCode(e, ErrorCode.TemplateSyntax)) throw e;
        hit = e;
      }
      if (this.entries.size >= this.capacity) {
        const oldest = this.entries.keys().next();
        if (oldest.done !== true) this.entries.delete(oldest.value);
      }
    } else {
      this.entries.delete(source); // re-insert below: most recently used goes last
    }
    this.entries.set(source, hit);
    if (hit instanceof AutohealError) throw hit;
    return hit;
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface RenderArgumentsOptions {
  /** Where compiled templates are kept; default: one cache shared by the process (pure memo). */
  readonly cache?: TemplateCache;
  readonly limits?: Partial<TemplateLimits>;
}

// Shared default: compiling is pure, so sharing compiled templates between callers is safe.
const defaultCache = new TemplateCache();

/** True when upstream would treat the string as a template. */
export function isTemplateString(value: string): boolean {
  return value.includes('{{') && value.includes('}}');
}

/**
 * Renders every templated string inside `args` with `context`; returns new containers, never
 * mutates `args`. Values rendered from `"{{ expr }}"` keep their native type.
 *
 * @throws AutohealError AH_TEMPLATE_SYNTAX / AH_TEMPLATE_RENDER; the message and
 *   `details.argPath` (e.g. `extra_vars.host`, `msg[1]`) name the argument that failed.
 */
export function renderArguments(args: unknown, context: TemplateContext, options: RenderArgumentsOptions = {}): unknown {
  const cache = options.cache ?? defaultCache;
  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') {
      if (!isTemplateString(value)) return value;
      try {
        return cache.get(value).render(context, options.limits);
      } catch (e) {
        throw withPath(e, path);
      }
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, `${path}[${i}]`));
    if (isDict(value)) {
      return mkDict(Object.keys(value).map((k) => [k, walk(ownValue(value, k), path === '' ? k : `${path}.${k}`)]));
    }
    return value;
  };
  return walk(args, '');
}

function withPath(e: unknown, path: string): unknown {
  if (!(e instanceof AutohealError) || path === '') return e;
  return new AutohealError(e.code, `${e.message} in argument ${path}`, {
    cause: e.cause ?? e,
    retryable: e.retryable,
    details: { ...e.details, argPath: path },
  });
}
