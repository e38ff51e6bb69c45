import { EventEmitter } from 'node:events';
import type { Chaos } from '../chaos.ts';
import { holdThenDrop, type Outage } from '../outage.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { METHODS, type Args } from './methods.ts';
import { EventDelivery, type SentEvent } from './event-delivery.ts';
import { FakeSocketMode } from './socket-mode.ts';
import { manifestBotEvents, manifestBotScopes, mayReceive, missingScope } from './scopes.ts';
import { loadMethodSpecs, type MethodSpec } from './spec.ts';
import { FakeWorkspace, type FakeUser, type SlackEvent } from './state.ts';

/** A fault to inject into the next call(s) of a method. */
export type Fault =
  | { status: 429; retryAfter: number }
  | { status: 500 | 502 | 503 }
  | { error: string }
  /** Hold the request and never answer; Slack never acts on it. */
  | { hang: true }
  | { delayMs: number }
  /** Slack acts, and the answer never arrives (the connection is reset): the outcome a retry must not duplicate. */
  | { dropAnswer: true };

export interface RecordedCall {
  method: string;
  args: Args;
  ok: boolean;
  error?: string;
  status: number;
  at: number;
}

export interface FakeSlackOptions {
  token?: string;
  users?: FakeUser[];
  /** The bot token's scopes; by default those the repository's slack-app-manifest.yaml asks for. */
  scopes?: string[];
  /** An app-level token (xapp-…): Socket Mode is on, `apps.connections.open` answers to it. */
  appToken?: string;
  /** The events the app subscribes to; by default the manifest's `bot_events`. */
  botEvents?: string[];
}

/**
 * A Slack Web API on 127.0.0.1 for tests and the sandbox: Slack's paths, auth, argument rules
 * (from Slack's own API description), response shapes and errors; records every call and can
 * inject 429s with Retry-After, 5xx, errors, delays and hangs.
 */
export class FakeSlack extends EventEmitter {
  readonly ws: FakeWorkspace;
  readonly calls: RecordedCall[] = [];
  /** Calls refused for not matching Slack's API description: a bug in the caller. */
  readonly rejected: RecordedCall[] = [];
  readonly token: string;
  /** What the app was granted at install: a call needing anything else is refused as `missing_scope`. */
  readonly scopes: ReadonlySet<string>;
  /** Present with `appToken`: Slack's Socket Mode on this port. */
  readonly socketMode?: FakeSocketMode;
  /** The events the app subscribed to: Slack sends it no other. */
  readonly botEvents: ReadonlySet<string>;
  /**
   * The Events API: what happens in the workspace (a member joins an incident channel) reaches the
   * app over Socket Mode, or at `events.requestUrl` once the app's Request URL is set.
   */
  readonly events: EventDelivery;
  private readonly specs: Record<string, MethodSpec> = loadMethodSpecs();
  private readonly faults = new Map<string, Fault[]>();
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  url = '';

  constructor(opts: FakeSlackOptions = {}) {
    super();
    this.token = opts.token ?? 'xoxb-fake-token';
    this.ws = new FakeWorkspace(opts.users);
    this.scopes = new Set(opts.scopes ?? manifestBotScopes());
    if (opts.appToken) this.socketMode = new FakeSocketMode(opts.appToken);
    this.botEvents = new Set(opts.botEvents ?? manifestBotEvents());
    this.events = new EventDelivery(this.socketMode, (sent) => this.emit('event', sent));
    this.ws.onEvent = (event) => this.publish(event);
  }

  /**
   * Sends an event the way Slack decides whether to: only if the app subscribed to it, and, for an
   * event about a channel, only if the bot is in that channel and holds the scope its kind needs.
   */
  private publish(event: SlackEvent): void {
    if (!this.botEvents.has(event.type)) return;
    const channel = event.channel === undefined ? undefined : this.ws.channels.get(event.channel);
    if (channel && !channel.members.has(this.ws.bot.id)) return;
    if (channel && !mayReceive(event.type, channel.is_private, this.scopes)) return;
    this.events.send(event);
  }

