/**
 * @module The Alertmanager webhook body (payload `version: "4"`, wire-formats.md §1.1) and its
 * validator. Fields Alertmanager adds in newer versions (`notification_reason`, `routeLabels`,
 * …) are kept as they are and not checked.
 */
import { findNonJson, isPlainObject, type JsonObject } from '../json-value.js';
import { InvalidPayloadError, ProblemList, jsonTypeName } from '../invalid-payload-error.js';

export const AlertStatus = { Firing: 'firing', Resolved: 'resolved' } as const;
export type AlertStatus = (typeof AlertStatus)[keyof typeof AlertStatus];

/** A flat label or annotation map (Alertmanager drops empty-valued labels on ingestion). */
export type StringMap = { readonly [name: string]: string };

export type AlertmanagerAlert = JsonObject & {
  readonly status: AlertStatus;
  readonly labels: StringMap;
  readonly annotations: StringMap;
  /** RFC 3339 with up to 9 fractional digits, kept raw (it is part of the dedup key). */
  readonly startsAt: string;
  /** `0001-01-01T00:00:00Z` while firing. */
  readonly endsAt: string;
  readonly generatorURL?: string;
  /** 16 hex chars, a hash of the label set. */
  readonly fingerprint: string;
};

export type AlertmanagerWebhook = JsonObject & {
  /** Regex-escaped by Alertmanager (`autoheal\.prod`). */
  readonly receiver: string;
  /** `firing` if any alert fires. */
  readonly status: AlertStatus;
  readonly alerts: readonly AlertmanagerAlert[];
  readonly groupLabels: StringMap;
  readonly commonLabels: StringMap;
  readonly commonAnnotations: StringMap;
  readonly externalURL: string;
  readonly version: '4';
  readonly groupKey: string;
  /** Alerts dropped by `max_alerts`; absent in old Alertmanagers. */
  readonly truncatedAlerts?: number;
};

const STATUSES: readonly string[] = Object.values(AlertStatus);

function checkString(obj: Record<string, unknown>, key: string, path: string, problems: ProblemList, optional = false): void {
  const v = obj[key];
  if (v === undefined && optional) return;
  if (typeof v !== 'string') problems.add(`${path}.${key}`, `expected a string, got ${jsonTypeName(v)}`);
}

function checkStatus(obj: Record<string, unknown>, path: string, problems: ProblemList): void {
  const v = obj.status;
  if (typeof v !== 'string' || !STATUSES.includes(v)) {
    problems.add(`${path}.status`, `expected "firing" or "resolved", got ${typeof v === 'string' ? 'another string' : jsonTypeName(v)}`);
  }
}

function checkStringMap(obj: Record<string, unknown>, key: string, path: string, problems: ProblemList): void {
  const v = obj[key];
  if (!isPlainObject(v)) {
    problems.add(`${path}.${key}`, `expected an object of strings, got ${jsonTypeName(v)}`);
    return;
  }
  for (const [name, value] of Object.entries(v)) {
    if (typeof value !== 'string') {
      problems.add(`${path}.${key}.${name}`, `expected a string, got ${jsonTypeName(value)}`);
    }
  }
}

function checkAlert(alert: unknown, path: string, problems: ProblemList): void {
  if (!isPlainObject(alert)) {
    problems.add(path, `expected an object, got ${jsonTypeName(alert)}`);
    return;
  }
  checkStatus(alert, path, problems);
  checkStringMap(alert, 'labels', path, problems);
  checkStringMap(alert, 'annotations', path, problems);
  checkString(alert, 'startsAt', path, problems);
  checkString(alert, 'endsAt', path, problems);
  checkString(alert, 'generatorURL', path, problems, true);
  checkString(alert, 'fingerprint', path, problems);
  if (typeof alert.fingerprint === 'string' && alert.fingerprint === '') {
    problems.add(`${path}.fingerprint`, 'expected a non-empty string');
  }
}

/**
 * Checks that `body` is an Alertmanager version-4 webhook body.
 * @throws InvalidPayloadError (`AH_WEBHOOK_INVALID_PAYLOAD`) listing every problem.
 */
export function validateAlertmanagerWebhook(body: unknown): AlertmanagerWebhook {
  const problems = new ProblemList();
  if (!isPlainObject(body)) {
    problems.add('$', `expected an object, got ${jsonTypeName(body)}`);
    throw new InvalidPayloadError('Alertmanager webhook body', problems.items);
  }
  if (body.version !== '4') {
    problems.add('$.version', `expected "4", got ${typeof body.version === 'string' ? 'another string' : jsonTypeName(body.version)}`);
  }
  checkString(body, 'receiver', '$', problems);
  checkStatus(body, '$', problems);
  checkStringMap(body, 'groupLabels', '$', problems);
  checkStringMap(body, 'commonLabels', '$', problems);
  checkStringMap(body, 'commonAnnotations', '$', problems);
  checkString(body, 'externalURL', '$', problems);
  checkString(body, 'groupKey', '$', problems);
  if (body.truncatedAlerts !== undefined && (typeof body.truncatedAlerts !== 'number' || !Number.isInteger(body.truncatedAlerts))) {
    problems.add('$.truncatedAlerts', `expected an integer, got ${jsonTypeName(body.truncatedAlerts)}`);
  }
  if (!Array.isArray(body.alerts)) {
    problems.add('$.alerts', `expected an array, got ${jsonTypeName(body.alerts)}`);
  } else {
    body.alerts.forEach((alert: unknown, i: number) => checkAlert(alert, `$.alerts[${i}]`, problems));
  }
  if (problems.empty) {
    const bad = findNonJson(body);
    if (bad !== undefined) problems.add(bad, 'not JSON data');
  }
  if (!problems.empty) throw new InvalidPayloadError('Alertmanager webhook body', problems.items);
  return body as AlertmanagerWebhook;
}
