import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { RUNBOOK_ACTION } from '../../src/slack/runbook-views.ts';
import { ALICE, BOB, CAROL, declared, eventually, useBot, type Harness } from '../helpers/test-bot.ts';
import { FIXTURES, finished, runIdOf, runs } from './helpers.ts';

/** Runbooks of this file's own, using the shared fixture scripts. */
const DIR = mkdtempSync(join(tmpdir(), 'incident-bot-stop-'));
const script = (name: string) => JSON.stringify(join(FIXTURES, 'scripts', name));
const RUNBOOKS: Record<string, string> = {
  'open-hang': `description: Never finishes; anyone may run it.\nsteps:\n  - name: wait\n    exec: { program: node, args: [${script('hang.mjs')}], timeout_seconds: 120 }\n`,
  'guarded-hang': `description: Never finishes; only Carol may run it.\nallowed: [${CAROL.id}]\nsteps:\n  - name: wait\n    exec: { program: node, args: [${script('hang.mjs')}], timeout_seconds: 120 }\n`,
  quick: `description: One quick step.\nsteps:\n  - name: echo\n    exec: { program: node, args: [${script('argv.mjs')}, ran] }\n`,
  'commander-two-steps': [
    'description: Two steps, for the commander only; the first needs approval.',
    'allowed: [commander]',
    'steps:',
    '  - name: first',
    `    exec: { program: node, args: [${script('argv.mjs')}, first] }`,
    '    confirm: true',
    '  - name: second',
    `    exec: { program: node, args: [${script('argv.mjs')}, second] }`,
    '',
  ].join('\n'),
};
for (const [name, body] of Object.entries(RUNBOOKS))
  writeFileSync(join(DIR, `${name}.yaml`), `name: ${name}\nversion: 1\n${body}`);
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

const text = (r: { body: unknown }) => (r.body as { text: string }).text;
const ephemeralsFor = (h: Harness, user: string) =>
  h.slack.ws.ephemerals.filter((e) => e.user === user).map((e) => e.text);
const timeline = (h: Harness, id: number) => new IncidentRepository(h.bot.app.db).timeline(id);
const running = (h: Harness, runId: number) =>
  eventually(
    () => runs(h).get(runId)?.status === 'running' && runs(h).get(runId)!.threadTs,
    10_000,
    `run #${runId} running`,
  );

describe('stopping a runbook run', () => {
  const h = useBot({ settings: `runbooks:\n  dir: ${DIR}\n` });

  it("is refused from another incident's channel, by command and by button", async () => {
    const a = await declared(h, 'Run here sev3');
    const b = await declared(h, 'Elsewhere sev3');
    const runId = runIdOf(await h.bot.command('runbook run open-hang', { channel: a.channel }));
    await running(h, runId);
    const refusal = `Run #${runId} belongs to incident #${a.incident.id}; stop it from that incident's channel.`;
    expect(text(await h.bot.command(`runbook stop ${runId}`, { channel: b.channel }))).toBe(refusal);
    await h.bot.click(RUNBOOK_ACTION.kill, String(runId), { user: ALICE.id, channel: b.channel });
    await eventually(() => ephemeralsFor(h, ALICE.id).includes(refusal));
    expect(runs(h).get(runId)).toMatchObject({ status: 'running', stoppedBy: null });
    expect(text(await h.bot.command(`runbook stop ${runId}`, { channel: a.channel }))).toBe(`Stopping run #${runId}.`);
    expect(await finished(h, runId)).toMatchObject({ status: 'killed', stoppedBy: ALICE.id });
  });

  it("is refused to someone who may not run the runbook, says who may, and is the commander's too", async () => {
    const { incident, channel } = await declared(h, 'Guarded sev3'); // alice commands
    const runId = runIdOf(await h.bot.command('runbook run guarded-hang', { channel, user: CAROL.id }));
    await running(h, runId);
    const refusal = `Only <@${CAROL.id}> or the commander may stop run #${runId} of guarded-hang.`;
    expect(text(await h.bot.command(`runbook stop ${runId}`, { channel, user: BOB.id }))).toBe(refusal);
    await h.bot.click(RUNBOOK_ACTION.kill, String(runId), { user: BOB.id, channel });
    await eventually(() => ephemeralsFor(h, BOB.id).includes(refusal));
    expect(runs(h).get(runId)!.status).toBe('running');
    await h.bot.click(RUNBOOK_ACTION.kill, String(runId), { user: ALICE.id, channel });
    expect(await finished(h, runId)).toMatchObject({ status: 'killed', stoppedBy: ALICE.id });
    // Who stopped it is on the timeline (and so in the report).
    expect(
      timeline(h, incident.id)
        .filter((e) => e.kind === 'runbook_stopped')
        .map((e) => [e.actor, e.body]),
    ).toEqual([[ALICE.id, `guarded-hang (run #${runId})`]]);
  });

  it('wins when it arrives while the run is starting: the step never runs', async () => {
    const { incident, channel } = await declared(h, 'Stop at once sev3');
    // The run's first message is slow to post, so the stop lands before the first step starts.
    h.slack.inject('chat.postMessage', { delayMs: 1500 });
    const runId = runIdOf(await h.bot.command('runbook run quick', { channel }));
    expect(text(await h.bot.command(`runbook stop ${runId}`, { channel }))).toBe(`Stopping run #${runId}.`);
    expect(await finished(h, runId)).toMatchObject({ status: 'killed', stoppedBy: ALICE.id });
    await eventually(() => timeline(h, incident.id).some((e) => e.kind === 'runbook_finished'));
    expect(runs(h).steps(runId)).toEqual([]);
    expect(
      timeline(h, incident.id)
        .map((e) => e.kind)
        .filter((k) => k.startsWith('runbook_')),
    ).toEqual(['runbook_started', 'runbook_stopped', 'runbook_finished']);
  });

  it('runs a step only while someone allowed stands behind it: the requester is checked again before each step', async () => {
    const { incident, channel } = await declared(h, 'Commander changes sev2');
    const runId = runIdOf(await h.bot.command('runbook run commander-two-steps', { channel, user: ALICE.id }));
    await eventually(() => runs(h).get(runId)?.status === 'awaiting_approval');
    await h.bot.command(`role commander <@${BOB.id}>`, { channel, user: ALICE.id });
    // Bob, now commander, approves the first step and it runs; Alice may no longer run the second.
    await h.bot.click(RUNBOOK_ACTION.approve, `${runId}:0`, { user: BOB.id, channel });
    expect((await finished(h, runId)).status).toBe('killed');
    expect(
      runs(h)
        .steps(runId)
        .filter((s) => s.status !== 'approved')
        .map((s) => [s.name, s.status]),
    ).toEqual([['first', 'succeeded']]);
    const stopped = timeline(h, incident.id).find((e) => e.kind === 'runbook_stopped')!;
    expect(stopped).toMatchObject({
      actor: null,
      body: `commander-two-steps (run #${runId}) before step second: Only the commander may run commander-two-steps.`,
    });
  });
});
