import { describe, expect, it } from 'vitest';
import { parseUpdateFlags, splitVerb, stripControl, words } from '../../src/commands/parse.ts';
import { fromSlackText, splitTrailingMention } from '../../src/slack/command-text.ts';
import { escapeMarkdown } from '../../src/postmortem/render.ts';
import { escapeMrkdwn } from '../../src/slack/mrkdwn.ts';
import { neutraliseMentions } from '../../src/text/github-mentions.ts';
import { withoutSlackMentions } from '../../src/text/public-text.ts';
import { xmlSafe } from '../../src/text/xml-safe.ts';

/**
 * Every regex run over text from people or vendors, fed 100 kB built to make a backtracking
 * pattern take quadratic (or worse) time. Each test only checks the answer: that it arrives at
 * all is the point (bench/suites/text-regex.ts times the same inputs).
 */
const KB100 = 100_000;
const fill = (unit: string, size = KB100) => unit.repeat(Math.ceil(size / unit.length));

describe('regexes over user text on 100 kB inputs', () => {
  it('a trailing mention after 100,000 spaces is found, and none is found where there is none', () => {
    const spaces = ' '.repeat(KB100);
    expect(splitTrailingMention(`Checkout down${spaces}<@U0BOB0001|bob>${spaces}`)).toEqual({
      text: 'Checkout down',
      user: 'U0BOB0001',
    });
    expect(splitTrailingMention(`Checkout down${spaces}x`)).toEqual({ text: `Checkout down${spaces}x`, user: null });
    expect(splitTrailingMention(`${fill('<@U0BOB0001|')}`)).toEqual({ text: fill('<@U0BOB0001|'), user: null });
    expect(splitTrailingMention(`a <@U0BOB0001>`)).toEqual({ text: 'a', user: 'U0BOB0001' });
  });

  it('Markdown escaping of 100,000 newlines (and of lines of spaces and digits)', () => {
    expect(escapeMarkdown(`${'\n'.repeat(KB100)}# x`)).toBe(`${'\n'.repeat(KB100)}\\# x`);
    expect(escapeMarkdown(`${' '.repeat(KB100)}-`)).toBe(`${' '.repeat(KB100)}\\-`);
    expect(escapeMarkdown(fill('1\n'))).toBe(fill('1\n'));
    expect(escapeMarkdown(fill(' \n\t'))).toBe(fill(' \n\t'));
  });

  it('Slack markup decoding, with openings that never close', () => {
    for (const unit of ['<@U1|', '<#C1|', '<!subteam^S1|', '<!here|', '<http:', '<mailto:x']) {
      const text = fill(unit);
      expect(fromSlackText(text)).toBe(text);
    }
    expect(fromSlackText(`${fill('<@U1|')}<@U2|bob>`)).toBe(`${fill('<@U1|')}@bob`);
  });

  it('Slack mention removal for public text', () => {
    for (const unit of ['<@U1|', '<#C1|', '<!subteam^S1|', '<!here|'])
      expect(withoutSlackMentions(fill(unit))).toBe(fill(unit));
    expect(withoutSlackMentions(fill('<@U1> '))).toBe(' '.repeat(Math.ceil(KB100 / 6)));
  });

  it('GitHub mention neutralising, XML cleaning, control stripping and word splitting', () => {
    expect(neutraliseMentions(' @a'.repeat(KB100 / 3))).toBe(' @\u200Da'.repeat(KB100 / 3));
    expect(neutraliseMentions(fill('@'))).toBe(fill('@'));
    expect(neutraliseMentions(fill('a@'))).toBe(fill('a@'));
    expect(xmlSafe(fill('\uFFFFa'))).toBe(fill('a', KB100 / 2));
    expect(xmlSafe(fill('\uD800'))).toBe('');
    expect(stripControl(fill('\u0001 '))).toBe(fill(' ', KB100 / 2));
    expect(escapeMrkdwn(fill('<&>'))).toBe('&lt;&amp;&gt;'.repeat(Math.ceil(KB100 / 3)));
    expect(words(fill(' a\t'))).toHaveLength(Math.ceil(KB100 / 3));
    expect(splitVerb(`declare${' '.repeat(KB100)}x`)).toEqual({ verb: 'declare', rest: 'x' });
    expect(parseUpdateFlags(`${' '.repeat(KB100)}fixed --public`)).toEqual({
      message: 'fixed',
      public: true,
      confirmPrivate: false,
      components: [],
    });
  });
});
