/**
 * @module A `fetch` over node:https for what the global `fetch` cannot do without extra packages:
 * a private CA (`ca_file`) and `verify_ssl: false`. Only the subset the controller client uses:
 * method, headers, string body, AbortSignal, status, headers and a streamed body.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { FetchLike } from './controller-client.js';

export interface NodeFetchOptions {
  /** PEM CA certificates trusted instead of the system ones. */
  readonly ca?: string;
  /** False accepts any certificate (upstream `--controller-ssl-verify no`). Default true. */
  readonly rejectUnauthorized?: boolean;
}

/** Statuses whose responses never carry a body (`new Response` refuses one). */
const NULL_BODY = new Set([101, 204, 205, 304]);

/** Builds a FetchLike on node:http(s) with the given TLS settings. */
export function createNodeFetch(options: NodeFetchOptions): FetchLike {
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const headers = new Headers(init.headers);
      const body = typeof init.body === 'string' ? init.body : undefined;
      if (body !== undefined) headers.set('content-length', String(Buffer.byteLength(body)));
      const tls = target.protocol === 'https:' ? { ca: options.ca, rejectUnauthorized: options.rejectUnauthorized ?? true } : {};
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(target, { method: init.method ?? 'GET', headers: Object.fromEntries(headers), signal: init.signal ?? undefined, ...tls }, (res) => {
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v);
          else if (value !== undefined) responseHeaders.set(name, value);
        }
        const status = res.statusCode ?? 0;
        const stream = NULL_BODY.has(status) ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
        if (stream === null) res.resume();
        resolve(new Response(stream, { status, headers: responseHeaders }));
      });
      req.on('error', reject);
      req.end(body);
    });
}
