import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../src/sandbox/fake-github/server.ts';
import { ALICE, BOB, CAROL, declared, eventually, settled, useBot, type Harness } from '../helpers/test-bot.ts';

const gh = new FakeGitHub();
beforeAll(() => gh.start());
afterAll(() => gh.stop());

const SETTINGS = `status_page:\n  name: Acme Status\ncomponents:\n  - { id: api, name: API }\n  - { id: web, name: Website }\ncomms:\n  rotation: [${BOB.id}]\n`;
const text = (r: { body: unknown }) => (r.body as { text: string }).text;
const page = async (h: Harness, path: string) => (await fetch(`${h.bot.app.url}${path}`)).text();

/** A published, resolved incident with internal notes, Slack ids and a report pull request. */
async function resolvedIncident(h: Harness, title: string) {
  const { incident, channel } = await declared(h, `${title} sev2`, ALICE.id);
  await h.bot.command(`note INTERNAL: db-7 restarted by <@${CAROL.id}>`, { channel });
  await h.bot.command('update identified INTERNAL suspect the cache', { channel, user: ALICE.id });
  await h.bot.command('update identified Card payments fail for some customers. --public --components api:major', {
    channel,
    user: ALICE.id,
  });
  await h.bot.command(`impact EU customers could not pay for 40 minutes <@${BOB.id}>`, { channel });
  await h.bot.command(`followup Alert on cache hit ratio <@${BOB.id}>`, { channel });
  await h.bot.command('resolve Cache rebuilt; payments work again.', { channel, user: ALICE.id });
  await eventually(() =>
    h.bot.app.db.prepare('SELECT pr_number FROM postmortems WHERE incident_id = ?').pluck().get(incident.id),
  );
  await settled(h.bot.app);
  return { incident, channel, pr: gh.pulls.at(-1)!.number };
}

