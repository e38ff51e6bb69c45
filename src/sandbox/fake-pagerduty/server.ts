import type { Ajv, ValidateFunction } from 'ajv';
import { EventEmitter } from 'node:events';
import type { Chaos } from '../chaos.ts';
import { holdThenDrop, type Outage } from '../outage.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pagerDutySignatureHeader } from '../../pagerduty/verify-signature.ts';
import { loadOperations, type OperationSpec } from './spec.ts';
import { incidentData, webhookBody, type FakePdIncident } from './webhook-events.ts';

export interface FakePdUser {
  id: string;
  name: string;
  email: string | null;
}

export type PdFault =
  | { status: 429; retryAfter?: number }
  | { status: 500 | 502 | 503 }
  | { status: 400; message: string }
  /** The token refused: 401 (unknown or revoked) or 403 (not allowed, e.g. a read-only key writing). */
  | { status: 401 | 403 }
  | { hang: true }
  | { resetAfter: true };

export interface PdCall {
  method: string;
  path: string;
  operation: string | null;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  body: unknown;
  status: number;
  at: number;
}

/** An operation the fake serves; `validate` is compiled on the operation's first call (null: it takes no body). */
interface Operation {
  spec: OperationSpec;
  pattern: RegExp;
  validate?: ValidateFunction | null;
}

/**
 * A PagerDuty REST API on 127.0.0.1 for tests and the sandbox: the operations the bot uses, with
 * PagerDuty's auth header, response shapes and errors. Every request is checked against PagerDuty's
 * published OpenAPI description (required headers such as From, query names, the JSON body schema)
 * and refused with 400 if it does not match. A status change sends the signed webhook back, as
 * PagerDuty does.
 */
export class FakePagerDuty extends EventEmitter {
  readonly users = new Map<string, FakePdUser>();
  readonly incidents = new Map<string, FakePdIncident>();
  readonly schedules = new Map<string, string[]>();
  /** The services incidents may be created on (POST /incidents refuses others, as PagerDuty does). */
  readonly services = new Map<string, { id: string; name: string; policy: string }>([
    ['PSVC001', { id: 'PSVC001', name: 'Checkout API', policy: 'PEPFAKE' }],
  ]);
  /** Escalation policies: who each level pages, first level first (a page starts at level 1). */
  readonly policies = new Map<string, { id: string; name: string; levels: string[][] }>([
    ['PEPFAKE', { id: 'PEPFAKE', name: 'Default', levels: [[], []] }],
  ]);
  readonly notes: { incidentId: string; content: string; from: string }[] = [];
  readonly calls: PdCall[] = [];
  readonly rejected: PdCall[] = [];
  token: string;
  url = '';
  private webhook?: { url: string; secrets: string[] };
  private readonly faults: PdFault[] = [];
  private readonly ops: Operation[];
  private ajv?: Promise<Ajv>;
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  private nextNumber = 1000;

