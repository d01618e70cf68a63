/**
 * @module The only body parser of the webhook routes (stack.md §2): reads the body as bytes
 * (within the route's `bodyLimit`, 413 beyond), hands the exact bytes to the signature check,
 * then parses with Fastify's default JSON parser so prototype-poisoning protection stays on
 * (`__proto__` / `constructor.prototype` keys → 400). Every other content type gets 415.
 * Must be installed inside an encapsulated plugin: it replaces the parsers of that scope only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { mayHoldBigInteger, parseJson } from '../core/index.js';

/**
 * Installs the parser in `scope`. `onRawBody` sees the bytes before they are parsed and may
 * throw (an authentication failure) to stop the request there.
 */
export function installJsonBodyParser(
  scope: FastifyInstance,
  onRawBody: (request: FastifyRequest, rawBody: Buffer) => void,
): void {
  scope.removeAllContentTypeParsers();
  const guardedParse = scope.getDefaultJsonParser('error', 'error');
  scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    try {
      onRawBody(request, raw);
    } catch (err: unknown) {
      done(err instanceof Error ? err : new Error(String(err)), undefined);
      return;
    }
    const text = raw.toString('utf8');
    guardedParse(request, text, (err, value: unknown) => {
      if (err !== null) {
        done(err, undefined);
        return;
      }
      // Re-parse only to keep integers beyond 2^53 exact; the text already passed the guard.
      done(null, mayHoldBigInteger(text) ? parseJson(text) : value);
    });
  });
}
