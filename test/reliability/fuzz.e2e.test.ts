import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/commands/index.ts';
import { pagerDutySignatureHeader } from '../../src/pagerduty/verify-signature.ts';
import { ACTION } from '../../src/slack/summary-message.ts';
import { RUNBOOK_ACTION, RUNBOOK_VIEW } from '../../src/slack/runbook-views.ts';
import { VIEW } from '../../src/slack/views.ts';
import { ALICE, WEBHOOK_SECRET, declared, settled, useBot, type Harness } from '../helpers/test-bot.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 424242);
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const BUG = "Something went wrong on the bot's side";

/** Rows that say what the bot holds: a garbage request must change none of them. */
const counts = (h: Harness) =>
  Object.fromEntries(
    ['incidents', 'timeline_events', 'outbox', 'inbox', 'followups', 'runbook_runs'].map((t) => [
      t,
      h.bot.app.db.prepare(`SELECT count(*) FROM ${t}`).pluck().get(),
    ]),
  );

/** Slack text as a person might type it, plus everything they should not: markup, control characters, huge and odd Unicode. */
const slackishText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.constantFrom(
    '<@U0ALICE01|alice>',
    '<!channel>',
    '&lt;script&gt;',
    '--public',
    '--components x:y',
    'sev9',
    'sev1',
    '\n\n',
    '\u0000',
    '"',
    "'",
    'key=value',
    '`id`',
    '$(id)',
    '../../etc/passwd',
  ),
  fc.string({ maxLength: 5000 }),
);

describe('hostile input (property-based, seeded)', () => {
  const h = useBot({ scope: 'all', pagerduty: true });

  it('answers any slash-command text without a bug or a 5xx', async () => {
    const { channel } = await declared(h, 'Fuzz target sev3');
    await settled(h.bot.app);
    const verbs = fc.constantFrom(
      ...Object.keys(COMMANDS).filter((v) => !['declare', 'resolve', 'reopen', 'sev', 'role'].includes(v)),
      'runbook run',
      'nope',
      '',
    );
    await fc.assert(
      fc.asyncProperty(verbs, slackishText, fc.constantFrom(channel, 'C0GENERAL'), async (verb, text, where) => {
        const res = await h.bot.command(`${verb} ${text}`.slice(0, 8000), { channel: where });
        expect(res.status).toBe(200);
        const reply = typeof res.body === 'string' ? res.body : (res.body.text ?? '');
        expect(reply).not.toContain(BUG);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('answers garbage button clicks and form submissions without a 5xx, and changes nothing', async () => {
    const { channel } = await declared(h, 'Fuzz buttons sev3');
    await settled(h.bot.app);
    const before = counts(h);
    const actions = fc.constantFrom(
      ...Object.values(ACTION).filter((a) => a !== ACTION.resolve && a !== ACTION.ack),
      ...Object.values(RUNBOOK_ACTION),
      'unknown_action',
    );
    await fc.assert(
      fc.asyncProperty(actions, slackishText, async (actionId, value) => {
        const res = await h.bot.click(actionId, value, { user: ALICE.id, channel });
        expect(res.status).toBeLessThan(500);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    const views = fc.constantFrom(VIEW.update, VIEW.preview, RUNBOOK_VIEW, 'unknown_view');
    const values = fc.dictionary(
      fc.string({ maxLength: 20 }),
      fc.dictionary(
        fc.string({ maxLength: 10 }),
        fc.record({ type: fc.constant('plain_text_input'), value: slackishText }),
      ),
      { maxKeys: 4 },
    );
    await fc.assert(
      fc.asyncProperty(views, values, slackishText, async (callbackId, v, meta) => {
        const res = await h.bot.submit(callbackId, v as never, { user: ALICE.id, privateMetadata: meta });
        expect(res.status).toBeLessThan(500);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    await settled(h.bot.app);
    expect(counts(h)).toEqual(before);
  });

  it('refuses signed webhook garbage with a 4xx (or ignores it with a 2xx) and keeps no partial state', async () => {
    const before = counts(h);
    const body = fc.oneof(
      fc.json({ maxDepth: 4 }),
      fc.string({ maxLength: 2000 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) =>
        JSON.stringify({
          event: {
            id: 'E1',
            event_type: 'incident.triggered',
            resource_type: 'incident',
            occurred_at: 'soon',
            data: v,
          },
        }),
      ),
      fc
        .record({
          event: fc.record({
            id: fc.string(),
            event_type: fc.constantFrom('incident.triggered', 'incident.resolved', 'pagey.thing'),
            resource_type: fc.string(),
            occurred_at: fc.string(),
            data: fc.object(),
          }),
        })
        .map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(body, async (raw) => {
        const res = await h.bot.post('/webhooks/pagerduty', raw, {
          'content-type': 'application/json',
          'x-pagerduty-signature': pagerDutySignatureHeader(raw, [WEBHOOK_SECRET]),
        });
        expect(res.status).toBeLessThan(500);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // Nothing changed: not even the inbox remembers a request it could not use.
    expect(counts(h)).toEqual(before);
  });

  it('refuses a captured, correctly signed Slack request replayed five minutes later', async () => {
    const old = Math.floor(Date.now() / 1000) - 5 * 60 - 1;
    const res = await h.bot.command('declare Replayed sev1', { timestamp: old });
    expect(res.status).toBe(401);
    const fresh = await h.bot.command('list', { timestamp: Math.floor(Date.now() / 1000) - 60 });
    expect(fresh.status).toBe(200);
  });
});