  constructor(opts: { token?: string; users?: FakePdUser[] } = {}) {
    super();
    this.token = opts.token ?? 'pd-fake-token';
    for (const u of opts.users ?? []) this.users.set(u.id, u);
    this.ops = loadOperations().map((spec) => ({
      spec,
      pattern: new RegExp(`^${spec.path.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
    }));
  }

  /**
   * An operation's body validator, compiled on its first call: Ajv and its generated code would
   * otherwise be loaded by every sandbox at start, for operations an idle sandbox never calls.
   */
  private async validatorOf(op: Operation): Promise<ValidateFunction | null> {
    if (op.validate !== undefined) return op.validate;
    if (!op.spec.body) return (op.validate = null);
    // Structure, types and enums are what a client gets wrong; string formats (url, date-time) are not checked.
    this.ajv ??= import('ajv').then(({ Ajv }) => new Ajv({ strict: false, allErrors: true, validateFormats: false }));
    return (op.validate = (await this.ajv).compile(op.spec.body));
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Where status changes are reported, signed with these secrets (as a v3 webhook subscription). */
  /** Added to every answer (benchmarks). */
  latencyMs = 0;

  /** Random faults on every REST call from now on, reproducible from the seed. */
  chaos?: Chaos;

  /** While set, PagerDuty's REST API is down: every call answers 503 or hangs, and nothing is done. */
  outage?: Outage;

  subscribe(url: string, secrets: string[]): void {
    this.webhook = { url, secrets };
  }

  /**
   * Who a schedule has on call from now on, first level first (GET /oncalls answers with them): a test
   * moves the shift by calling it again, as a rotation's handoff time passing would in PagerDuty.
   */
  setOnCall(scheduleId: string, ...userIds: string[]): void {
    this.schedules.set(scheduleId, userIds);
  }

  inject(...faults: PdFault[]): void {
    this.faults.push(...faults);
  }

  /** Revokes the token the bot was given: its calls are refused (401) until it is given the new one. */
  revokeToken(): void {
    this.token = `${this.token}-revoked`;
  }

  /** Takes the revoked token again (as if the operator had given the bot a working one). */
  reinstateToken(): void {
    this.token = this.token.replace(/(-revoked)+$/, '');
  }

  /** Drops the faults not yet used: the end of an outage made of many injected ones. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Creates an incident as PagerDuty would on a page; returns it (send its trigger with `send`). */
  createIncident(i: Partial<FakePdIncident> & { title: string }): FakePdIncident {
    const number = this.nextNumber++;
    const incident: FakePdIncident = {
      id: `Q${number}FAKE`,
      number,
      status: 'triggered',
      incidentKey: `key-${number}`,
      service: { id: 'PSVC001', name: 'Checkout API' },
      assignees: [],
      urgency: 'high',
      priority: null,
      createdAt: new Date().toISOString(),
      ...i,
    };
    this.incidents.set(incident.id, incident);
    return incident;
  }

  /** Sends a v3 webhook to the subscribed URL, signed; resolves with the bot's status code. */
  async send(
    body: object,
    opts: { secrets?: string[] } = {},
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    if (!this.webhook) throw new Error('fake PagerDuty: no webhook subscription');
    const raw = JSON.stringify(body);
    const res = await fetch(this.webhook.url, {
      method: 'POST',
      body: raw,
      headers: {
        'content-type': 'application/json',
        'x-pagerduty-signature': pagerDutySignatureHeader(raw, opts.secrets ?? this.webhook.secrets),
        'user-agent': 'PagerDuty-Webhook/V3.0',
      },
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** Someone acknowledges in PagerDuty: they become its assignee, and the signed webhook says who did it. */
  acknowledge(incidentId: string, userId: string, opts: { id?: string } = {}) {
    const i = this.incidents.get(incidentId);
    const user = this.users.get(userId);
    if (!i || !user) throw new Error(`fake PagerDuty: no incident ${incidentId} or user ${userId}`);
    i.status = 'acknowledged';
    i.assignees = [{ id: user.id, name: user.name }];
    return this.send(
      webhookBody('incident.acknowledged', incidentData(i), { agent: { id: user.id, name: user.name }, id: opts.id }),
    );
  }

  trigger(incident: FakePdIncident, opts: { id?: string } = {}) {
    return this.send(webhookBody('incident.triggered', incidentData(incident), { id: opts.id }));
  }

  succeeded(operation: string): PdCall[] {
    return this.calls.filter((c) => c.operation === operation && c.status >= 200 && c.status < 300);
  }

  /** Sends a webhook about an incident as PagerDuty would after a change, without waiting for the bot. */
  private tell(eventType: string, i: FakePdIncident, agent: FakePdUser | undefined): void {
    void this.send(
      webhookBody(eventType, incidentData(i), { agent: agent ? { id: agent.id, name: agent.name } : null }),
    )
      .then((r) => this.emit('webhook', r))
      .catch((error: unknown) => this.emit('webhook_error', error));
  }

  /**
   * POST /incidents: a new incident on a known service, paging its escalation policy (or the one
   * named), refused with 400 for an unknown service or policy, or while an open incident on the
   * service has the same incident_key; the trigger webhook follows, as from PagerDuty.
   */
  private createFromRequest(req: CreateRequest, from: string): [number, unknown] {
    const service = this.services.get(req.service.id);
    if (!service) return invalid('Service not found');
    const policyId = req.escalation_policy?.id ?? service.policy;
    const policy = this.policies.get(policyId);
    if (!policy) return invalid('Escalation Policy not found');
    const key = req.incident_key;
    const open = [...this.incidents.values()].find(
      (i) => key && i.incidentKey === key && i.service.id === service.id && i.status !== 'resolved',
    );
    if (open) return invalid(`Open incident with key ${JSON.stringify(key)} already exists`);
    const assignees = (policy.levels[0] ?? []).flatMap((id) => {
      const u = this.users.get(id);
      return u ? [{ id: u.id, name: u.name }] : [];
    });
    const incident = this.createIncident({
      title: req.title,
      service: { id: service.id, name: service.name },
      assignees,
      urgency: req.urgency ?? 'high',
      ...(key ? { incidentKey: key } : {}),
    });
    incident.policy = policy.id;
    incident.escalationLevel = 1;
    this.tell(
      'incident.triggered',
      incident,
      [...this.users.values()].find((u) => u.email === from),
    );
    return [201, { incident: incidentData(incident) }];
  }

  /** PUT escalation_level: assigns the level's people and sends incident.escalated; 400 past the last level. */
  private escalateTo(i: FakePdIncident, level: number, from: string): [number, unknown] {
    if (i.status === 'resolved') return invalid('Incident Already Resolved');
    const policy = this.policies.get(i.policy ?? 'PEPFAKE');
    const people = policy?.levels[level - 1];
    if (!people || level < 1) return invalid('Escalation level not found');
    i.escalationLevel = level;
    i.assignees = people.flatMap((id) => {
      const u = this.users.get(id);
      return u ? [{ id: u.id, name: u.name }] : [];
    });
    this.tell(
      'incident.escalated',
      i,
      [...this.users.values()].find((u) => u.email === from),
    );
    return [200, { incident: incidentData(i) }];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const raw = await new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => resolve(data));
    });
    const method = (req.method ?? 'GET').toLowerCase();
    const op = this.ops.find((o) => o.spec.method === method && o.pattern.test(url.pathname));
    const call: PdCall = {
      method: method.toUpperCase(),
      path: url.pathname,
      operation: op ? `${method.toUpperCase()} ${op.spec.path}` : null,
      query: Object.fromEntries(url.searchParams),
      headers: {
        from: req.headers.from as string | undefined,
        authorization: req.headers.authorization ? '[present]' : undefined,
      },
      body: raw ? safeJson(raw) : undefined,
      status: 0,
      at: Date.now(),
    };
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      this.calls.push(call);
      this.emit('call', call);
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const down = this.outage?.next();
    if (down === 'unavailable') return send(503, { error: { message: 'Service Unavailable', code: 2000 } });
    if (down === 'hang') {
      this.calls.push(call);
      return holdThenDrop(req.socket, this.outage!.holdMs);
    }
    const chaos = this.chaos?.next() ?? null;
    if (chaos?.type === 'reset_before') return void req.socket.destroy();
    if (chaos?.type === 'timeout') return void setTimeout(() => req.socket.destroy(), chaos.holdMs);
    if (chaos?.type === 'slow') await new Promise((r) => setTimeout(r, chaos.delayMs));
    if (chaos?.type === 'rate_limited')
      return send(
        429,
        { error: { message: 'Rate Limit Exceeded', code: 2020 } },
        { 'retry-after': String(chaos.retryAfter) },
      );
    if (chaos?.type === 'server_error')
      return send(chaos.status, { error: { message: 'Internal Server Error', code: 2000 } });
    const fault = this.faults.shift();
    if (fault && 'hang' in fault) return;
    const resetAfter = Boolean(fault && 'resetAfter' in fault);
    if (fault && 'status' in fault && fault.status === 429)
      return send(
        429,
        { error: { message: 'Rate Limit Exceeded', code: 2020 } },
        fault.retryAfter ? { 'retry-after': String(fault.retryAfter) } : {},
      );
    if (fault && 'status' in fault && (fault.status === 401 || fault.status === 403))
      return send(
        fault.status,
        fault.status === 401
          ? { error: { message: 'Authentication required', code: 2006 } }
          : { error: { message: 'Access Denied', code: 2010 } },
      );
    if (fault && 'status' in fault && fault.status === 400)
      return send(400, { error: { message: 'Invalid Input Provided', code: 2001, errors: [fault.message] } });
    if (fault && 'status' in fault)
      return send(fault.status, { error: { message: 'Internal Server Error', code: 2000 } });

    if (req.headers.authorization !== `Token token=${this.token}`) {
      return send(401, { error: { message: 'Authentication required', code: 2006 } });
    }
    if (!op) return send(404, { error: { message: 'Not Found', code: 2100 } });
    const problem = requestProblem(op.spec, await this.validatorOf(op), req, url, call.body);
    if (problem) {
      send(400, { error: { message: 'Invalid Input Provided', code: 2001, errors: [problem] } });
      this.rejected.push(call);
      return;
    }
    const id = decodeURIComponent(op.pattern.exec(url.pathname)?.[1] ?? '');
    const [status, body] = this.respond(
      `${method.toUpperCase()} ${op.spec.path}`,
      id,
      url,
      call.body as Record<string, unknown>,
      req.headers.from as string,
    );
    // PagerDuty acted; the answer never arrives.
    if (chaos?.type === 'reset_after' || resetAfter) return void req.socket.destroy();
    send(status, body);
  }

  private respond(
    operation: string,
    id: string,
    url: URL,
    body: Record<string, unknown>,
    from: string,
  ): [number, unknown] {
    const userJson = (u: FakePdUser) => ({
      id: u.id,
      type: 'user',
      summary: u.name,
      name: u.name,
      email: u.email,
      html_url: `https://fake.pagerduty.test/users/${u.id}`,
    });
    switch (operation) {
      case 'GET /users/{id}': {
        const u = this.users.get(id);
        return u ? [200, { user: userJson(u) }] : [404, { error: { message: 'Not Found', code: 2100 } }];
      }
      case 'GET /users/me':
        return [200, { user: { id: 'PBOTFAKE', type: 'user', name: 'incident-bot', email: 'bot@example.com' } }];
      case 'GET /abilities':
        return [200, { abilities: ['teams', 'read_only_users'] }];
      case 'GET /oncalls': {
        const schedule = url.searchParams.get('schedule_ids[]') ?? '';
        const oncalls = (this.schedules.get(schedule) ?? []).map((uid, level) => ({
          user: { id: uid, type: 'user_reference', summary: this.users.get(uid)?.name ?? uid },
          schedule: { id: schedule, type: 'schedule_reference' },
          escalation_level: level + 1,
        }));
        return [200, { oncalls, limit: 25, offset: 0, more: false, total: null }];
      }
      case 'GET /incidents': {
        const key = url.searchParams.get('incident_key');
        const found = [...this.incidents.values()].filter((i) => key === null || i.incidentKey === key);
        return [200, { incidents: found.map(incidentData), limit: 25, offset: 0, more: false, total: null }];
      }
      case 'POST /incidents':
        return this.createFromRequest(body.incident as CreateRequest, from);
      case 'GET /incidents/{id}': {
        const i = this.incidents.get(id);
        return i ? [200, { incident: incidentData(i) }] : [404, { error: { message: 'Not Found', code: 2100 } }];
      }
      case 'PUT /incidents/{id}': {
        const i = this.incidents.get(id);
        if (!i) return [404, { error: { message: 'Not Found', code: 2100 } }];
        const level = (body.incident as { escalation_level?: number }).escalation_level;
        if (level !== undefined) return this.escalateTo(i, level, from);
        const status = (body.incident as { status?: FakePdIncident['status'] }).status;
        if (status && i.status === 'resolved' && status !== 'triggered') {
          return [
            400,
            { error: { message: 'Invalid Input Provided', code: 2001, errors: ['Incident Already Resolved'] } },
          ];
        }
        if (status && status !== i.status) {
          i.status = status;
          const agent = [...this.users.values()].find((u) => u.email === from);
          void this.send(
            webhookBody(`incident.${status}`, incidentData(i), {
              agent: agent ? { id: agent.id, name: agent.name } : null,
            }),
          )
            .then((r) => this.emit('webhook', r))
            .catch((error: unknown) => this.emit('webhook_error', error));
        }
        return [200, { incident: incidentData(i) }];
      }
      case 'GET /incidents/{id}/notes':
        return [
          200,
          {
            notes: this.notes
              .filter((n) => n.incidentId === id)
              .map((n, i) => ({ id: `N${i + 1}`, content: n.content, created_at: new Date().toISOString() })),
          },
        ];
      case 'POST /incidents/{id}/notes': {
        if (!this.incidents.has(id)) return [404, { error: { message: 'Not Found', code: 2100 } }];
        const content = (body.note as { content: string }).content;
        this.notes.push({ incidentId: id, content, from });
        return [201, { note: { id: `N${this.notes.length}`, content, created_at: new Date().toISOString() } }];
      }
      default:
        return [404, { error: { message: 'Not Found', code: 2100 } }];
    }
  }
}

interface CreateRequest {
  title: string;
  service: { id: string };
  escalation_policy?: { id: string };
  incident_key?: string;
  urgency?: 'high' | 'low';
}

const invalid = (message: string): [number, unknown] => [
  400,
  { error: { message: 'Invalid Input Provided', code: 2001, errors: [message] } },
];

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return { __invalid_json: raw.slice(0, 200) };
  }
}

/** What PagerDuty's description says the request must carry: required headers and query names, a valid body. */
function requestProblem(
  spec: OperationSpec,
  validate: ValidateFunction | null,
  req: IncomingMessage,
  url: URL,
  body: unknown,
): string | undefined {
  for (const p of spec.params) {
    if (p.in === 'header' && p.required && !req.headers[p.name.toLowerCase()])
      return `missing required header ${p.name}`;
    if (p.in === 'query' && p.required && !url.searchParams.has(p.name))
      return `missing required query parameter ${p.name}`;
  }
  const knownQuery = new Set(spec.params.filter((p) => p.in === 'query').map((p) => p.name));
  for (const name of url.searchParams.keys()) if (!knownQuery.has(name)) return `unknown query parameter ${name}`;
  if (validate) {
    if (body === undefined) return 'missing request body';
    if (!validate(body))
      return `body ${validate.errors?.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`;
  } else if (body !== undefined && spec.method === 'get') {
    return 'a GET takes no body';
  }
  return undefined;
}
