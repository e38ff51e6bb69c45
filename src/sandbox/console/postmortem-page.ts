import type MarkdownIt from 'markdown-it';
import type { FakeGitHub } from '../fake-github/server.ts';

// Loaded when a page is first shown: most sandbox sessions never open one, and markdown-it (53
// modules) would otherwise sit in every sandbox's idle memory from the start.
let markdown: Promise<MarkdownIt> | undefined;
const md = () =>
  (markdown ??= import('markdown-it').then(
    // Raw HTML off: whatever reached the report is shown as text, never run.
    ({ default: MarkdownIt }) => new MarkdownIt({ html: false, linkify: true }),
  ));

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Front matter is data for tools, not prose: shown apart, as GitHub shows it. */
function splitFrontMatter(text: string): { front: string | null; body: string } {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  return m ? { front: m[1]!, body: text.slice(m[0].length) } : { front: null, body: text };
}

/** A page in the fake GitHub's clothes: the sandbox has no github.com to link to. */
const layout = (title: string, crumb: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · fake GitHub</title>
<link rel="icon" href="/status/favicon.svg"><link rel="stylesheet" href="/sandbox/sandbox.css"></head>
<body class="gh">
<header class="gh-head"><a href="/sandbox">← Sandbox</a> · acme/postmortems · ${crumb}</header>
<main class="gh-main">
<h1 class="gh-title">${escape(title)}</h1>
${body}
</main></body></html>`;

/** The report a pull request carries, rendered as GitHub would show the file; null if there is none. */
export async function postmortemPage(github: FakeGitHub, number: number): Promise<string | null> {
  const pull = github.pulls.find((p) => p.number === number);
  if (!pull) return null;
  const files = github.files.get(pull.head);
  const path = [...(files?.keys() ?? [])].find((f) => f.startsWith('postmortems/'));
  const text = path ? files!.get(path)! : null;
  const { front, body } = text ? splitFrontMatter(text) : { front: null, body: '' };
  return layout(
    pull.title,
    `pull request #${pull.number}${pull.draft ? ' <span class="tag">Draft</span>' : ''}`,
    `<p class="gh-meta">Branch <code>${escape(pull.head)}</code> into <code>${escape(pull.base)}</code>${path ? ` · <code>${escape(path)}</code>` : ''}</p>
${front ? `<details class="gh-front"><summary>Front matter</summary><pre>${escape(front)}</pre></details>` : ''}
<article class="markdown-body">${text ? (await md()).render(body) : '<p>The branch has no report file yet.</p>'}</article>`,
  );
}

/** A follow-up issue the bot filed. */
export async function issuePage(github: FakeGitHub, number: number): Promise<string | null> {
  const issue = github.issues.find((i) => i.number === number);
  if (!issue) return null;
  const labels = issue.labels.map((l) => `<span class="tag">${escape(l)}</span>`).join(' ');
  return layout(
    issue.title,
    `issue #${issue.number} ${labels}`,
    `<article class="markdown-body">${(await md()).render(issue.body)}</article>`,
  );
}
