import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny HTTP load balancer for local replicas: what a Kubernetes Service is to the pods of an app. Requests
 * go round-robin to the upstream ports; an upstream that refuses the connection (a replica not started yet,
 * or killed) is skipped for `downForMs` and the request goes to the next one, so a webhook reaches any live
 * replica. Only requests that never reached an upstream are retried, so nothing is applied twice.
 */
export class RoundRobinProxy {
  private server?: Server;
  private next = 0;
  private readonly downUntil = new Map<number, number>();
  /** Requests forwarded per upstream port (tests and `npm start` read it). */
  readonly forwarded = new Map<number, number>();

  constructor(
    private upstreams: number[],
    private readonly host = '127.0.0.1',
    private readonly downForMs = 2000,
  ) {
    for (const port of upstreams) this.forwarded.set(port, 0);
  }

  setUpstreams(ports: number[]): void {
    this.upstreams = [...ports];
    for (const port of ports) if (!this.forwarded.has(port)) this.forwarded.set(port, 0);
  }

  listen(port: number): Promise<number> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => resolve((server.address() as AddressInfo).port));
    });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Upstreams in the order to try for one request: from the round-robin position, live ones first. */
  private order(): number[] {
    const now = Date.now();
    const start = this.next++ % Math.max(1, this.upstreams.length);
    const rotated = [...this.upstreams.slice(start), ...this.upstreams.slice(0, start)];
    const live = rotated.filter((port) => (this.downUntil.get(port) ?? 0) <= now);
    return [...live, ...rotated.filter((port) => !live.includes(port))];
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    // Buffered: small bodies (webhooks, API calls) that may have to go to a second upstream.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => this.forward(req, res, Buffer.concat(chunks), this.order()));
  }

  private forward(req: IncomingMessage, res: ServerResponse, body: Buffer, candidates: number[]): void {
    const [port, ...rest] = candidates;
    if (port === undefined) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('no replica answered\n');
      return;
    }
    let reached = false;
    const upstream = request(
      {
        host: this.host,
        port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: `${this.host}:${port}` },
        // A fresh connection per request: "connected" then really means this request reached that replica.
        agent: false,
      },
      (answer) => {
        this.forwarded.set(port, (this.forwarded.get(port) ?? 0) + 1);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('socket', (socket) => socket.once('connect', () => (reached = true)));
    upstream.on('error', () => {
      if (res.headersSent) return void res.destroy();
      if (!reached) {
        // Never connected: the request did not reach that replica, so the next one may take it.
        this.downUntil.set(port, Date.now() + this.downForMs);
        this.forward(req, res, body, rest);
      } else res.writeHead(502, { 'content-type': 'text/plain' }).end('replica failed mid-request\n');
    });
    upstream.end(body);
  }
}
