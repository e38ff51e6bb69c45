import MarkdownIt from 'markdown-it';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { draftReport } from '../../src/postmortem/draft.ts';
import { draftDeps } from '../helpers/report.ts';
import { ALICE, BOB, useBot } from '../helpers/test-bot.ts';

// GitHub renders reports as GFM and lets some raw HTML through; markdown-it with html on is the
// stricter stand-in: anything our escaping misses shows up as a tag or a link here.
const gfm = new MarkdownIt({ html: true, linkify: true });
const tags = (html: string, tag: string) => html.match(new RegExp(`<${tag}[\\s>]`, 'g'))?.length ?? 0;

const TITLE = 'Checkout ../../etc/passwd <script>alert(1)</script> **bold** [x](javascript:alert(1))';
const HOSTILE_NOTES = [
  '<img src=x onerror=alert(1)>',
  'a | forged | cell |',
  'line one\n# Forged heading\n---\n| x | y |',
  '![pixel](https://evil.example/p.png)',
  '[click me](https://evil.example/phish) and <a href="https://evil.example">there</a>',
  '<details open><summary>hidden</summary>payload</details>',
  '`code` ~~strike~~ _em_ &amp; &lt;tag&gt; \\ backslash',
];

describe('a report written from hostile input', () => {
  const h = useBot({ scope: 'all' });

  it('keeps every user value as text: no tags, links, headings or table cells from users', () => {
    const svc = h.bot.app.incidents;
    const incident = svc.declare({ title: TITLE, severity: 'sev2', declaredBy: ALICE.id, source: 'slack' });
    for (const note of HOSTILE_NOTES) svc.addNote(incident.id, note, BOB.id);
    svc.addFollowup(incident.id, '- [x] already done\n<script>x()</script>', BOB.id, ALICE.id);
    svc.setImpact(incident.id, '# Owned\n<iframe src="https://evil.example"></iframe>', ALICE.id);

    const { markdown, slug, date } = draftReport(
      draftDeps(h, 'UTC'),
      incident.id,
      new Map([[BOB.id, '<b>bob</b> | x']]),
      'https://slack.com/app_redirect?channel=C1',
    );
    const html = gfm.render(markdown.replace(/^---\n[\s\S]*?\n---\n/, ''));

    for (const tag of ['script', 'img', 'iframe', 'details', 'b', 'del', 'em', 'code'])
      expect({ tag, n: tags(html, tag) }).toEqual({ tag, n: 0 });
    // The template's own emphasis (the date on the first timeline row) is the only one.
    expect(html.match(/<strong>[^<]*<\/strong>/g)).toEqual([
      expect.stringMatching(/^<strong>\d{4}-\d\d-\d\d<\/strong>$/),
    ]);
    expect(html).toContain('**bold** [x](javascript:alert(1))');
    // Bare URLs may be autolinked (GitHub does too) but then show their own address; a user can
    // make no disguised link. The one link with words is the bot's own, to the channel.
    const links = [...html.matchAll(/<a href="([^"]*)">([^<]*)<\/a>/g)].map(([, href, text]) => ({ href, text }));
    expect(links.filter((l) => l.href !== l.text)).toEqual([
      { href: 'https://slack.com/app_redirect?channel=C1', text: 'Slack channel' },
    ]);
    expect(links.length).toBeGreaterThan(1);
    expect(tags(html, 'h1')).toBe(1);
    expect(html.match(/<h2>[^<]*<\/h2>/g)).toEqual([
      '<h2>Summary</h2>',
      '<h2>Who was affected?</h2>',
      '<h2>What happened?</h2>',
      "<h2>What we're doing to make sure it doesn't happen again</h2>",
      '<h2>Key timings</h2>',
    ]);
    // Timeline: declared, commander, 7 notes, follow-up, impact; three columns in every row.
    const timeline = html.split('<h2>What happened?</h2>')[1]!.split('</table>')[0]!;
    expect(tags(timeline, 'tr')).toBe(1 + 11);
    expect(
      timeline
        .split('<tr>')
        .slice(1)
        .map((row) => tags(row, 'td') + tags(row, 'th')),
    ).toEqual(Array(12).fill(3));
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // One task-list entry, not a forged checked one.
    expect(markdown.match(/^- \[[ x]\] /gm)).toEqual(['- [ ] ']);
    // The front matter reads back as the title it was given.
    expect(parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(markdown)![1]!).title).toBe(TITLE);
    // The path built from the title stays inside postmortems/.
    expect(slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    const path = `postmortems/${date}-${slug}.md`;
    expect(posix.normalize(path)).toBe(path);
    expect(path.split('/')).toHaveLength(2);
  });

  it('renders 10,000 timeline events, every one a row, in order', () => {
    const svc = h.bot.app.incidents;
    const incident = svc.declare({
      title: 'Very long incident',
      severity: 'sev3',
      declaredBy: ALICE.id,
      source: 'slack',
    });
    const insert = h.bot.app.db.transaction(() => {
      for (let i = 1; i <= 10_000; i++) svc.addNote(incident.id, `event ${i} <i>${i}</i>`, BOB.id);
    });
    insert();
    const { markdown } = draftReport(draftDeps(h, 'UTC'), incident.id, new Map(), null);
    const rows = markdown.split('\n').filter((l) => l.includes('| Note: event '));
    expect(rows).toHaveLength(10_000);
    expect(rows[0]).toContain('Note: event 1 &lt;i&gt;1&lt;/i&gt; |');
    expect(rows.at(-1)).toContain('Note: event 10000 &lt;i&gt;10000&lt;/i&gt; |');
    // 10,000 changes: on PostgreSQL each waits for its statements' round trips (25 s on a loaded machine).
  }, 120_000);
});
