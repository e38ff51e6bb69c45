import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { holdThenDrop, type Outage } from '../outage.ts';

export interface StatuspageCall {
  method: string;
  path: string;
  body: { incident?: Record<string, unknown> };
  status: number;
}

/** An Atlassian Statuspage management API (v1) on 127.0.0.1: incidents created and patched, calls recorded. */
export class FakeStatuspage {
  readonly calls: StatuspageCall[] = [];
  readonly incidents = new Map<string, Record<string, unknown>>();
  readonly apiKey = 'sp-fake-key';
  readonly pageId = 'pfake123';
  readonly faults: number[] = [];
  url = '';
  /** While set, Statuspage is down: every call answers 503 or hangs, and nothing is done. */
  outage?: Outage;
  private server?: Server;
  private seq = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const send = (status: number, body: unknown) => {
          this.calls.push({ method: req.method ?? '', path: req.url ?? '', body: raw ? JSON.parse(raw) : {}, status });
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        const down = this.outage?.next();
        if (down === 'unavailable') return send(503, { error: 'Service Unavailable' });
        if (down === 'hang') {
          this.calls.push({
            method: req.method ?? '',
            path: req.url ?? '',
            body: raw ? JSON.parse(raw) : {},
            status: 0,
          });
          return holdThenDrop(req.socket, this.outage!.holdMs);
        }
        const fault = this.faults.shift();
        if (fault) return send(fault, { error: 'injected' });
        if (req.headers.authorization !== `OAuth ${this.apiKey}`) return send(401, { error: 'Could not authenticate' });
        if (req.method === 'GET' && req.url === `/v1/pages/${this.pageId}`)
          return send(200, { id: this.pageId, name: 'Acme (fake)', url: 'https://status.example.test' });
        const prefix = `/v1/pages/${this.pageId}/incidents`;
        const one = new RegExp(`^${prefix}/([^/]+)$`).exec(req.url ?? '');
        if (req.method === 'GET' && req.url === `${prefix}/unresolved`)
          return send(200, [...this.incidents.values()].filter((i) => i.status !== 'resolved').reverse());
        if (req.method === 'GET' && req.url === `${prefix}/scheduled`)
          return send(200, [...this.incidents.values()].filter((i) => i.status === 'scheduled').reverse());
        if (req.method === 'GET' && one)
          return this.incidents.has(one[1]!)
            ? send(200, this.incidents.get(one[1]!))
            : send(404, { error: 'Not found' });
        if (req.method === 'GET') return send(404, { error: 'Not found' });
        const body = (raw ? JSON.parse(raw) : {}) as { incident?: Record<string, unknown> };
        const entry = () => ({
          body: body.incident!.body,
          status: body.incident!.status,
          created_at: new Date().toISOString(),
        });
        if (!body.incident || typeof body.incident.status !== 'string')
          return send(422, { error: 'incident.status is required' });
        if (req.method === 'POST' && req.url === prefix) {
          if (typeof body.incident.name !== 'string') return send(422, { error: 'incident.name is required' });
          const id = `spinc${++this.seq}`;
          this.incidents.set(id, {
            id,
            ...body.incident,
            created_at: new Date().toISOString(),
            incident_updates: [entry()],
          });
          return send(201, this.incidents.get(id));
        }
        if (req.method === 'PATCH' && one && this.incidents.has(one[1]!)) {
          const incident = this.incidents.get(one[1]!)!;
          // Newest first, as Statuspage lists an incident's updates.
          const updates = [entry(), ...(incident.incident_updates as unknown[])];
          Object.assign(incident, body.incident, { incident_updates: updates });
          return send(200, incident);
        }
        send(404, { error: 'Not found' });
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
