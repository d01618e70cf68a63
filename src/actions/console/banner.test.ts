import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { banner, bannerTimestamp, pythonRunAt } from './banner.js';

const AT = Date.UTC(2026, 6, 23, 10, 11, 12, 123);
const STARS = '*'.repeat(80);

describe('banner', () => {
  it('prints an empty line, the padded title, the content and a closing rule', () => {
    const text = banner('event', "{'i': 1}", { clock: new ManualClock(AT), utcOffsetMinutes: 0 });
    expect(text).toBe(
      '\n** 2026-07-23 10:11:12.123000 [event] ******************************************\n' + "{'i': 1}\n" + STARS + '\n',
    );
  });

  it('prints the title line alone for None content', () => {
    const text = banner('debug', null, { clock: new ManualClock(AT), utcOffsetMinutes: 0, width: 40 });
    expect(text).toBe('\n** 2026-07-23 10:11:12.123000 [debug] **\n');
  });

  it('pads to the given width and never below zero stars', () => {
    const text = banner('a very long banner name that goes past the width', ['x', 'y'], { clock: new ManualClock(AT), utcOffsetMinutes: 0, width: 20 });
    expect(text).toBe('\n** 2026-07-23 10:11:12.123000 [a very long banner name that goes past the width] \nx\ny\n' + '*'.repeat(20) + '\n');
  });

  it('strips the name and draws a bare rule for an empty one', () => {
    expect(banner('  ', 'c', { clock: new ManualClock(AT), width: 10 })).toBe('**********\nc\n**********\n');
    expect(banner(' debug ', null, { clock: new ManualClock(AT), utcOffsetMinutes: 0, width: 40 })).toContain('[debug] **');
  });

  it('counts code points, as Python len()', () => {
    const text = banner('😀', null, { clock: new ManualClock(AT), utcOffsetMinutes: 0, width: 40 });
    // "** 2026-07-23 10:11:12.123000 [😀] " is 34 code points (35 UTF-16 units).
    expect(text).toBe('\n** 2026-07-23 10:11:12.123000 [😀] ******\n');
  });
});

describe('bannerTimestamp', () => {
  it('prints local time and drops a zero fraction as datetime.isoformat does', () => {
    expect(bannerTimestamp({ clock: new ManualClock(Date.UTC(2026, 6, 23, 10, 11, 12)), utcOffsetMinutes: 120 })).toBe('2026-07-23 12:11:12');
    expect(bannerTimestamp({ clock: new ManualClock(Date.UTC(2026, 0, 1, 0, 30, 0, 5)), utcOffsetMinutes: -60 })).toBe('2025-12-31 23:30:00.005000');
  });
});

describe('pythonRunAt', () => {
  it('is UTC isoformat with a Z', () => {
    expect(pythonRunAt(AT)).toBe('2026-07-23T10:11:12.123000Z');
    expect(pythonRunAt(Date.UTC(2026, 6, 23, 10, 11, 12))).toBe('2026-07-23T10:11:12Z');
  });
});