describe('the public post-incident report', () => {
  const h = useBot({
    settings: SETTINGS,
    get env() {
      return { GITHUB_TOKEN: gh.token, GITHUB_REPO: `${gh.owner}/${gh.repo}`, GITHUB_API_URL: gh.url };
    },
  } as Parameters<typeof useBot>[0]);

  it('is published when GitHub says its pull request was merged, and not before', async () => {
    const { incident, pr } = await resolvedIncident(h, 'Checkout errors');
    const other = await resolvedIncident(h, 'Search errors');

    // Open (and one closed without merging): nothing goes public.
    gh.close(other.pr);
    expect(await h.bot.app.checkMergedReports()).toBe(0);
    expect(await page(h, `/status/incidents/${incident.id}`)).not.toContain('Post-incident report');

    gh.merge(pr);
    expect(await h.bot.app.checkMergedReports()).toBe(1);
    expect(await h.bot.app.checkMergedReports()).toBe(0); // once
    const html = await page(h, `/status/incidents/${incident.id}`);
    expect(html).toContain('<section class="report" id="report">');
    expect(html).toContain('Card payments fail for some customers.');
    expect(html).toContain('<p class="body">EU customers could not pay for 40 minutes</p>');
    expect(html).toContain('<li>API: major outage for');
    expect(html).toContain('<ul class="doing"><li>Alert on cache hit ratio</li></ul>');
    // Nothing internal: not the notes, not the internal updates, not a Slack id or a person.
    expect(html).not.toMatch(/INTERNAL|db-7|U0CAROL01|U0BOB0001|U0ALICE01|alice|bob|carol/i);
    expect(await page(h, `/status/incidents/${other.incident.id}`)).not.toContain('Post-incident report');

    const feed = new XMLParser().parse(await page(h, '/status/history.atom')).feed;
    const entry = [feed.entry]
      .flat()
      .find((e: { title: string }) => e.title === 'Checkout errors — Post-incident report');
    expect(entry.content).toContain('Card payments fail for some customers.');
    expect(JSON.stringify(feed)).not.toMatch(/INTERNAL|db-7|U0CAROL01|U0BOB0001/);
  });

  it('its pull request shows exactly what merging it publishes', async () => {
    const { pr } = await resolvedIncident(h, 'Checkout slow');
    const body = gh.pulls.find((p) => p.number === pr)!.body;
    const [, preview] = body.split('## This will be published on the status page when merged');
    expect(preview).toBeDefined();
    expect(preview).toContain('### Summary');
    expect(preview).toContain('Card payments fail for some customers.');
    expect(preview).toContain('### Who was affected?\n\nEU customers could not pay for 40 minutes');
    expect(preview).toContain('- API: major outage for');
    expect(preview).toContain(
      "### What we're doing to make sure it doesn't happen again\n\n- Alert on cache hit ratio",
    );
    expect(preview).not.toMatch(/INTERNAL|db-7|U0CAROL01|U0BOB0001|U0ALICE01/);
  });

  it('merged after its public text changed, publishes nothing and asks for the preview in the channel', async () => {
    const { incident, channel, pr } = await resolvedIncident(h, 'Payments down');
    // Changed on our side since the pull request showed it: the reviewer approved other words.
    await h.bot.command('impact Every customer could not pay for an hour', { channel });
    await settled(h.bot.app);
    gh.merge(pr);
    expect(await h.bot.app.checkMergedReports()).toBe(0);
    expect(await page(h, `/status/incidents/${incident.id}`)).not.toContain('Post-incident report');
    await settled(h.bot.app);
    const told = h.slack.ws.channelMessages(channel).filter((m) => m.text.includes('public text changed'));
    expect(told.map((m) => m.text)).toEqual([
      ':warning: The report’s public text changed after its pull request showed it, so merging it published ' +
        'nothing. Preview what would go public and publish it with `/incident postmortem publish`.',
    ]);
    // Said once: the next checks leave the merged pull request alone.
    expect(await h.bot.app.checkMergedReports()).toBe(0);
    await settled(h.bot.app);
    expect(h.slack.ws.channelMessages(channel).filter((m) => m.text.includes('public text changed'))).toHaveLength(1);
    // The preview flow still publishes it.
    const preview = text(await h.bot.command('postmortem publish', { channel, user: ALICE.id }));
    const digest = /publish confirm ([0-9a-f]{10})/.exec(preview)![1]!;
    await h.bot.command(`postmortem publish confirm ${digest}`, { channel, user: ALICE.id });
    expect(await page(h, `/status/incidents/${incident.id}`)).toContain('Every customer could not pay for an hour');
  });

  it('on /incident postmortem publish: previewed to the commander, published only as confirmed', async () => {
    const { incident, channel } = await resolvedIncident(h, 'Login failing');
    const refused = await h.bot.command('postmortem publish', { channel, user: CAROL.id });
    expect(text(refused)).toBe(
      `Only the commander or the comms lead may publish status page updates for incident #${incident.id}.`,
    );
    const preview = text(await h.bot.command('postmortem publish', { channel, user: ALICE.id }));
    expect(preview).toContain('*Preview: only this goes public*');
    expect(preview).toContain('Card payments fail for some customers.');
    expect(preview).not.toMatch(/INTERNAL|db-7|U0CAROL01|U0BOB0001/);
    expect(await page(h, `/status/incidents/${incident.id}`)).not.toContain('Post-incident report');
    const digest = /publish confirm ([0-9a-f]{10})/.exec(preview)![1]!;

    // A report that changed since its preview is not published from the old code.
    await h.bot.command('followup Add a login canary', { channel });
    expect(text(await h.bot.command(`postmortem publish confirm ${digest}`, { channel, user: ALICE.id }))).toBe(
      'The report changed since that preview: preview it again, then confirm.',
    );
    const again = text(await h.bot.command('postmortem publish', { channel, user: ALICE.id }));
    const fresh = /publish confirm ([0-9a-f]{10})/.exec(again)![1]!;
    expect(text(await h.bot.command(`postmortem publish confirm ${fresh}`, { channel, user: ALICE.id }))).toBe(
      `The report of incident #${incident.id} is on its status page now, and in the feed.`,
    );
    expect(await page(h, `/status/incidents/${incident.id}`)).toContain('<li>Add a login canary</li>');
  });

  it('refuses an incident that was never public', async () => {
    const { incident, channel } = await declared(h, 'Quiet one sev4');
    await h.bot.command('resolve done', { channel });
    expect(text(await h.bot.command('postmortem publish', { channel, user: ALICE.id }))).toBe(
      `Incident #${incident.id} was never on the status page, so its report has nowhere public to go.`,
    );
  });
});
