import { describe, expect, it } from 'vitest';
import {
  bold,
  channel,
  code,
  codeBlock,
  emoji,
  italic,
  join,
  plainText,
  ReplyError,
  say,
  user,
} from '../../src/commands/reply.ts';
import { ErrorCode, UserError } from '../../src/lib/errors.ts';
import { renderReply, userErrorText } from '../../src/slack/render-reply.ts';

const HOSTILE = 'Eve <@U0EVE0001> <!channel> & <https://evil.test|click> *bold*';

describe("a command's reply, rendered for Slack", () => {
  it('shows text from people as typed: no mention, @channel, link or entity can be forged', () => {
    const rendered = renderReply(say`Declared ${bold(HOSTILE)}: ${HOSTILE} ${code(HOSTILE)}`);
    expect(rendered).not.toMatch(/<[@!#h]/);
    // Slack documents no escape for its formatting characters: typed asterisks pass through as typed
    // (they can style text, never name anyone or link anywhere); only a bold mark adds its own.
    const escaped = 'Eve &lt;@U0EVE0001&gt; &lt;!channel&gt; &amp; &lt;https://evil.test|click&gt; *bold*';
    expect(rendered).toBe(`Declared *${escaped}*: ${escaped} \`${escaped}\``);
  });

  it('keeps entities a person typed literally, rather than letting Slack decode them', () => {
    expect(renderReply(say`${'&lt;@U1&gt; &amp;'}`)).toBe('&amp;lt;@U1&amp;gt; &amp;amp;');
  });

  it('writes each mark in mrkdwn: mentions, channels, bold, italic, code, emoji', () => {
    const reply = say`${user('U0BOB0001')} is commander of ${channel('C0INC0001')}: ${bold('#7 ', italic('now'))} ${code('/incident help')} ${emoji('tada')}`;
    expect(renderReply(reply)).toBe('<@U0BOB0001> is commander of <#C0INC0001>: *#7 _now_* `/incident help` :tada:');
  });

  it('never lets a mark carry markup: a bad id reads as text, a code block cannot be closed early', () => {
    expect(renderReply([user('U1> <!channel')])).toBe('@U1&gt; &lt;!channel');
    expect(renderReply([channel('<!here>')])).toBe('#&lt;!here&gt;');
    expect(renderReply([emoji('x: <!here> :y')])).toBe('');
    expect(renderReply([codeBlock('a```<!here>')])).toBe('```a`\u200b``&lt;!here&gt;```');
  });

  it('joins lines and splices replies and numbers into templates', () => {
    const lines = join([say`${bold('2 open incidents')}`, say`• ${bold(`#${1}`)} SEV1`, say`…and ${3} more.`]);
    expect(renderReply(lines)).toBe('*2 open incidents*\n• *#1* SEV1\n…and 3 more.');
    expect(renderReply([])).toBe('');
  });

  it('reads as plain text where no markup shows (logs, a form field error)', () => {
    expect(plainText(say`Use ${code('/incident sev <1-4>')}, ${user('U0BOB0001')} & ${bold('you')}.`)).toBe(
      'Use `/incident sev <1-4>`, @U0BOB0001 & you.',
    );
  });

  it("renders a command's refusal, and shows other user errors as written", () => {
    const refusal = new ReplyError(ErrorCode.BadArgument, say`${code('<!channel>:x')} is not a component.`);
    expect(refusal).toBeInstanceOf(UserError);
    expect(refusal.message).toBe('`<!channel>:x` is not a component.');
    expect(userErrorText(refusal)).toBe('`&lt;!channel&gt;:x` is not a component.');
    expect(userErrorText(new UserError(ErrorCode.Forbidden, 'Only the commander may do that.'))).toBe(
      'Only the commander may do that.',
    );
  });
});
