/**
 * @module Alertmanager webhook → upstream `ansible.eda.alertmanager` events
 * (rulebook-language.md §4.2, wire-formats.md §1).
 *
 * One request gives, in order:
 * 1. unless `skip_original_data`: `{payload: <body>, meta: {endpoint, headers}}`;
 * 2. per element of the list at `data_alerts_path`:
 *    `{alert: <alert>, meta: {endpoint, headers, hosts}}`, `hosts` being the value at
 *    `data_host_path` inside the alert with everything from the first `:` removed
 *    (`web01:9100` → `web01`), or `[]`.
 *
 * Deliberate differences from upstream:
 * - `meta.headers` never contains `Authorization` (nor `Proxy-Authorization`): upstream copies
 *   the bearer token into every event, where rules, logs and the store would see it.
 * - The body must be a version-4 Alertmanager body; anything else is refused (422) instead of
 *   being turned into events (upstream accepts any JSON). Use the generic webhook source for
 *   custom payload templates.
 * - A host value that is not a string gives `hosts: []` (upstream fails the request with 500).
 *
 * Dedup keys (wire-formats.md §1.7, §7):
 * - alert event: `am:<fingerprint>:<status>:<startsAt>` (raw strings): stable across retries,
 *   repeat notifications, group resends and HA peers; changes when the alert resolves or fires
 *   again. An alert without those three string fields (a custom `data_alerts_path`) gets
 *   `am:alert-sha256:<hash of its canonical JSON>`.
 * - whole-body event: `am:group:<sha256 of receiver, groupKey and the sorted alert keys>`. So an
 *   identical re-notification of the same group (a retry, an HA peer, `repeat_interval`) is a
 *   duplicate, while a notification where any alert joined, left, resolved or re-fired is new.
 *   Not `groupKey` alone: one group sends many distinct notifications.
 */
import { AutohealError, ErrorCode } from '../../core/index.js';
import { dedupKey, sha256Hex } from '../dedup-key.js';
import { MISSING, getPath } from '../get-path.js';
import { canonicalJson, isPlainObject, type JsonValue } from '../json-value.js';
import { eventHeaders } from '../request-headers.js';
import type { AcceptedResult, KeyedEvent, WebhookRequest } from '../source-event.js';
import { validateAlertmanagerWebhook, type AlertmanagerWebhook } from './alertmanager-webhook.js';

/** Upstream's `ansible.eda.alertmanager` data options (its `host`/`port` belong to the HTTP layer). */
export interface AlertmanagerOptions {
  /** Path of the alert list in the body; `''` = the whole body is one alert. Default `alerts`. */
  readonly dataAlertsPath: string;
  /** Path of the host inside one alert; `''` = no host extraction. Default `labels.instance`. */
  readonly dataHostPath: string;
  /** Separator of both paths. Default `.`. */
  readonly dataPathSeparator: string;
  /** Skip the whole-body event. Default false. */
  readonly skipOriginalData: boolean;
}

export const DEFAULT_ALERTMANAGER_OPTIONS: AlertmanagerOptions = {
  dataAlertsPath: 'alerts',
  dataHostPath: 'labels.instance',
  dataPathSeparator: '.',
  skipOriginalData: false,
};

/**
 * Resolves the rulebook's source arguments (`data_alerts_path`, `data_host_path`,
 * `data_path_separator`, `skip_original_data`) into options; other keys are ignored.
 * @throws AutohealError `AH_SOURCE_CONFIG_INVALID` naming the bad argument.
 */
