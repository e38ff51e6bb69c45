import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import {
  ALICE,
  BOB,
  CAROL,
  PD_ALICE,
  declared,
  eventually,
  settled,
  startTestBot,
  tempDir,
  useBot,
} from '../helpers/test-bot.ts';
import { FIXTURES, alive, finished, runIdOf, runs } from './helpers.ts';
import { RunbookRepository } from '../../src/runbooks/run-repository.ts';
import { writeFileSync } from 'node:fs';

const replyText = (r: { body: unknown }) => (r.body as { text: string }).text;

describe('pagerduty steps', () => {
  const h = useBot({ pagerduty: true, settings: `runbooks:\n  dir: ${FIXTURES}\n` });

  it('write a note to, and escalate, the PagerDuty incident the page came from', async () => {
    const page = h.pd.createIncident({ title: 'Queue backlog', assignees: [PD_ALICE] });
    await h.pd.trigger(page);
    const incident = await eventually(() => h.bot.app.incidents.listOpen().find((i) => i.channelId));
    const done = await finished(
      h,
      runIdOf(await h.bot.command('runbook run pd-note', { channel: incident.channelId! })),
    );
    expect(done.status).toBe('succeeded');
    expect(h.pd.notes).toContainEqual(
      expect.objectContaining({ incidentId: page.id, content: 'Runbook pd-note ran for Queue backlog' }),
    );
    expect(h.pd.succeeded('PUT /incidents/{id}').map((c) => c.body)).toContainEqual({
      incident: { type: 'incident_reference', escalation_level: 2 },
    });
  });

  it('fail clearly in an incident that was not paged', async () => {
    const { channel } = await declared(h, 'Declared by hand sev3');
    const done = await finished(h, runIdOf(await h.bot.command('runbook run pd-note', { channel })));
    expect(done.status).toBe('failed');
    expect(runs(h).steps(done.id)[0]!.output).toBe('[this incident did not come from a PagerDuty page]');
  });
});

describe('the global limit on runs', () => {
  const h = useBot({ settings: `runbooks:\n  dir: ${FIXTURES}\n  max_concurrent: 1\n` });

  it('refuses a run beyond the limit, and /incident runbook stop frees the slot', async () => {
    const a = await declared(h, 'First sev3');
    const b = await declared(h, 'Second sev3');
    const runId = runIdOf(await h.bot.command('runbook run hang-long', { channel: a.channel }));
    await eventually(() => runs(h).steps(runId).length === 0 && runs(h).get(runId)?.status === 'running');
    expect(replyText(await h.bot.command('runbook run argv value=x', { channel: b.channel }))).toBe(
      'The limit of 1 runbook run at once is reached; try again when one has finished.',
    );
    expect(replyText(await h.bot.command(`runbook stop ${runId}`, { channel: a.channel, user: BOB.id }))).toBe(
      `Stopping run #${runId}.`,
    );
    expect((await finished(h, runId)).status).toBe('killed');
    expect(
      (await finished(h, runIdOf(await h.bot.command('runbook run argv value=x', { channel: b.channel })))).status,
    ).toBe('succeeded');
  });
});

describe('a restart during a run', () => {
  it('stops the step at shutdown and reports the run as interrupted, without running it again', async () => {
    const tmp = tempDir();
    writeFileSync(join(tmp.dir, 'settings.yaml'), `runbooks:\n  dir: ${FIXTURES}\n`);
    const env = { CONFIG_PATH: join(tmp.dir, 'settings.yaml') };
    const slack = await new FakeSlack({ users: [ALICE, BOB, CAROL] }).start();
    const dbPath = join(tmp.dir, 'bot.db');
    try {
      const first = await startTestBot(slack, dbPath, { env });
      await first.command('declare Restart me sev3');
      const incident = await eventually(() => first.app.incidents.listOpen().find((i) => i.channelId));
      const runId = runIdOf(await first.command('runbook run hang-long', { channel: incident.channelId! }));
      const repo = new RunbookRepository(first.app.db);
      const output = await eventually(
        () => slack.ws.channelMessages(incident.channelId!).find((m) => m.text.includes('grandchild'))?.text,
      );
      const { grandchild } = JSON.parse(/\{.*\}/.exec(output)![0]) as { grandchild: number };
      expect(repo.get(runId)!.status).toBe('running');
      await first.app.stop(3000);
      await eventually(() => !alive(grandchild), 5000, "the step's processes to be gone");

      const second = await startTestBot(slack, dbPath, { env });
      try {
        const after = new RunbookRepository(second.app.db).get(runId)!;
        expect(after.status).toBe('interrupted');
        await settled(second.app);
        const notice = slack.ws
          .channelMessages(incident.channelId!)
          .map((m) => m.text)
          .find((t) => t.startsWith(':warning: Runbook *hang-long* v1 was'));
        expect(notice).toMatch(
          /^:warning: Runbook \*hang-long\* v1 was interrupted by a restart of the bot; it was not resumed, check what it did and run it again if needed — run #\d+/,
        );
        // Nothing ran it again: one step record, the one that was stopped.
        expect(new RunbookRepository(second.app.db).steps(runId).map((s) => s.status)).toEqual(['killed']);
      } finally {
        await second.app.stop(0);
      }
    } finally {
      await slack.stop();
      tmp.cleanup();
    }
  });
});