  /** Resolves once an event matching `predicate` has been sent and answered (or is already). */
  eventSettled(predicate: (e: SentEvent) => boolean, timeoutMs = 10_000): Promise<SentEvent> {
    const done = (e: SentEvent) => e.status !== undefined && predicate(e);
    const found = this.events.sent.find(done);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('event', listener);
        reject(new Error(`fake Slack: no matching event answered within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (e: SentEvent) => {
        if (!done(e)) return;
        clearTimeout(timer);
        this.off('event', listener);
        resolve(e);
      };
      this.on('event', listener);
    });
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket) =>
      this.socketMode ? this.socketMode.accept(req, socket) : socket.destroy(),
    );
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
    return this;
  }

  async stop(): Promise<void> {
    this.events.stop();
    this.socketMode?.closeAll();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * Slack's published per-method limits (calls per minute), enforced over a window shortened by
   * `scale` (×60: a minute's allowance per second), answering 429 with Retry-After as Slack does.
   */
  tiers?: { scale: number; perMinute: Record<string, number> };
  private readonly windows = new Map<string, number[]>();

  /** Seconds to wait when `method` is over its limit now, or null. */
  private rateLimit(method: string): number | null {
    const limit = this.tiers?.perMinute[method];
    if (!this.tiers || limit === undefined) return null;
    const windowMs = 60_000 / this.tiers.scale;
    const now = Date.now();
    const recent = (this.windows.get(method) ?? []).filter((t) => now - t < windowMs);
    if (recent.length >= limit) {
      this.windows.set(method, recent);
      return Math.max(1, Math.ceil((windowMs - (now - recent[0]!)) / 1000));
    }
    recent.push(now);
    this.windows.set(method, recent);
    return null;
  }

  /** Added to every answer (benchmarks: Slack is not next door). */
  latencyMs = 0;

  /** Where `/app_redirect?channel=…` sends people (the sandbox's page); 404 when unset. */
  clientUrl?: string;

  /** Random faults on every Web API call from now on (auth.test excepted), reproducible from the seed. */
  chaos?: Chaos;

  /** While set, Slack is down: every call (auth.test too) answers 503 or hangs, and nothing is done. */
  outage?: Outage;

  /**
   * Queues faults for a method's next calls, in order ('*' for any method; `method@C…` for its next
   * calls about one channel only).
   */
  inject(method: string, ...faults: Fault[]): void {
    this.faults.set(method, [...(this.faults.get(method) ?? []), ...faults]);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Successful calls of a method. */
  succeeded(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && c.ok);
  }

  /** Resolves once a call matching `predicate` has been recorded (or is already). */
  waitFor(predicate: (c: RecordedCall) => boolean, timeoutMs = 10_000): Promise<RecordedCall> {
    const found = this.calls.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('call', listener);
        reject(new Error(`fake Slack: no matching call within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (c: RecordedCall) => {
        if (!predicate(c)) return;
        clearTimeout(timer);
        this.off('call', listener);
        resolve(c);
      };
      this.on('call', listener);
    });
  }

