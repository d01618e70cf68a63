/**
 * @module Authentication of upstream's generic webhook source (rulebook-language.md §4.3):
 * `token` → `Authorization: Bearer`, then, if also configured, `hmac_secret` → a signature
 * header over the raw body. Same order and same failures as upstream, with constant-time
 * token comparison.
 */
import { AutohealError, ErrorCode } from '../../core/index.js';
import { headerValue, type RequestHeaders } from '../request-headers.js';
import { AUTH_OK, type AuthResult } from './auth-result.js';
import { verifyBearer } from './verify-bearer.js';
import { HmacFormat, resolveHmacAlgo, verifyHmac } from './verify-hmac.js';

export interface WebhookHmacOptions {
  readonly secret: string;
  /** hashlib-style name. Default `sha256`. */
  readonly algo: string;
  /** Default `x-hub-signature-256`. */
  readonly header: string;
  /** Default `hex`. */
  readonly format: HmacFormat;
}

export interface WebhookAuthOptions {
  readonly token?: string;
  readonly hmac?: WebhookHmacOptions;
}

/**
 * Resolves the webhook source's auth arguments (`token`, `hmac_secret`, `hmac_algo`,
 * `hmac_header`, `hmac_format`); other keys are ignored.
 * @throws AutohealError `AH_SOURCE_CONFIG_INVALID` naming the bad argument (never its value).
 */
export function resolveWebhookAuth(args: Readonly<Record<string, unknown>> = {}): WebhookAuthOptions {
  const str = (key: string): string | undefined => {
    const v = args[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v === '') {
      throw new AutohealError(ErrorCode.SourceConfigInvalid, `webhook source: ${key} must be a non-empty string`);
    }
    return v;
  };
  const token = str('token');
  const secret = str('hmac_secret');
  const algo = str('hmac_algo') ?? 'sha256';
  const header = str('hmac_header') ?? 'x-hub-signature-256';
  const format = str('hmac_format') ?? HmacFormat.Hex;
  if (format !== HmacFormat.Hex && format !== HmacFormat.Base64) {
    throw new AutohealError(ErrorCode.SourceConfigInvalid, 'webhook source: hmac_format must be "hex" or "base64"');
  }
  resolveHmacAlgo(algo);
  return {
    ...(token === undefined ? {} : { token }),
    ...(secret === undefined ? {} : { hmac: { secret, algo, header, format } }),
  };
}

/** Authenticates one generic webhook request; ok when nothing is configured (as upstream). */
export function verifyWebhookRequest(
  request: { readonly headers: RequestHeaders; readonly rawBody: Uint8Array | string },
  options: WebhookAuthOptions,
): AuthResult {
  if (options.token !== undefined) {
    const bearer = verifyBearer(headerValue(request.headers, 'authorization'), [options.token]);
    if (!bearer.ok) return bearer;
  }
  if (options.hmac !== undefined) {
    return verifyHmac({
      rawBody: request.rawBody,
      header: headerValue(request.headers, options.hmac.header),
      secret: options.hmac.secret,
      algo: options.hmac.algo,
      format: options.hmac.format,
    });
  }
  return AUTH_OK;
}
