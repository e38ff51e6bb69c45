import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { manifestBotScopes, scopesFor } from '../../src/sandbox/fake-slack/scopes.ts';
import { loadMethodSpecs } from '../../src/sandbox/fake-slack/spec.ts';
import { ALICE, BOB, eventually, startTestBot, tempDir, type TestBot } from '../helpers/test-bot.ts';

/** Scopes events and features need, besides the Web API methods the bot calls. */
const FEATURE_SCOPES: Record<string, string> = {
  commands: 'the /incident command and the shortcuts',
  'pins:read': 'pin_added / pin_removed events',
  'reactions:read': 'reaction_added / reaction_removed events',
};

describe('scopes, as Slack enforces them', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("grants the fake Slack exactly the repository manifest's bot scopes", async () => {
    const slack = await new FakeSlack({ users: [ALICE] }).start();
    cleanups.push(() => slack.stop());
    expect([...slack.scopes].sort()).toEqual(manifestBotScopes().sort());
    expect(slack.scopes.has('chat:write')).toBe(true);
  });

  it('answers missing_scope with needed and provided for a method whose scope was not granted', async () => {
    const slack = await new FakeSlack({ users: [ALICE], scopes: ['chat:write', 'channels:manage'] }).start();
    cleanups.push(() => slack.stop());
    const client = new webApi.WebClient(slack.token, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    const channel = (await client.conversations.create({ name: 'inc-scopes' })).channel!.id!;
    await expect(client.pins.add({ channel, timestamp: '1.0' })).rejects.toMatchObject({
      data: { ok: false, error: 'missing_scope', needed: 'pins:write', provided: 'chat:write,channels:manage' },
    });
    // A private channel needs groups:write, not channels:manage.
    await expect(client.conversations.create({ name: 'inc-secret', is_private: true })).rejects.toMatchObject({
      data: { error: 'missing_scope', needed: 'groups:write' },
    });
    await expect(client.conversations.list({ types: 'public_channel,private_channel' })).rejects.toMatchObject({
      data: { error: 'missing_scope', needed: 'channels:read' },
    });
    // No scope is needed to ask who the bot is.
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
    expect(slack.ws.channels.size).toBe(1);
  });

  it('asks for no scope that no method the bot calls or feature it has needs (least privilege)', () => {
    const justified = new Set([
      ...Object.keys(loadMethodSpecs()).flatMap((m) => scopesFor(m)),
      ...Object.keys(FEATURE_SCOPES),
    ]);
    expect(manifestBotScopes().filter((s) => !justified.has(s))).toEqual([]);
    expect(manifestBotScopes()).not.toContain('channels:join');
  });

  it('a manifest without a scope the bot needs: Slack refuses, and the bot names the scope to grant', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const manifest = join(tmp.dir, 'manifest.yaml');
    writeFileSync(
      manifest,
      'oauth_config:\n  scopes:\n    bot:\n' +
        manifestBotScopes()
          .filter((s) => s !== 'pins:write')
          .map((s) => `      - ${s}\n`)
          .join(''),
    );
    const slack = await new FakeSlack({ users: [ALICE, BOB], scopes: manifestBotScopes(manifest) }).start();
    cleanups.push(() => slack.stop());
    const bot: TestBot = await startTestBot(slack, join(tmp.dir, 'bot.db'));
    cleanups.push(() => bot.app.stop(0));

    await bot.command('declare Checkout is down sev2');
    const refused = await slack.waitFor((c) => c.method === 'pins.add' && !c.ok);
    expect(refused.error).toBe('missing_scope');
    const dead = await eventually(
      () =>
        bot.app.outbox.undelivered({ deadOnly: true, limit: 10 }).rows.find((r) => r.kind === 'channel.pin_summary'),
      10_000,
      'the pin effect dead',
    );
    expect(dead.lastError).toContain('lacks the scope pins:write');
    expect(dead.lastError).toContain('outbox retry --all-dead');
    // Everything else of the room still happened.
    expect(slack.succeeded('chat.postMessage').length).toBeGreaterThan(0);
  });
});
