import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNBOOK_ACTION, RUNBOOK_VIEW } from '../../src/slack/runbook-views.ts';
import { ALICE, BOB, declared, eventually, settled, useBot, type Harness } from '../helpers/test-bot.ts';
import { draftReport } from '../../src/postmortem/draft.ts';
import { draftDeps } from '../helpers/report.ts';
import { FIXTURES, awaitingApproval, echoed, finished, runIdOf, runs } from './helpers.ts';

const processEnv: Record<string, string> = { HOME: '/home/oncall', PROBE_TOKEN: 'probe-secret-token-123' };
const texts = (h: Harness, channel: string) => h.slack.ws.channelMessages(channel).map((m) => m.text);
const ephemerals = (h: Harness, user: string) =>
  h.slack.ws.ephemerals.filter((e) => e.user === user).map((e) => e.text);
const replyText = (r: { body: unknown }) => (r.body as { text: string }).text;

describe('a step that needs approval', () => {
  const h = useBot({ settings: `comms:\n  rotation: [${BOB.id}]\nrunbooks:\n  dir: ${FIXTURES}\n`, processEnv });

  it('waits for someone other than the requester, then runs the rest', async () => {
    const { channel } = await declared(h, 'Primary down sev1'); // alice commands, bob is comms lead
    const runId = runIdOf(await h.bot.command('runbook run restart-db replica=db-2', { channel }));
    const waiting = await awaitingApproval(h, runId);
    expect(waiting.nextStep).toBe(1);
    expect(
      runs(h)
        .steps(runId)
        .map((s) => [s.name, s.status]),
    ).toEqual([['check', 'succeeded']]);
    const ask = await eventually(() =>
      h.slack.ws.channelMessages(channel).find((m) => m.text.startsWith(':raised_hand: Step *2. restart*')),
    );
    expect(ask.text).toBe(
      `:raised_hand: Step *2. restart* of *restart-db* (run #${runId}) needs approval from someone other than <@${ALICE.id}>. It will run:`,
    );
    expect((ask.blocks as { text?: { text: string } }[])[0]!.text!.text).toMatch(
      /\n```exec \/\S+\/node \["scripts\/argv\.mjs","restart","db-2"\]\n {2}in \S+, env: \(empty\), timeout 60 s```$/,
    );
    await h.bot.click(RUNBOOK_ACTION.approve, `${runId}:1`, { user: ALICE.id, channel });
    await eventually(() =>
      ephemerals(h, ALICE.id).includes('Someone other than the person who started the run has to approve this step.'),
    );
    expect(runs(h).get(runId)!.status).toBe('awaiting_approval');
    await h.bot.click(RUNBOOK_ACTION.approve, `${runId}:1`, { user: BOB.id, channel });
    const done = await finished(h, runId);
    expect(done.status).toBe('succeeded');
    const steps = runs(h).steps(runId);
    expect(steps.map((s) => [s.name, s.status, s.approvedBy])).toEqual([
      ['check', 'succeeded', null],
      ['restart', 'succeeded', BOB.id],
      ['tell', 'succeeded', null],
    ]);
    expect(echoed(steps[1]!.output).argv).toEqual(['restart', 'db-2']);
    // The runbook's own message is escaped like any other: <!channel> pings nobody.
    expect(texts(h, channel)).toContain(`Restarted db-2 for incident #${done.incidentId} &lt;!channel&gt;`);
    // The run is in the timeline, and so in the post-incident report.
    const { markdown } = draftReport(
      draftDeps(h, 'UTC'),
      done.incidentId,
      new Map([
        [ALICE.id, 'alice'],
        [BOB.id, 'bob'],
      ]),
      null,
    );
    const rows = markdown.split('\n').filter((l) => l.includes('unbook'));
    expect(rows.map((r) => r.replace(/^\| [^|]+ \| /, '').replace(/in \d+\.\d s/, 'in N s'))).toEqual([
      'alice | Runbook started: restart-db v1 replica=db-2 |',
      ' | Runbook restart-db step check: succeeded (exit 0) in N s |',
      'bob | bob approved runbook restart-db step restart |',
      ' | Runbook restart-db step restart: succeeded (exit 0) in N s |',
      ' | Runbook restart-db step tell: succeeded in N s |',
      ' | Runbook restart-db v1: succeeded |',
    ]);
    // A second click on the same approval changes nothing.
    await h.bot.click(RUNBOOK_ACTION.approve, `${runId}:1`, { user: BOB.id, channel });
    await eventually(() => ephemerals(h, BOB.id).includes(`Run #${runId} is not waiting for this approval any more.`));
  });

  it('stops the run when the step is rejected', async () => {
    const { channel } = await declared(h, 'Reject it sev2');
    const runId = runIdOf(await h.bot.command('runbook run restart-db replica=db-1', { channel }));
    await awaitingApproval(h, runId);
    await h.bot.click(RUNBOOK_ACTION.reject, `${runId}:1`, { user: BOB.id, channel });
    expect((await finished(h, runId)).status).toBe('rejected');
    expect(
      runs(h)
        .steps(runId)
        .map((s) => s.name),
    ).toEqual(['check']);
    await settled(h.bot.app);
    expect(texts(h, channel).some((t) => t.startsWith(':no_entry_sign: Runbook *restart-db* v1 rejected'))).toBe(true);
  });

  it('shows exactly what would run in a dry run, running only the steps marked safe', async () => {
    const { channel } = await declared(h, 'Dry run sev3');
    const reply = replyText(await h.bot.command('runbook run restart-db replica=db-1 --dry-run', { channel }));
    const runId = Number(/run #(\d+)/.exec(reply)![1]);
    expect(reply).toContain('This is exactly what would run:');
    expect(reply).toMatch(
      /2\. restart \(needs approval\)\nexec \/\S+\/node \["scripts\/argv\.mjs","restart","db-1"\]\n {2}in \/\S+\/fixtures, env: \(empty\), timeout 60 s/,
    );
    expect(reply).toContain('3. tell\nslack: post "Restarted db-1 for incident #');
    const done = await finished(h, runId);
    expect(done).toMatchObject({ status: 'succeeded', dryRun: true });
    expect(
      runs(h)
        .steps(runId)
        .map((s) => [s.name, s.status]),
    ).toEqual([
      ['check', 'succeeded'],
      ['restart', 'shown'],
      ['tell', 'shown'],
    ]);
    expect(texts(h, channel).some((t) => t.startsWith('Restarted db-1'))).toBe(false);
  });

  it('asks for missing parameters in a form, and keeps the form open on a bad value', async () => {
    const { incident, channel } = await declared(h, 'Form sev3');
    expect(replyText(await h.bot.command('runbook run restart-db', { channel }))).toBe(
      'restart-db needs replica: fill them in the form.',
    );
    const view = h.slack.ws.views.at(-1)!.view as {
      callback_id: string;
      private_metadata: string;
      blocks: { block_id?: string }[];
    };
    expect(view.callback_id).toBe(RUNBOOK_VIEW);
    expect(view.blocks.map((b) => b.block_id).filter(Boolean)).toEqual(['p_replica']);
    const submitted = await h.bot.submit(
      RUNBOOK_VIEW,
      { p_replica: { value: { type: 'static_select', selected_option: { value: 'db-1' } } } },
      { user: ALICE.id, privateMetadata: view.private_metadata },
    );
    expect(submitted.status).toBe(200);
    const runId = await eventually(
      () =>
        runs(h)
          .withStatus('awaiting_approval')
          .find((r) => r.incidentId === incident.id)?.id,
    );
    expect(runs(h).get(runId)!.params).toEqual({ replica: 'db-1' });

    await h.bot.command('runbook run argv', { channel });
    const argvView = h.slack.ws.views.at(-1)!.view as { private_metadata: string };
    const bad = await h.bot.submit(
      RUNBOOK_VIEW,
      { p_value: { value: { type: 'plain_text_input', value: '--help' } } },
      { user: ALICE.id, privateMetadata: argvView.private_metadata },
    );
    expect(JSON.parse(bad.text)).toEqual({
      response_action: 'errors',
      errors: { p_value: '`value` may not start with "-" (a program could read it as an option).' },
    });
  });
});

describe('a step that is alone in the incident', () => {
  const h = useBot({ settings: `runbooks:\n  dir: ${FIXTURES}\n`, processEnv });

  it('may be approved by the requester when nobody else is responding', async () => {
    const { channel } = await declared(h, 'Night shift sev3');
    const runId = runIdOf(await h.bot.command('runbook run restart-db replica=db-1', { channel }));
    await awaitingApproval(h, runId);
    await eventually(() =>
      texts(h, channel).some((t) =>
        t.includes(
          'needs approval from <@U0ALICE01> (nobody else responding may approve it, so you may confirm it yourself)',
        ),
      ),
    );
    await h.bot.click(RUNBOOK_ACTION.approve, `${runId}:1`, { user: ALICE.id, channel });
    expect((await finished(h, runId)).status).toBe('succeeded');
  });

  it('asks for approval once, even when Slack fails the first posts', async () => {
    const { channel } = await declared(h, 'Flaky Slack sev3');
    // Every message of the run fails for a while: its live progress is lost, its approval request is not.
    h.slack.inject('chat.postMessage', ...Array.from({ length: 6 }, () => ({ status: 503 as const })));
    const runId = runIdOf(await h.bot.command('runbook run restart-db replica=db-2', { channel }));
    await awaitingApproval(h, runId);
    const asks = () =>
      texts(h, channel).filter((t) => t.startsWith(`:raised_hand: Step *2. restart* of *restart-db* (run #${runId})`));
    await eventually(() => asks().length > 0, 10_000, 'the approval request');
    await settled(h.bot.app);
    expect(asks()).toHaveLength(1);
    expect(h.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 503)).toHaveLength(6);
    await h.bot.click(RUNBOOK_ACTION.approve, `${runId}:1`, { user: ALICE.id, channel });
    expect((await finished(h, runId)).status).toBe('succeeded');
  });
});

