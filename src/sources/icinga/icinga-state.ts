/**
 * @module Icinga 2 state numbers and their names (wire-formats.md §3.4). Services: 0 OK,
 * 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Hosts: 0 UP, 1 DOWN. A host's check result carries a
 * service-style state (passive DOWN arrives as 2); Icinga maps OK/WARNING to UP and everything
 * else to DOWN (`Host::CalculateState`).
 */

export const IcingaStateType = { Soft: 'SOFT', Hard: 'HARD' } as const;
export type IcingaStateType = (typeof IcingaStateType)[keyof typeof IcingaStateType];

const SERVICE_STATES: readonly string[] = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];

/** The host state (0 UP, 1 DOWN) for a check result's service-style state. */
export function hostStateFromCheckState(checkState: number): number {
  return checkState === 0 || checkState === 1 ? 0 : 1;
}

/** `OK`…`UNKNOWN` for services (anything outside 0–3 is UNKNOWN), `UP`/`DOWN` for hosts. */
export function stateText(state: number, isHost: boolean): string {
  if (isHost) return state === 0 ? 'UP' : 'DOWN';
  return SERVICE_STATES[state] ?? 'UNKNOWN';
}

/** `SOFT` for 0, `HARD` for 1 (Icinga's `state_type`). */
export function stateTypeText(stateType: number): IcingaStateType {
  return stateType === 1 ? IcingaStateType.Hard : IcingaStateType.Soft;
}
