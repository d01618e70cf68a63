import { describe, expect, it } from 'vitest';
import { ErrorCode, ManualClock, hasErrorCode } from '../../core/index.js';
import { insertMeta } from './insert-meta.js';

const deps = { clock: new ManualClock(1_795_303_977_289), newId: () => '00000000-0000-4000-8000-000000000001' };
const source = { sourceName: 'am', sourceType: 'ansible.eda.alertmanager' };

describe('insertMeta', () => {
  it('adds source name and type, received_at with microseconds and Z, and a uuid', () => {
    const event = { alert: { status: 'firing' }, meta: { endpoint: 'e', hosts: ['web01'] } };
    expect(insertMeta(event, source, deps)).toEqual({
      alert: { status: 'firing' },
      meta: {
        endpoint: 'e',
        hosts: ['web01'],
        source: { name: 'am', type: 'ansible.eda.alertmanager' },
        received_at: '2026-11-21T23:32:57.289000Z',
        uuid: '00000000-0000-4000-8000-000000000001',
      },
    });
    expect(event.meta).toEqual({ endpoint: 'e', hosts: ['web01'] });
  });

  it('keeps microseconds of a clock that has them', () => {
    const out = insertMeta({}, source, { ...deps, clock: { now: () => 1_795_303_977_289.123 } });
    expect((out.meta as { received_at: string }).received_at).toBe('2026-11-21T23:32:57.289123Z');
  });

  it('keeps every field already present, even null', () => {
    const event = { meta: { source: { name: 'set_fact', type: 'internal' }, received_at: 'then', uuid: null } };
    expect(insertMeta(event, source, deps)).toEqual(event);
    expect(insertMeta({ meta: { source: { name: 'x' } } }, source, deps).meta).toMatchObject({ source: { name: 'x', type: 'ansible.eda.alertmanager' } });
  });

  it('uses a fresh random UUID by default', () => {
    const a = insertMeta({}, source).meta as { uuid: string };
    const b = insertMeta({}, source).meta as { uuid: string };
    expect(a.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.uuid).not.toBe(b.uuid);
  });

  it('fails when meta or meta.source is not an object', () => {
    let caught: unknown;
    try {
      insertMeta({ meta: 'x' }, source, deps);
    } catch (err) {
      caught = err;
    }
    expect(hasErrorCode(caught, ErrorCode.FilterFailed)).toBe(true);
    expect(() => insertMeta({ meta: { source: [] } }, source, deps)).toThrow(/meta.source/);
  });
});
