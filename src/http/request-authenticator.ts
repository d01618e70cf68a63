/**
 * @module Authentication of one webhook request in two steps, so that a caller without valid
 * credentials never makes us buffer or parse a body: what the headers alone decide (bearer,
 * Basic, X-Gitlab-Token, a required signature header being absent) runs in `onRequest`, before
 * the body is read; what needs the raw bytes (HMAC, Standard Webhooks signatures) runs in the
 * JSON parser, before the bytes are parsed. Same checks and order as upstream's webhook source
 * (token, then HMAC; rulebook-language.md §4.3) and GitLab's rules (wire-formats.md §2.1).
 */
import type { Clock } from '../core/index.js';
import {
  AUTH_OK,
  AuthFailureCode,
  authFailure,
  headerValue,
  verifyBasic,
  verifyBearer,
  verifyGitlabRequest,
  verifyGitlabToken,
  verifyHmac,
  type AuthResult,
  type RequestHeaders,
} from '../sources/index.js';
import type { SourceConfig } from './source-config.js';

export interface RequestAuthenticator {
  /** The checks the headers decide alone; runs before the body is read. */
  beforeBody(headers: RequestHeaders): AuthResult;
  /** The checks over the raw body (signatures); runs before the body is parsed. */
  withBody(headers: RequestHeaders, rawBody: Uint8Array): AuthResult;
}

const STANDARD_WEBHOOK_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/** The authenticator of a resolved source configuration. */
export function createRequestAuthenticator(config: SourceConfig, clock: Clock): RequestAuthenticator {
  switch (config.kind) {
    case 'alertmanager': {
      const auth = config.auth;
      return {
        beforeBody: (headers) => {
          const header = headerValue(headers, 'authorization');
          if (auth.kind === 'bearer') return verifyBearer(header, auth.tokens);
          if (auth.kind === 'basic') return verifyBasic(header, auth.users);
          return AUTH_OK;
        },
        withBody: () => AUTH_OK,
      };
    }
    case 'webhook': {
      const { token, hmac } = config.auth;
      return {
        beforeBody: (headers) => {
          if (token !== undefined) {
            const bearer = verifyBearer(headerValue(headers, 'authorization'), [token]);
            if (!bearer.ok) return bearer;
          }
          if (hmac !== undefined && (headerValue(headers, hmac.header) ?? '').trim() === '') {
            return authFailure(AuthFailureCode.MissingSignature, 'signature header not found');
          }
          return AUTH_OK;
        },
        withBody: (headers, rawBody) =>
          hmac === undefined
            ? AUTH_OK
            : verifyHmac({ rawBody, header: headerValue(headers, hmac.header), secret: hmac.secret, algo: hmac.algo, format: hmac.format }),
      };
    }
    case 'gitlab': {
      const auth = config.auth;
      const tokens = auth.tokens ?? [];
      // Signed requests are judged by their signature alone (never downgraded to the token).
      const bySignature = (headers: RequestHeaders): boolean =>
        auth.signingSecret !== undefined && (headerValue(headers, 'webhook-signature') !== undefined || tokens.length === 0);
      return {
        beforeBody: (headers) => {
          if (!bySignature(headers)) return verifyGitlabToken(headerValue(headers, 'x-gitlab-token'), tokens);
          if (STANDARD_WEBHOOK_HEADERS.some((h) => (headerValue(headers, h) ?? '').trim() === '')) {
            return authFailure(AuthFailureCode.MissingSignature, 'webhook-id, webhook-timestamp and webhook-signature headers are required');
          }
          return AUTH_OK;
        },
        withBody: (headers, rawBody) => (bySignature(headers) ? verifyGitlabRequest({ headers, rawBody, clock }, auth) : AUTH_OK),
      };
    }
  }
}
