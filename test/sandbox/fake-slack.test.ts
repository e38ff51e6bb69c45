import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { USED_METHODS, extractMethods } from '../../src/sandbox/fake-slack/spec.ts';
import { ALICE } from '../helpers/test-bot.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/vendor/slack/web-api-openapi-v2.json', import.meta.url));

describe('the fake Slack Web API', () => {
  let slack: FakeSlack;
  beforeEach(async () => {
    slack = await new FakeSlack({ users: [ALICE] }).start();
  });
  afterEach(() => slack.stop());

  const call = async (method: string, args: Record<string, string>, token = slack.token) => {
    const res = await fetch(`${slack.url}${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(args).toString(),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };

  it("validates calls against an extract that matches Slack's published API description", () => {
    const spec = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    const committed = JSON.parse(
      readFileSync(
        fileURLToPath(new URL('../../src/sandbox/fake-slack/web-api-methods.json', import.meta.url)),
        'utf8',
      ),
    );
    expect(committed).toEqual(extractMethods(spec, USED_METHODS));
  });

  it('refuses an unknown method, an unexpected argument and a missing required one', async () => {
    expect((await call('chat.postMessag', { channel: 'C1' })).body).toEqual({ ok: false, error: 'unknown_method' });
    const extra = await call('pins.add', { channel: 'C1', timestamp: '1.0', colour: 'red' });
    expect(extra.body).toMatchObject({
      ok: false,
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] unexpected argument: colour'] },
    });
    const missing = await call('chat.postMessage', { text: 'hi' });
    expect(missing.body).toMatchObject({
      ok: false,
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] missing required argument: channel'] },
    });
    expect(slack.rejected.map((c) => c.method)).toEqual(['pins.add', 'chat.postMessage']);
  });

  it('refuses an upload whose form was cut short (a sender killed mid-upload) with 400, keeping nothing', async () => {
    const { body } = await call('files.getUploadURLExternal', { filename: 'report.md', length: '5' });
    const form = new FormData();
    form.append('file', new Blob(['hello']), 'report.md');
    const whole = new Request('http://x/', { method: 'POST', body: form });
    const contentType = whole.headers.get('content-type')!;
    const bytes = await whole.text();
    const cut = await fetch(String(body.upload_url), {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: bytes.slice(0, bytes.length / 2),
    });
    expect(cut.status).toBe(400);
    expect(slack.ws.files.get(String(body.file_id))?.content).toBeUndefined();
    const sent = await fetch(String(body.upload_url), {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: bytes,
    });
    expect(sent.status).toBe(200);
    expect(slack.ws.files.get(String(body.file_id))?.content).toBe('hello');
  });

  it('answers a bad token with invalid_auth and none with not_authed', async () => {
    expect((await call('auth.test', {}, 'xoxb-wrong')).body).toEqual({ ok: false, error: 'invalid_auth' });
    const res = await fetch(`${slack.url}auth.test`, { method: 'POST' });
    expect(await res.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it("speaks Slack's errors for channels: name_taken, illegal names, channel_not_found", async () => {
    expect((await call('conversations.create', { name: 'inc-a' })).body).toMatchObject({
      ok: true,
      channel: { name: 'inc-a' },
    });
    expect((await call('conversations.create', { name: 'inc-a' })).body).toEqual({ ok: false, error: 'name_taken' });
    expect((await call('conversations.create', { name: 'Inc A' })).body).toEqual({
      ok: false,
      error: 'invalid_name_specials',
    });
    expect((await call('conversations.create', { name: 'a'.repeat(81) })).body).toEqual({
      ok: false,
      error: 'invalid_name_maxlength',
    });
    expect((await call('chat.postMessage', { channel: 'C404', text: 'x' })).body).toEqual({
      ok: false,
      error: 'channel_not_found',
    });
  });

  it('refuses Block Kit that Slack would refuse', async () => {
    const { body } = await call('conversations.create', { name: 'inc-b' });
    const channel = (body.channel as { id: string }).id;
    const header = [{ type: 'header', text: { type: 'plain_text', text: 'x'.repeat(151) } }];
    expect((await call('chat.postMessage', { channel, blocks: JSON.stringify(header) })).body).toEqual({
      ok: false,
      error: 'invalid_blocks',
    });
    expect((await call('chat.postMessage', { channel, blocks: '[{"type":"bogus"}]' })).body).toEqual({
      ok: false,
      error: 'invalid_blocks',
    });
  });

  it('answers conversations.replies with the parent, then its replies oldest first; thread_not_found otherwise', async () => {
    const { body } = await call('conversations.create', { name: 'inc-c' });
    const channel = (body.channel as { id: string }).id;
    const parent = (await call('chat.postMessage', { channel, text: 'summary' })).body.ts as string;
    await call('chat.postMessage', { channel, text: 'elsewhere' });
    await call('chat.postMessage', { channel, text: 'first', thread_ts: parent });
    await call('chat.postMessage', { channel, text: 'second', thread_ts: parent });
    const thread = (await call('conversations.replies', { channel, ts: parent })).body;
    expect((thread.messages as { text: string }[]).map((m) => m.text)).toEqual(['summary', 'first', 'second']);
    expect((await call('conversations.replies', { channel, ts: '1.000001' })).body).toEqual({
      ok: false,
      error: 'thread_not_found',
    });
  });

  it('injects a 429 with Retry-After, then answers normally', async () => {
    slack.inject('auth.test', { status: 429, retryAfter: 7 });
    const limited = await call('auth.test', {});
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body).toEqual({ ok: false, error: 'ratelimited' });
    expect((await call('auth.test', {})).body).toMatchObject({ ok: true, user_id: 'U0BOT0001' });
  });
});
