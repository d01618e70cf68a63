import { describe, expect, it } from 'vitest';
import { AutohealError, ErrorCode } from '../../core/index.js';
import { TemplateCache, isTemplateString, renderArguments } from './render-arguments.js';

const context = {
  E2E_AGENT_ID: '86',
  event: { i: 2, host: 'web01', meta: { hosts: ['web01'] } },
};

describe('renderArguments', () => {
  it('renders templated strings in nested dicts and lists, keeping native types', () => {
    const args = {
      fact: { agent_id: '{{ E2E_AGENT_ID }}', index: '{{ event.i }}', all: '{{ event.meta }}' },
      msg: ['host {{ event.host }}', 'plain', 3, null, true],
      extra_vars: { nested: [{ deep: '{{ event.i + 1 }}' }] },
    };
    expect(renderArguments(args, context)).toEqual({
      fact: { agent_id: 86, index: 2, all: { hosts: ['web01'] } },
      msg: ['host web01', 'plain', 3, null, true],
      extra_vars: { nested: [{ deep: 3 }] },
    });
  });

  it('renders only strings holding both {{ and }}, never keys', () => {
    const args = {
      '{{ event.host }}': 'x',
      a: '{% if true %}yes{% endif %}',
      b: 'only {{ open',
      c: 'only }} close',
      d: '{# comment #}',
    };
    expect(renderArguments(args, context)).toEqual(args);
    expect(isTemplateString('a {{ b }}')).toBe(true);
    expect(isTemplateString('}} {{')).toBe(true);
    expect(isTemplateString('{ {x} }')).toBe(false);
  });

  it('does not mutate its input and returns new containers', () => {
    const args = { list: ['{{ event.i }}'], dict: { a: '{{ event.i }}' } };
    const snapshot = structuredClone(args);
    const out = renderArguments(args, context) as typeof args;
    expect(args).toEqual(snapshot);
    expect(out.list).not.toBe(args.list);
    expect(out.dict).not.toBe(args.dict);
  });

  it('renders a top-level string and passes other scalars through', () => {
    expect(renderArguments('{{ event.host }}', context)).toBe('web01');
    expect(renderArguments(42, context)).toBe(42);
    expect(renderArguments(null, context)).toBe(null);
  });

  it('names the failing argument in the error', () => {
    let caught: unknown;
    try {
      renderArguments({ extra_vars: { list: ['ok', '{{ event.missing }}'] } }, context);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AutohealError);
    const err = caught as AutohealError;
    expect(err.code).toBe(ErrorCode.TemplateRender);
    expect(err.message).toBe(
      "'dict object' has no attribute 'missing' (in \"event.missing\" at offset 3) in argument extra_vars.list[1]",
    );
    expect(err.details).toMatchObject({ argPath: 'extra_vars.list[1]', kind: 'undefined', expression: 'event.missing' });
  });

  it('reports syntax errors with the AH_TEMPLATE_SYNTAX code', () => {
    expect(() => renderArguments({ msg: '{{ event.i | nope }}' }, context)).toThrow(
      expect.objectContaining({ code: ErrorCode.TemplateSyntax, details: expect.objectContaining({ argPath: 'msg', offset: 13 }) }),
    );
  });

  it('passes limits through to the renderer', () => {
    const args = { msg: '{% for i in range(100) %}{{ i }}{% endfor %}' };
    expect(() => renderArguments(args, context, { limits: { maxSteps: 50 } })).toThrow(
      expect.objectContaining({ code: ErrorCode.TemplateRender, details: expect.objectContaining({ kind: 'budget' }) }),
    );
  });
});

describe('TemplateCache', () => {
  it('compiles a source once and evicts the least recently used beyond its capacity', () => {
    const cache = new TemplateCache(2);
    const a = cache.get('{{ a }}');
    expect(cache.get('{{ a }}')).toBe(a);
    cache.get('{{ b }}');
    cache.get('{{ a }}'); // a is now the most recently used
    cache.get('{{ c }}'); // evicts b
    expect(cache.size).toBe(2);
    expect(cache.get('{{ a }}')).toBe(a);
  });

  it('caches syntax errors too', () => {
    const cache = new TemplateCache(4);
    expect(() => cache.get('{{ (')).toThrow(expect.objectContaining({ code: ErrorCode.TemplateSyntax }));
    expect(() => cache.get('{{ (')).toThrow(expect.objectContaining({ code: ErrorCode.TemplateSyntax }));
    expect(cache.size).toBe(1);
  });

  it('is used by renderArguments when given', () => {
    const cache = new TemplateCache(10);
    renderArguments({ a: '{{ event.i }}', b: ['{{ event.i }}', '{{ event.host }}'] }, context, { cache });
    expect(cache.size).toBe(2);
  });

  it('rejects a non-positive capacity', () => {
    expect(() => new TemplateCache(0)).toThrow(expect.objectContaining({ code: ErrorCode.Usage }));
  });
});