describe('an http step with a secret', () => {
  let server: Server;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(String(req.headers.authorization));
      res.writeHead(req.url === '/health' ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(`you sent ${req.headers.authorization}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    processEnv.PROBE_BASE = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const h = useBot({ settings: `runbooks:\n  dir: ${FIXTURES}\n`, processEnv });

  it('sends the secret but never shows it: output, dry run and Slack mask it', async () => {
    const { channel } = await declared(h, 'Probe sev3');
    const done = await finished(h, runIdOf(await h.bot.command('runbook run probe', { channel })));
    expect(seen.at(-1)).toBe('Bearer probe-secret-token-123');
    const [step] = runs(h).steps(done.id);
    expect(step).toMatchObject({ status: 'succeeded', exitCode: 200 });
    expect(step!.output).toBe('HTTP 200 OK\nyou sent Bearer ‹PROBE_TOKEN›');
    const failed = await finished(h, runIdOf(await h.bot.command('runbook run probe path=down', { channel })));
    expect(failed.status).toBe('failed');
    expect(runs(h).steps(failed.id)[0]!.output).toContain('[expected 2xx, got 503]');
    const dry = replyText(await h.bot.command('runbook run probe --dry-run', { channel }));
    expect(dry).toContain('Authorization: Bearer ‹PROBE_TOKEN›');
    await settled(h.bot.app);
    const everything = JSON.stringify([h.slack.ws.messages, h.slack.ws.ephemerals, runs(h).steps(done.id)]);
    expect(everything).not.toContain('probe-secret-token-123');
  });
});

describe('a step that needs approval, when only the requester may approve it', () => {
  const h = useBot({ settings: `comms:\n  rotation: [${BOB.id}]\nrunbooks:\n  dir: ${FIXTURES}/four-eyes\n` });

  it('lets the requester approve it: other responders the runbook refuses are no second pair of eyes', async () => {
    const { channel } = await declared(h, 'Only the commander may sev1'); // alice commands, bob is comms lead
    await h.bot.command('note bob is here too', { channel, user: BOB.id });
    const runId = runIdOf(await h.bot.command('runbook run commander-restart', { channel }));
    await awaitingApproval(h, runId);
    const ask = await eventually(() =>
      h.slack.ws.channelMessages(channel).find((m) => m.text.startsWith(':raised_hand: Step *1. restart*')),
    );
    expect(ask.text).toContain('nobody else responding may approve it, so you may confirm it yourself');
    // Bob responds in the incident but the runbook is the commander's: his approval is refused...
    await h.bot.click(RUNBOOK_ACTION.approve, `${runId}:0`, { user: BOB.id, channel });
    await eventually(() =>
      ephemerals(h, BOB.id).some((t) => t.startsWith('Only the commander may approve steps of commander-restart')),
    );
    expect(runs(h).get(runId)!.status).toBe('awaiting_approval');
    // ...so the commander's own approval is the one that can be given, and it runs.
    await h.bot.click(RUNBOOK_ACTION.approve, `${runId}:0`, { user: ALICE.id, channel });
    expect((await finished(h, runId)).status).toBe('succeeded');
    expect(
      runs(h)
        .steps(runId)
        .map((s) => [s.name, s.status, s.approvedBy]),
    ).toEqual([['restart', 'succeeded', ALICE.id]]);
  });
});
