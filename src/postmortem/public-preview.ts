import { COMPONENT_STATUS_LABEL } from '../incidents/labels.ts';
import type { PublicReport } from '../incidents/public-report.ts';
import { escapeMarkdown } from './render.ts';

export const PREVIEW_HEADING = '## This will be published on the status page when merged';

/**
 * The public sections exactly as the status page will show them, for the report's pull request:
 * the reviewer approves this text by merging, and a merge publishes only this text.
 */
export function publicPreviewMarkdown(report: PublicReport | null): string {
  if (!report)
    return [
      PREVIEW_HEADING,
      '',
      'Nothing: the incident is not resolved, or was never on the status page. ' +
        'Once it can be, `/incident postmortem publish` previews its public report.',
    ].join('\n');
  const md = escapeMarkdown;
  const line = (text: string) => md(text).replace(/\s+/g, ' ');
  const affected = [
    ...(report.affected.impact ? [line(report.affected.impact), ''] : []),
    ...report.affected.components.map(
      (c) => `- ${line(c.name)}: ${COMPONENT_STATUS_LABEL[c.worst].toLowerCase()} for ${c.minutes} min`,
    ),
  ];
  return [
    PREVIEW_HEADING,
    '',
    `### Summary`,
    '',
    line(report.summary),
    '',
    '### Who was affected?',
    '',
    ...(affected.length ? affected : ['—']),
    '',
    '### What happened?',
    '',
    ...report.happened.map((h, i) => `${i + 1}. ${new Date(h.at).toISOString()} — ${md(h.status)}: ${line(h.text)}`),
    '',
    "### What we're doing to make sure it doesn't happen again",
    '',
    ...(report.doing.length ? report.doing.map((d) => `- ${line(d)}`) : ['Nothing further.']),
  ]
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
}
