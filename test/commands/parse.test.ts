import { describe, expect, it } from 'vitest';
import { parseDeclare } from '../../src/commands/declare.ts';
import { parseMention, parseStatus, splitVerb, stripControl } from '../../src/commands/parse.ts';
import { fromSlackText, slackCommandText } from '../../src/slack/command-text.ts';
import { UserError } from '../../src/lib/errors.ts';
import { escapeMrkdwn } from '../../src/slack/mrkdwn.ts';
import { renderNotice } from '../../src/slack/notices.ts';
import { useBot } from '../helpers/test-bot.ts';

const userError = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
  throw new Error('expected a UserError');
};

describe('reading what people type', () => {
  it('turns Slack markup into the words a person typed', () => {
    expect(
      fromSlackText(
        '<@U0BOB0001|bob> &amp; <@W0ENT0001> in <#C0OPS0001|ops> see <https://x.test/a?b=1&amp;c=2|the graph> <!here> <!subteam^S0ONCALL|@oncall>',
      ),
    ).toBe('@bob & @W0ENT0001 in #ops see the graph @here @oncall');
    expect(fromSlackText('&lt;script&gt;alert(1)&lt;/script&gt;')).toBe('<script>alert(1)</script>');
    expect(fromSlackText('&amp;lt; stays literal')).toBe('&lt; stays literal');
  });

  it('splits the verb off, case-insensitively, keeping unicode intact', () => {
    expect(splitVerb('  DECLARE  Zahlungen fallen aus 💳 sev1 ')).toEqual({
      verb: 'declare',
      rest: 'Zahlungen fallen aus 💳 sev1',
    });
    expect(splitVerb('')).toEqual({ verb: '', rest: '' });
    expect(splitVerb('note\nline one\nline two')).toEqual({ verb: 'note', rest: 'line one\nline two' });
  });

  it('drops control characters but keeps newlines and tabs', () => {
    expect(stripControl('a\u0000b\u001bc\u007fd\ne\tf')).toBe('abcd\ne\tf');
  });

  it('finds the severity only as the last word', () => {
    expect(parseDeclare('sev1 outage of sev2 region sev-4', 'sev3', slackCommandText)).toMatchObject({
      title: 'sev1 outage of sev2 region',
      severity: 'sev4',
    });
    expect(parseDeclare('Region SEV2', 'sev3', slackCommandText)).toMatchObject({ title: 'Region', severity: 'sev2' });
    expect(parseDeclare('Region sev5', 'sev3', slackCommandText)).toMatchObject({
      title: 'Region sev5',
      severity: 'sev3',
    });
  });

  it('refuses 40 kB of text with the numbers, and keeps a long title as the description', () => {
    expect(userError(() => parseDeclare('x'.repeat(40_000), 'sev3', slackCommandText))).toMatch(
      /^That title is 40,000 characters; the most is 3,000\./,
    );
    const long = parseDeclare('word '.repeat(100), 'sev3', slackCommandText);
    expect(long.title.length).toBeLessThanOrEqual(150);
    expect(long.description).toBe('word '.repeat(100).trim());
  });

  it('reads mentions and says how to make one', () => {
    expect(parseMention('<@U0BOB0001|bob>', 'x', slackCommandText)).toBe('U0BOB0001');
    expect(parseMention('<@W0ENT0001>', 'x', slackCommandText)).toBe('W0ENT0001');
    expect(userError(() => parseMention('@bob', 'the new commander', slackCommandText))).toMatch(
      /^Pick the new commander from Slack's list/,
    );
    expect(userError(() => parseMention('<#C0OPS0001|ops>', 'the new commander', slackCommandText))).toBe(
      'Name the new commander with an @mention.',
    );
    expect(userError(() => parseMention(undefined, 'the new commander', slackCommandText))).toBe(
      'Name the new commander with an @mention.',
    );
    expect(userError(() => parseMention('@`<b>`', 'them', slackCommandText))).not.toMatch(/[<>`]b/);
  });

  it('knows the four statuses', () => {
    expect(parseStatus('Identified')).toBe('identified');
    expect(userError(() => parseStatus('fixed'))).toMatch(/^Start an update with its status/);
  });

  it('escapes user text wherever it is shown back in Slack', () => {
    expect(escapeMrkdwn('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
    const notice = renderNotice({
      type: 'update',
      status: 'identified',
      body: '<!channel> ping & <https://evil|click>',
      by: 'U0BOB0001',
    });
    expect(notice).not.toMatch(/<!channel>|<https/);
    expect(renderNotice({ type: 'external_note', by: 'Eve <script>', via: 'PagerDuty', text: '*bold* <@U1>' })).toBe(
      ':memo: Note from *Eve &lt;script&gt;* in PagerDuty:\n>*bold* &lt;@U1&gt;',
    );
  });
});

describe('hostile command text through the real app', () => {
  const h = useBot({ scope: 'all' });
  const reply = async (text: string) => ((await h.bot.command(text)).body as { text: string }).text;

  it('answers unknown verbs, empty and odd input with a clear ephemeral message', async () => {
    expect(await reply('frobnicate now')).toBe(
      '`frobnicate` is not an /incident command. `/incident help` lists them all.',
    );
    expect(await reply('stauts')).toContain('Did you mean `/incident status`?');
    // Control characters are dropped where Slack's request comes in: what is left is an empty command.
    expect(await reply('\u0000\u0007')).toMatch(/^\*Incident bot commands\*/);
    expect(await reply('💥')).toBe('`💥` is not an /incident command. `/incident help` lists them all.');
  });

  it('survives 40 kB of text on every verb without a crash or a 5xx', async () => {
    const big = 'A&amp;<@U1>'.repeat(4000);
    for (const verb of ['declare', 'update identified', 'note', 'resolve', 'role comms', 'sev', 'nonsense']) {
      const res = await h.bot.command(`${verb} ${big}`);
      expect(res.status, verb).toBe(200);
      expect(res.body, verb).toMatchObject({ response_type: 'ephemeral', text: expect.any(String) });
    }
    expect(h.bot.app.incidents.listOpen()).toEqual([]);
  });
});