export function resolveAlertmanagerOptions(args: Readonly<Record<string, unknown>> = {}): AlertmanagerOptions {
  const str = (key: string, fallback: string): string => {
    const v = args[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string') {
      throw new AutohealError(ErrorCode.SourceConfigInvalid, `alertmanager source: ${key} must be a string`);
    }
    return v;
  };
  const skip = args.skip_original_data;
  if (skip !== undefined && typeof skip !== 'boolean') {
    throw new AutohealError(ErrorCode.SourceConfigInvalid, 'alertmanager source: skip_original_data must be a boolean');
  }
  const dataPathSeparator = str('data_path_separator', DEFAULT_ALERTMANAGER_OPTIONS.dataPathSeparator);
  if (dataPathSeparator === '') {
    throw new AutohealError(ErrorCode.SourceConfigInvalid, 'alertmanager source: data_path_separator must not be empty');
  }
  return {
    dataAlertsPath: str('data_alerts_path', DEFAULT_ALERTMANAGER_OPTIONS.dataAlertsPath),
    dataHostPath: str('data_host_path', DEFAULT_ALERTMANAGER_OPTIONS.dataHostPath),
    dataPathSeparator,
    skipOriginalData: skip ?? DEFAULT_ALERTMANAGER_OPTIONS.skipOriginalData,
  };
}

export type AlertmanagerBodyEvent = {
  readonly payload: AlertmanagerWebhook;
  readonly meta: { readonly endpoint: string; readonly headers: Readonly<Record<string, string>> };
};

export type AlertmanagerAlertEvent = {
  readonly alert: JsonValue;
  readonly meta: {
    readonly endpoint: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly hosts: readonly string[];
  };
};

export type AlertmanagerEvent = AlertmanagerBodyEvent | AlertmanagerAlertEvent;

/** The dedup key of one alert (see the module comment). */
export function alertDedupKey(alert: JsonValue): string {
  if (isPlainObject(alert)) {
    const { fingerprint, status, startsAt } = alert;
    if (typeof fingerprint === 'string' && typeof status === 'string' && typeof startsAt === 'string') {
      return dedupKey('am', [fingerprint, status, startsAt]);
    }
  }
  return dedupKey('am', ['alert-sha256', sha256Hex(canonicalJson(alert))]);
}

function alertsAt(body: AlertmanagerWebhook, options: AlertmanagerOptions): readonly JsonValue[] {
  if (options.dataAlertsPath === '') return [body];
  const found = getPath(body, options.dataAlertsPath, options.dataPathSeparator);
  if (found === MISSING) return [];
  return Array.isArray(found) ? (found as readonly JsonValue[]) : [found as JsonValue];
}

function hostsOf(alert: JsonValue, options: AlertmanagerOptions): readonly string[] {
  if (options.dataHostPath === '') return [];
  const value = getPath(alert, options.dataHostPath, options.dataPathSeparator);
  if (typeof value !== 'string') return [];
  const colon = value.indexOf(':');
  return [colon === -1 ? value : value.slice(0, colon)];
}

/**
 * Turns one Alertmanager webhook request into upstream's events, each with its dedup key.
 * @throws InvalidPayloadError (`AH_WEBHOOK_INVALID_PAYLOAD`, HTTP 422) when the body is not
 * a version-4 Alertmanager body.
 */
export function normalizeAlertmanager(
  request: WebhookRequest,
  options: AlertmanagerOptions = DEFAULT_ALERTMANAGER_OPTIONS,
): AcceptedResult<AlertmanagerEvent> {
  const body = validateAlertmanagerWebhook(request.body);
  const headers = eventHeaders(request.headers);
  const endpoint = request.endpoint;

  const alertEvents: KeyedEvent<AlertmanagerAlertEvent>[] = alertsAt(body, options).map((alert) => ({
    event: { alert, meta: { endpoint, headers, hosts: hostsOf(alert, options) } },
    dedupKey: alertDedupKey(alert),
  }));

  if (options.skipOriginalData) return { kind: 'accepted', events: alertEvents };

  const groupHash = sha256Hex(
    canonicalJson([body.receiver, body.groupKey, ...alertEvents.map((e) => e.dedupKey).sort()]),
  );
  const bodyEvent: KeyedEvent<AlertmanagerBodyEvent> = {
    event: { payload: body, meta: { endpoint, headers } },
    dedupKey: dedupKey('am', ['group', groupHash]),
  };
  return { kind: 'accepted', events: [bodyEvent, ...alertEvents] };
}
