import { describe, expect, it } from 'vitest';
import { ErrorCode, hasErrorCode } from '../../core/index.js';
import type { JsonObject } from '../json-value.js';
import { eventSplitter } from './event-splitter.js';

describe('eventSplitter', () => {
  const alerts: JsonObject[] = [{ name: 'a', tags: { x: 1 } }, { name: 'b' }];
  const event: JsonObject = { incident: { id: 'INC-1', active: true, alerts }, meta: { source: { name: 'bp' } } };

  it('returns one event per item, with mapped parent attributes and extras', () => {
    const out = eventSplitter(event, {
      splitterKey: 'incident.alerts',
      attributesKeyMap: { id: 'incident.id', active: 'incident.active', gone: 'incident.missing' },
      extras: { region: 'us-east', id: 'overridden' },
    });
    expect(out).toEqual([
      { name: 'a', tags: { x: 1 }, id: 'overridden', active: true, region: 'us-east' },
      { name: 'b', id: 'overridden', active: true, region: 'us-east' },
    ]);
  });

  it('does not carry meta over unless mapped, and copies items deeply', () => {
    const out = eventSplitter(event, { splitterKey: 'incident.alerts' });
    expect(out.every((e) => !('meta' in e))).toBe(true);
    expect(out[0]!.tags).toEqual(alerts[0]!.tags);
    expect(out[0]!.tags).not.toBe(alerts[0]!.tags);
    expect(eventSplitter(event, { splitterKey: 'incident.alerts', attributesKeyMap: { meta: 'meta' } })[0]!.meta).toEqual(event.meta);
  });

  it('leaves the event intact when the key is missing, unless raise_error', () => {
    expect(eventSplitter(event, { splitterKey: 'incident.nope' })).toEqual([event]);
    let caught: unknown;
    try {
      eventSplitter(event, { splitterKey: 'incident.nope', raiseError: true });
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, ErrorCode.FilterFailed)).toBe(true);
  });

  it('fails on a value that is not a list of objects', () => {
    expect(() => eventSplitter(event, { splitterKey: 'incident.id' })).toThrow(/not a list/);
    expect(() => eventSplitter({ l: [1] }, { splitterKey: 'l' })).toThrow(/item 0/);
  });

  it('returns no events for an empty list', () => {
    expect(eventSplitter({ l: [] }, { splitterKey: 'l' })).toEqual([]);
  });
});
