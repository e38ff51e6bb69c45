import { describe, expect, it } from 'vitest';
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { RUNBOOK_ACTION } from '../../src/slack/runbook-views.ts';
import { ALICE, BOB, CAROL, declared, eventually, settled, useBot, type Harness } from '../helpers/test-bot.ts';
import { FIXTURES, alive, echoed, finished, runIdOf, runs, slackEncode } from './helpers.ts';

const SETTINGS = `runbooks:\n  dir: ${FIXTURES}\n  output_limit_kb: 64\n`;
const processEnv = {
  HOME: '/home/oncall',
  RUNBOOK_VISIBLE: 'yes',
  SLACK_BOT_TOKEN: 'xoxb-must-not-leak',
  GITHUB_TOKEN: 'ghp_must_not_leak',
};
const posts = (h: Harness, channel: string) => h.slack.ws.channelMessages(channel);
const run = (h: Harness, channel: string, text: string, user = ALICE.id) =>
  h.bot.command(`runbook run ${text}`, { channel, user });

describe('running a runbook from the incident channel', () => {
  const h = useBot({ settings: SETTINGS, processEnv });

  it('runs the program with each parameter as one argument, only listed environment names, and records it all', async () => {
    const { incident, channel } = await declared(h, 'Replica lag sev2');
    const reply = await run(h, channel, slackEncode('argv value="; rm -rf /" mode=careful count=3'));
    expect(reply.body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringMatching(/^Started argv \(run #\d+\); its output follows in the channel\.$/),
    });
    const done = await finished(h, runIdOf(reply));
    expect(done).toMatchObject({
      status: 'succeeded',
      runbook: 'argv',
      version: '1',
      params: { value: '; rm -rf /', mode: 'careful', count: 3 },
    });
    const [step] = runs(h).steps(done.id);
    expect(step).toMatchObject({ name: 'echo', kind: 'exec', status: 'succeeded', exitCode: 0 });
    expect(echoed(step!.output)).toEqual({
      argv: ['; rm -rf /', 'mode=careful', '3', 'Replica lag'],
      env: ['HOME', 'RUNBOOK_VISIBLE'],
    });
    const kinds = new IncidentRepository(h.bot.app.db).timeline(incident.id).map((e) => e.kind);
    expect(kinds.filter((k) => k.startsWith('runbook_'))).toEqual([
      'runbook_started',
      'runbook_step',
      'runbook_finished',
    ]);
    await settled(h.bot.app);
    const texts = posts(h, channel).map((m) => m.text);
    expect(texts.find((t) => t.includes('*1. echo*'))).toMatch(
      /^:white_check_mark: \*1\. echo\* — succeeded \(exit 0\) in \d+\.\d s\n```\{&quot;argv|^:white_check_mark: \*1\. echo\* — succeeded \(exit 0\) in \d+\.\d s\n```\{"argv"/,
    );
    expect(texts.find((t) => t.startsWith(':white_check_mark: Runbook *argv* v1 succeeded'))).toMatch(
      /^:white_check_mark: Runbook \*argv\* v1 succeeded — run #\d+, started by <@U0ALICE01>, \d+s\necho succeeded \(0\)$/,
    );
    // The step's message is threaded under the run's message, which lost its stop button at the end.
    const parent = posts(h, channel).find((m) => m.ts === done.threadTs)!;
    expect(parent.text).toContain('succeeded');
    expect(JSON.stringify(parent.blocks)).not.toContain(RUNBOOK_ACTION.kill);
    const stepMessage = posts(h, channel).find((m) => m.text.includes('*1. echo*'))!;
    expect(stepMessage.thread_ts).toBe(done.threadTs);
    // Posted when the step started, then edited in place with its output.
    expect(stepMessage.edited).toBe(true);
  });

  it('passes hostile values as single inert arguments', async () => {
    const { channel } = await declared(h, 'Injection sev3');
    const values = [
      '$(id)',
      '`id`',
      '../../etc/passwd',
      'a b; echo pwned',
      '\'quoted\' "x"',
      '|cat /etc/passwd',
      '&&reboot',
      '<script>alert(1)</script>',
      '${HOME}',
      '*',
    ];
    for (const value of values) {
      const quoted = value.includes('"') ? `value='${value.replace(/'/g, '')}'` : `value="${value}"`;
      const expected = value.includes('"') ? value.replace(/'/g, '') : value;
      const done = await finished(h, runIdOf(await run(h, channel, slackEncode(`argv ${quoted}`))));
      expect({ value, argv: echoed(runs(h).steps(done.id)[0]!.output).argv[0] }).toEqual({ value, argv: expected });
    }
  });

  it('refuses values that could not be passed inertly, saying why, and runs nothing', async () => {
    const { channel } = await declared(h, 'Refusals sev3');
    const cases: [string, RegExp][] = [
      ['argv value="a\nb"', /`value` may not contain control characters/],
      // NUL and the other controls XML forbids never get this far: Slack's input loses them at the edge.
      ['argv value="a\rb"', /`value` may not contain control characters/],
      ['argv value=--output=/etc/passwd', /`value` may not start with "-"/],
      [`argv value=${'x'.repeat(201)}`, /`value` may be at most 200 characters/],
      ['argv value=x mode=reckless', /`mode` must be one of: fast, careful/],
      ['argv value=x count=1;id', /`count` must be a whole number/],
      ['argv value=x count=9', /`count` must be from 1 to 5/],
      ['argv value=x colour=red', /`colour` is not a parameter of argv\. It takes: value, mode, count\./],
      ['argv value=x --force', /`--force` is not an option; the only one is `--dry-run`/],
      ['argv value=x stray', /Give parameters as key=value/],
      [
        'nope',
        /There is no runbook `nope`\. Runbooks: argv, big, carol-only, fail, hang, hang-long, pd-note, probe, restart-db\./,
      ],
    ];
    for (const [text, message] of cases) {
      const reply = await run(h, channel, text);
      expect({ text, reply: (reply.body as { text: string }).text }).toEqual({
        text,
        reply: expect.stringMatching(message),
      });
    }
    expect(runs(h).withStatus('succeeded').length + runs(h).withStatus('running').length).toBe(0);
  });

  it('reports a failing step with its exit code and output, and runs no later step', async () => {
    const { incident, channel } = await declared(h, 'Failing check sev3');
    const done = await finished(h, runIdOf(await run(h, channel, 'fail')));
    expect(done.status).toBe('failed');
    const steps = runs(h).steps(done.id);
    expect(steps.map((s) => [s.name, s.status, s.exitCode])).toEqual([['check replicas', 'failed', 3]]);
    expect(steps[0]!.output).toContain('checking replicas\n');
    expect(steps[0]!.output).toContain('replica db-2 is not answering\n');
    await settled(h.bot.app);
    expect(
      posts(h, channel)
        .map((m) => m.text)
        .find((t) => t.startsWith(':x: Runbook *fail* v2 failed')),
    ).toMatch(
      /^:x: Runbook \*fail\* v2 failed — run #\d+, started by <@U0ALICE01>, \d+s\ncheck replicas failed \(3\)$/,
    );
    expect(
      new IncidentRepository(h.bot.app.db).timeline(incident.id).find((e) => e.kind === 'runbook_step')!.body,
    ).toMatch(/^fail step check replicas: failed \(exit 3\) in \d+\.\d s$/);
  });

  it('stops a step at its timeout, with everything it started', async () => {
    const { channel } = await declared(h, 'Hanging sev3');
    const runId = runIdOf(await run(h, channel, 'hang'));
    const done = await finished(h, runId);
    const [step] = runs(h).steps(runId);
    expect({ run: done.status, step: step!.status }).toEqual({ run: 'failed', step: 'timed_out' });
    const { pid, grandchild } = JSON.parse(step!.output.split('\n')[0]!) as { pid: number; grandchild: number };
    await eventually(() => !alive(pid) && !alive(grandchild), 5000, 'the process group to be gone');
  });

  it('stops a running step when someone presses Stop', async () => {
    const { channel } = await declared(h, 'Stop it sev3');
    const runId = runIdOf(await run(h, channel, 'hang-long'));
    const output = await eventually(
      () => posts(h, channel).find((m) => m.text.includes('*1. wait*') && m.text.includes('grandchild'))?.text,
    );
    const { grandchild } = JSON.parse(/\{.*\}/.exec(output)![0]) as { grandchild: number };
    // A second run of the same runbook in this incident waits for this one.
    expect(((await run(h, channel, 'hang-long')).body as { text: string }).text).toMatch(
      /^hang-long is already running in this incident \(run #\d+, running\)\. Stop it first, or wait\.$/,
    );
    await h.bot.click(RUNBOOK_ACTION.kill, String(runId), { user: BOB.id, channel });
    const done = await finished(h, runId);
    expect(done.status).toBe('killed');
    expect(runs(h).steps(runId)[0]!.status).toBe('killed');
    await eventually(() => !alive(grandchild), 5000, 'the grandchild to be gone');
  });

  it('keeps the head and tail of a large output within the budget, and shows the end in Slack', async () => {
    const { channel } = await declared(h, 'Chatty sev3');
    const done = await finished(h, runIdOf(await run(h, channel, 'big')));
    const [step] = runs(h).steps(done.id);
    expect(step!.truncated).toBe(true);
    expect(Buffer.byteLength(step!.output)).toBeLessThanOrEqual(64 * 1024 + 100);
    expect(step!.output.startsWith('line 000001 ')).toBe(true);
    expect(step!.output.endsWith('DONE\n')).toBe(true);
    expect(step!.output).toMatch(/\n… [\d,]+ bytes of output dropped …\n/);
    await settled(h.bot.app);
    const shown = posts(h, channel).find((m) => m.text.includes('*1. print*'))!.text;
    expect(shown.length).toBeLessThan(3000);
    expect(shown).toContain('DONE');
    expect(shown).toContain(`_Showing the end of the output; all of it is kept with run #${done.id}._`);
  });

  it('lets only the listed people run a restricted runbook', async () => {
    const { channel } = await declared(h, 'Restricted sev3');
    expect(((await run(h, channel, 'carol-only')).body as { text: string }).text).toBe(
      'Only <@U0CAROL01> may run carol-only.',
    );
    const done = await finished(h, runIdOf(await run(h, channel, 'carol-only', CAROL.id)));
    expect(done.status).toBe('succeeded');
  });

  it('lists the runbooks with their parameters', async () => {
    const { channel } = await declared(h, 'Listing sev3');
    const text = ((await h.bot.command('runbook list', { channel })).body as { text: string }).text;
    expect(text).toMatch(
      /• \*argv\* v1 \([0-9a-f]{12}\) — Echoes its arguments and environment names as JSON\.\n {3}`value=&lt;text&gt; \(required\) mode=&lt;fast\|careful&gt; \(default fast\) count=&lt;integer 1\.\.5&gt; \(default 1\)`/,
    );
    expect(text).toContain('• *restart-db* v1');
    expect(text).toContain('asks for approval');
  });
});
