/**
 * @module Which GitLab check applies to a request (wire-formats.md §2.1): when a signing secret
 * is configured and the request is signed, the signature alone decides — never fall back to
 * the plain token then, or stripping the signature would downgrade the check. An unsigned
 * request is checked against the token when one is configured, else refused.
 */
import { AutohealError, ErrorCode, type Clock } from '../../core/index.js';
import { headerValue, type RequestHeaders } from '../request-headers.js';
import type { AuthResult } from './auth-result.js';
import { verifyGitlabToken } from './verify-gitlab-token.js';
import { verifyStandardWebhook } from './verify-standard-webhook.js';

export interface GitlabAuthOptions {
  /** Accepted `X-Gitlab-Token` values (several while rotating). */
  readonly tokens?: readonly string[];
  /** The hook's signing token, `whsec_<base64>`. */
  readonly signingSecret?: string;
  /** Default 300 s. */
  readonly toleranceSeconds?: number;
}

export interface GitlabAuthRequest {
  readonly headers: RequestHeaders;
  readonly rawBody: Uint8Array | string;
  readonly clock: Clock;
}

/**
 * Authenticates one GitLab webhook request.
 * @throws AutohealError `AH_SOURCE_CONFIG_INVALID` when neither tokens nor a signing secret
 * are configured (refusing to run an unauthenticated hook is a config decision).
 */
export function verifyGitlabRequest(request: GitlabAuthRequest, options: GitlabAuthOptions): AuthResult {
  const tokens = options.tokens ?? [];
  const secret = options.signingSecret;
  if (tokens.length === 0 && secret === undefined) {
    throw new AutohealError(ErrorCode.SourceConfigInvalid, 'gitlab source: configure a token or a signing secret');
  }
  const signed = headerValue(request.headers, 'webhook-signature') !== undefined;
  if (secret !== undefined && (signed || tokens.length === 0)) {
    return verifyStandardWebhook({
      headers: request.headers,
      rawBody: request.rawBody,
      secret,
      clock: request.clock,
      ...(options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds }),
    });
  }
  return verifyGitlabToken(headerValue(request.headers, 'x-gitlab-token'), tokens);
}
