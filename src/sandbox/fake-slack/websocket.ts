import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** RFC 6455's GUID, hashed with the client's key to prove the server speaks WebSocket. */
const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Slack's frames are small; anything larger is refused (1009, message too big). */
const MAX_MESSAGE_BYTES = 1024 * 1024;

const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/**
 * The server end of one WebSocket (RFC 6455), enough for Slack's Socket Mode: text messages,
 * ping/pong, the close handshake. Client frames must be masked, as the RFC requires.
 * Emits 'message' (text), 'close'.
 */
export class WebSocketConnection extends EventEmitter {
  private buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closed = false;

  constructor(private readonly socket: Duplex) {
    super();
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.finish());
    socket.on('error', () => this.finish());
  }

  get open(): boolean {
    return !this.closed;
  }

  send(text: string): void {
    if (!this.closed) this.socket.write(frame(OP.text, Buffer.from(text, 'utf8')));
  }

  /** Starts the close handshake; the peer answers with its own close frame. */
  close(code = 1000): void {
    if (this.closed) return;
    const body = Buffer.alloc(2);
    body.writeUInt16BE(code);
    this.socket.write(frame(OP.close, body));
    // A peer that never answers is cut off.
    setTimeout(() => this.terminate(), 1000).unref();
  }

  /** Cuts the connection with no close frame: a network failure. */
  terminate(): void {
    this.socket.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const parsed = parseFrame(this.buffer);
      if (parsed === 'incomplete') return;
      if (parsed === 'invalid') return this.fail(1002);
      if (parsed === 'too_big') return this.fail(1009);
      this.buffer = this.buffer.subarray(parsed.consumed);
      this.handle(parsed.fin, parsed.opcode, parsed.payload);
      if (this.closed) return;
    }
  }

  private handle(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === OP.ping) return void this.socket.write(frame(OP.pong, payload));
    if (opcode === OP.pong) return;
    if (opcode === OP.close) {
      if (!this.closed) this.socket.end(frame(OP.close, payload.subarray(0, 2)));
      return this.finish();
    }
    if (opcode !== OP.continuation && opcode !== OP.text && opcode !== OP.binary) return this.fail(1002);
    this.fragments.push(payload);
    if (this.fragments.reduce((n, f) => n + f.length, 0) > MAX_MESSAGE_BYTES) return this.fail(1009);
    if (!fin) return;
    const message = Buffer.concat(this.fragments);
    this.fragments = [];
    this.emit('message', message.toString('utf8'));
  }

  private fail(code: number): void {
    this.close(code);
    this.finish();
  }
}

/** Answers an HTTP upgrade request with the WebSocket handshake; undefined if it is not one. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex): WebSocketConnection | undefined {
  const key = req.headers['sec-websocket-key'];
  if (req.headers.upgrade?.toLowerCase() !== 'websocket' || typeof key !== 'string') return undefined;
  const accept = createHash('sha1')
    .update(key + HANDSHAKE_GUID)
    .digest('base64');
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  return new WebSocketConnection(socket);
}

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = 0x80 | opcode;
  if (len < 126) head[1] = len;
  else if (len < 65536) {
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

type Parsed =
  { fin: boolean; opcode: number; payload: Buffer; consumed: number } | 'incomplete' | 'invalid' | 'too_big';

function parseFrame(buf: Buffer): Parsed {
  if (buf.length < 2) return 'incomplete';
  const fin = (buf[0]! & 0x80) !== 0;
  const opcode = buf[0]! & 0x0f;
  if ((buf[1]! & 0x80) === 0) return 'invalid'; // a client's frames are always masked
  let len = buf[1]! & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return 'incomplete';
    len = buf.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (buf.length < 10) return 'incomplete';
    const big = buf.readBigUInt64BE(2);
    if (big > BigInt(MAX_MESSAGE_BYTES)) return 'too_big';
    len = Number(big);
    offset = 10;
  }
  if (len > MAX_MESSAGE_BYTES) return 'too_big';
  if (buf.length < offset + 4 + len) return 'incomplete';
  const mask = buf.subarray(offset, offset + 4);
  const payload = Buffer.from(buf.subarray(offset + 4, offset + 4 + len));
  for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ mask[i % 4]!;
  return { fin, opcode, payload, consumed: offset + 4 + len };
}