  private takeFault(method: string, args: Args): Fault | undefined {
    const about = typeof args.channel === 'string' ? [`${method}@${args.channel}`] : [];
    for (const key of [...about, method, '*']) {
      const queue = this.faults.get(key);
      if (queue && queue.length > 0) return queue.shift();
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = decodeURIComponent((req.url ?? '').split('?')[0]!.replace(/^\/api\//, ''));
    const raw = await readBody(req);
    const upload = /^\/upload\/(F\w+)$/.exec((req.url ?? '').split('?')[0]!);
    if (upload) {
      // Step two of files.uploadV2: the bytes go to the URL getUploadURLExternal gave out.
      const file = this.ws.files.get(upload[1]!);
      if (!file) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      // A sender killed mid-upload leaves a cut form: refused, as Slack refuses it, and the file keeps nothing.
      const content = await uploadedContent(raw, req.headers['content-type'] ?? '').catch(() => undefined);
      if (content === undefined) return void res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request');
      file.content = content;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`OK - ${raw.length}`);
      return;
    }
    if ((req.url ?? '').startsWith('/app_redirect?')) {
      // Slack's link to a channel; the sandbox sends it on to its own client.
      const channel = new URL(req.url!, 'http://x').searchParams.get('channel') ?? '';
      if (!this.clientUrl || !this.ws.channels.has(channel))
        return void res.writeHead(404, { 'content-type': 'text/plain' }).end('channel_not_found');
      return void res.writeHead(302, { location: `${this.clientUrl}#${channel}` }).end();
    }
    const args = parseArgs(raw, req.headers['content-type'] ?? '', req.url ?? '');
    // Calls are recorded when answered; a test that must act while a call is in flight listens here.
    this.emit('request', method, args);
    const send = (status: number, body: Record<string, unknown> & { ok: boolean; error?: string }, headers = {}) => {
      const call: RecordedCall = { method, args, ok: body.ok, error: body.error, status, at: Date.now() };
      this.calls.push(call);
      this.emit('call', call);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };

    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const down = this.outage?.next();
    if (down === 'unavailable') return send(503, { ok: false, error: 'service_unavailable' });
    if (down === 'hang') {
      this.calls.push({ method, args, ok: false, error: 'no_answer', status: 0, at: Date.now() });
      return holdThenDrop(req.socket, this.outage!.holdMs);
    }
    const limited = this.rateLimit(method);
    if (limited !== null) {
      const call: RecordedCall = { method, args: {}, ok: false, error: 'ratelimited', status: 429, at: Date.now() };
      this.calls.push(call);
      res.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(limited) });
      return void res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
    }
    const chaos = method === 'auth.test' ? null : (this.chaos?.next() ?? null);
    if (chaos?.type === 'reset_before') return void req.socket.destroy();
    if (chaos?.type === 'timeout') return void setTimeout(() => req.socket.destroy(), chaos.holdMs);
    if (chaos?.type === 'slow') await new Promise((r) => setTimeout(r, chaos.delayMs));
    if (chaos?.type === 'rate_limited')
      return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(chaos.retryAfter) });
    if (chaos?.type === 'server_error') return send(chaos.status, { ok: false, error: 'fatal_error' });

    const fault = this.takeFault(method, args);
    if (fault && 'hang' in fault) {
      this.emit('hang', method, args); // the socket is destroyed by stop() or by the client
      return;
    }
    if (fault && 'delayMs' in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault && 'status' in fault) {
      if (fault.status === 429) {
        return send(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfter) });
      }
      return send(fault.status, { ok: false, error: 'fatal_error' });
    }

    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? (args.token as string | undefined);
    if (!token) return send(200, { ok: false, error: 'not_authed' });
    if (method === 'apps.connections.open') return send(200, this.connectionsOpen(token));
    // Only apps.connections.open takes an app-level token.
    if (token === this.socketMode?.appToken) return send(200, { ok: false, error: 'not_allowed_token_type' });
    if (token !== this.token) return send(200, { ok: false, error: 'invalid_auth' });
    delete args.token;

    const spec = this.specs[method];
    const impl = METHODS[method];
    if (!spec || !impl) return send(200, { ok: false, error: 'unknown_method' });
    const problem = argumentProblem(spec, args);
    if (problem) {
      send(200, { ok: false, error: 'invalid_arguments', response_metadata: { messages: [`[ERROR] ${problem}`] } });
      this.rejected.push(this.calls.at(-1)!);
      return;
    }
    const needed = missingScope(method, args, this.ws, this.scopes);
    if (needed) {
      return send(200, { ok: false, error: 'missing_scope', needed, provided: [...this.scopes].join(',') });
    }
    if (fault && 'error' in fault) return send(200, { ok: false, error: fault.error });
    const outcome = impl(this.ws, args);
    // Slack acted; the answer never arrives.
    if (fault && 'dropAnswer' in fault) {
      this.calls.push({ method, args, ok: false, error: 'answer_dropped', status: 0, at: Date.now() });
      return void req.socket.destroy();
    }
    if (chaos?.type === 'reset_after') return void req.socket.destroy();
    if (!outcome.ok) return send(200, { ok: false, error: outcome.error });
    const body = JSON.parse(
      JSON.stringify(outcome.body).replace(/UPLOAD_BASE/g, this.url.replace(/\/api\/$/, '/upload')),
    );
    send(200, { ok: true, ...body });
  }

  private connectionsOpen(token: string): { ok: boolean; error?: string; url?: string } {
    if (!this.socketMode) return { ok: false, error: token === this.token ? 'not_allowed_token_type' : 'invalid_auth' };
    if (token !== this.socketMode.appToken) {
      return { ok: false, error: token === this.token ? 'not_allowed_token_type' : 'invalid_auth' };
    }
    return { ok: true, url: this.socketMode.open(this.url) };
  }
}

function argumentProblem(spec: MethodSpec, args: Args): string | undefined {
  for (const name of Object.keys(args)) {
    if (!spec.params.includes(name)) return `unexpected argument: ${name}`;
  }
  for (const name of spec.required) {
    if (args[name] === undefined || args[name] === '') return `missing required argument: ${name}`;
  }
  return undefined;
}

/** The upload URL takes the bytes either raw or as a multipart form (the Node SDK sends a form). */
async function uploadedContent(raw: string, contentType: string): Promise<string> {
  if (!contentType.startsWith('multipart/form-data')) return raw;
  const form = await new Request('http://upload.invalid/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: raw,
  }).formData();
  for (const value of form.values()) if (typeof value !== 'string') return value.text();
  return '';
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

function parseArgs(raw: string, contentType: string, url: string): Args {
  const args: Args = Object.fromEntries(new URL(url, 'http://x').searchParams);
  if (contentType.includes('application/json') && raw) {
    try {
      Object.assign(args, JSON.parse(raw));
    } catch {
      args.__invalid_json = true;
    }
  } else if (raw) {
    Object.assign(args, Object.fromEntries(new URLSearchParams(raw)));
  }
  return args;
}
