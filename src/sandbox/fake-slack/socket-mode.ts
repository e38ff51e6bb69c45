import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { acceptWebSocket, type WebSocketConnection } from './websocket.ts';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

/** What Slack sends over a Socket Mode connection for each request it would otherwise POST. */
export interface Envelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt: number;
  retry_reason: string;
}

/** Why Slack asks the app to reconnect: a refresh now, a warning before one, or the app was turned off. */
export type DisconnectReason = 'refresh_requested' | 'warning' | 'link_disabled';

interface Pending {
  envelope: Envelope;
  resolve: (payload: Record<string, unknown>) => void;
  /** Test hook: the app's next ack for it is dropped on the way, as when the link breaks right then. */
  loseAck: boolean;
}

/**
 * Slack's Socket Mode, on the fake Slack's port: `apps.connections.open` (with the app-level token)
 * hands out a one-time `ws://` URL; the connection gets `hello`, then envelopes, which the app
 * acknowledges by `envelope_id`. An envelope not acknowledged when a connection ends is sent again
 * (same `envelope_id`, `retry_attempt` + 1) on the next connection, as Slack does, so an app must
 * not act on one twice. `disconnect` messages ask the app to reconnect.
 */
export class FakeSocketMode extends EventEmitter {
  /** Every envelope sent, redeliveries included, in order. */
  readonly sent: Envelope[] = [];
  /** Acknowledgements received: envelope id and the response payload. */
  readonly acks: { envelope_id: string; payload: Record<string, unknown> }[] = [];
  /** How many connections have said hello. */
  connections = 0;
  private readonly tickets = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private current?: WebSocketConnection;

  constructor(readonly appToken: string) {
    super();
  }

  /** `apps.connections.open`: a URL that admits one connection. */
  open(base: string): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `${base.replace(/^http/, 'ws').replace(/\/api\/$/, '')}/link/?ticket=${ticket}&app_id=A0FAKE001`;
  }

  /** An HTTP upgrade on the fake's port: a Socket Mode link when its ticket is one we gave out. */
  accept(req: IncomingMessage, socket: Duplex): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== '/link/' || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    const conn = acceptWebSocket(req, socket);
    if (!conn) return void socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    // Slack keeps one link per app here: a new one replaces the old.
    this.current = conn;
    conn.on('message', (text: string) => this.received(conn, text));
    conn.on('close', () => {
      if (this.current === conn) this.current = undefined;
      this.emit('closed');
    });
    this.connections += 1;
    conn.send(
      JSON.stringify({
        type: 'hello',
        num_connections: 1,
        debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: 'A0FAKE001' },
      }),
    );
    this.emit('hello', this.connections);
    // Whatever was not acknowledged goes again.
    for (const p of this.pending.values()) this.send(p.envelope, true);
  }

  /** Whether a link is up now. */
  get connected(): boolean {
    return this.current?.open ?? false;
  }

  /**
   * Sends an envelope (now, or on the next connection if none is up); resolves with the app's
   * acknowledgement payload.
   */
  deliver(
    type: EnvelopeType,
    payload: Record<string, unknown>,
    opts: { loseAck?: boolean } = {},
  ): { envelopeId: string; acked: Promise<Record<string, unknown>> } {
    const envelope: Envelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      accepts_response_payload: type !== 'events_api',
      retry_attempt: 0,
      retry_reason: '',
    };
    const acked = new Promise<Record<string, unknown>>((resolve) => {
      this.pending.set(envelope.envelope_id, { envelope, resolve, loseAck: opts.loseAck ?? false });
    });
    this.send(envelope, false);
    return { envelopeId: envelope.envelope_id, acked };
  }

  /** Slack's `disconnect` message on the current link; the app is expected to reconnect. */
  disconnect(reason: DisconnectReason): void {
    this.current?.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake' } }));
  }

  /** Cuts the current link without a word, as a network failure would. */
  drop(): void {
    this.current?.terminate();
  }

  /** Resolves once `n` connections in all have said hello. */
  waitForConnections(n: number, timeoutMs = 20_000): Promise<void> {
    if (this.connections >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('hello', listener);
        reject(new Error(`fake Socket Mode: ${this.connections} of ${n} connections within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (count: number) => {
        if (count < n) return;
        clearTimeout(timer);
        this.off('hello', listener);
        resolve();
      };
      this.on('hello', listener);
    });
  }

  /** Ends every link (the fake is stopping). */
  closeAll(): void {
    this.current?.terminate();
  }

  private send(envelope: Envelope, retry: boolean): void {
    if (!this.current?.open) return;
    if (retry) {
      envelope.retry_attempt += 1;
      envelope.retry_reason = 'timeout';
    }
    this.sent.push({ ...envelope });
    this.current.send(JSON.stringify(envelope));
  }

  private received(conn: WebSocketConnection, text: string): void {
    let message: { envelope_id?: unknown; payload?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return conn.close(1003);
    }
    if (typeof message.envelope_id !== 'string') return;
    const pending = this.pending.get(message.envelope_id);
    if (!pending) return;
    if (pending.loseAck) {
      pending.loseAck = false;
      return;
    }
    this.pending.delete(message.envelope_id);
    const payload = (message.payload ?? {}) as Record<string, unknown>;
    this.acks.push({ envelope_id: message.envelope_id, payload });
    pending.resolve(payload);
  }
}
