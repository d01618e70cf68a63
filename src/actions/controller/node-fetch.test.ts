import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeFetch } from './node-fetch.js';

describe('createNodeFetch', () => {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/cancel/') {
        res.writeHead(202);
        res.end();
        return;
      }
      res.writeHead(201, { 'content-type': 'application/json', 'retry-after': '3' });
      res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization, body }));
    });
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends method, headers and body and streams the answer', async () => {
    const res = await createNodeFetch({})(`${base}/launch/`, { method: 'POST', headers: { Authorization: 'Bearer x' }, body: '{"a":1}', signal: new AbortController().signal });
    expect(res.status).toBe(201);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.json()).toEqual({ method: 'POST', auth: 'Bearer x', body: '{"a":1}' });
  });

  it('answers a bodiless 202', async () => {
    const res = await createNodeFetch({})(`${base}/cancel/`, { method: 'POST', signal: new AbortController().signal });
    expect(res.status).toBe(202);
  });

  it('rejects when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(createNodeFetch({})(`${base}/x`, { method: 'GET', signal: controller.signal })).rejects.toThrow();
  });
});
