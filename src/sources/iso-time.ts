/**
 * @module ISO-8601 UTC text with microseconds, the form upstream puts in `meta.received_at`
 * (`2026-11-21T23:32:57.289000Z`), from epoch microseconds.
 */

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ` for an integer number of microseconds since the epoch. */
export function isoFromEpochMicros(micros: number): string {
  const whole = Math.round(micros);
  const seconds = Math.floor(whole / 1e6);
  const fraction = whole - seconds * 1e6;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return `${base}.${String(fraction).padStart(6, '0')}Z`;
}

/** The same for float seconds (Icinga's timestamps), rounded to the microsecond. */
export function isoFromEpochSeconds(seconds: number): string {
  return isoFromEpochMicros(Math.round(seconds * 1e6));
}
