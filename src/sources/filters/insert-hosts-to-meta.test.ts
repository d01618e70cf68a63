import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../core/index.js';
import type { FilterLogger } from './event-filter.js';
import { insertHostsToMeta } from './insert-hosts-to-meta.js';

function recorder(): FilterLogger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, warn: () => undefined, error: (_f, m) => errors.push(m) };
}

describe('insertHostsToMeta', () => {
  const event = { alert: { labels: { instance: 'web01' } }, app: { target: 'a;b;c', list: ['x', 'y'] }, meta: { endpoint: 'e' } };

  it('sets meta.hosts from a string, keeping the rest of meta', () => {
    expect(insertHostsToMeta(event, { hostPath: 'alert.labels.instance' }).meta).toEqual({ endpoint: 'e', hosts: ['web01'] });
    expect(event.meta).toEqual({ endpoint: 'e' });
  });

  it('splits a string on host_separator and takes a list of strings as is', () => {
    expect(insertHostsToMeta(event, { hostPath: 'app.target', hostSeparator: ';' }).meta).toMatchObject({ hosts: ['a', 'b', 'c'] });
    expect(insertHostsToMeta(event, { hostPath: 'app/list', pathSeparator: '/' }).meta).toMatchObject({ hosts: ['x', 'y'] });
  });

  it('creates meta when absent', () => {
    expect(insertHostsToMeta({ h: 'web02' }, { hostPath: 'h' })).toEqual({ h: 'web02', meta: { hosts: ['web02'] } });
  });

  it('leaves the event unchanged on a missing path, logging unless told not to, raising if told to', () => {
    const log = recorder();
    expect(insertHostsToMeta(event, { hostPath: 'nope' }, log)).toBe(event);
    expect(log.errors).toHaveLength(1);
    const quiet = recorder();
    insertHostsToMeta(event, { hostPath: 'nope', logError: false }, quiet);
    expect(quiet.errors).toHaveLength(0);
    let caught: unknown;
    try {
      insertHostsToMeta(event, { hostPath: 'nope', raiseError: true });
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, ErrorCode.FilterFailed)).toBe(true);
  });

  it('fails on values that are not host names, as upstream', () => {
    expect(() => insertHostsToMeta({ h: 5 }, { hostPath: 'h' })).toThrow(/number, not a host name/);
    expect(() => insertHostsToMeta({ h: ['a', 1] }, { hostPath: 'h' })).toThrow(/item 1/);
    expect(() => insertHostsToMeta({ h: 'a', meta: 'x' }, { hostPath: 'h' })).toThrow(/meta is not an object/);
  });

  it('does nothing with an empty host_path', () => {
    expect(insertHostsToMeta(event, { hostPath: '' })).toBe(event);
  });
});
