import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { doctor } from '../../src/cli/doctor.ts';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { tempDir } from '../helpers/test-bot.ts';

const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', DATABASE_PATH: ':memory:' };
const problemsOf = (yaml: string): string[] => {
  try {
    loadConfig({ ...base, CONFIG_PATH: 'team.yaml' }, () => yaml);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('automations in the settings file', () => {
  it('accepts the whole operator contract, announce, page, alert and labels included', () => {
    const yaml = `
automations:
  - name: disk-full
    mode: on
    when: { event: alert, service: P5PP4N4, title_matches: 'disk (full|usage)', labels: { team: sre } }
    do:
      - runbook: { name: clean-tmp, params: { host: '{{alert.host}}' } }
      - invite: [U0123BOB, S0123SRE]
      - severity: sev1
      - announce: true
      - page: { escalation_policy: P2F4GX5, message: 'Disk full on {{incident.title}}' }
      - note: 'Automation cleaned /tmp; check the result in the thread.'
  - name: quiet
    mode: dry-run
    when: { event: unacknowledged, after_minutes: 10 }
    do: [ { note: x } ]
`;
    expect(problemsOf(yaml)).toEqual([]);
  });

  it('names each problem by its path', () => {
    const yaml = `
automations:
  - name: wake
    when: { event: unacknowledged }
    do: [ { note: x } ]
  - name: wake
    mode: sometimes
    when: { event: page, after_minutes: 5 }
    do: [ { reboot: everything }, { severity: sev9 } ]
`;
    expect(problemsOf(yaml)).toEqual([
      'team.yaml:4: automations[0].when.after_minutes required for unacknowledged',
      expect.stringMatching(/^team\.yaml:7: automations\[1\]\.mode /),
      'team.yaml:8: automations[1].when.after_minutes only applies to unacknowledged and update_overdue, not page',
      'team.yaml:9: automations[1].do[0] must be exactly one of runbook, invite, severity, note, announce, page, escalate',
      expect.stringMatching(/^team\.yaml:9: automations\[1\]\.do\[1\]\.severity /),
    ]);
  });

  it('refuses two automations of the same name', () => {
    const one = '  - name: wake\n    when: { event: page }\n    do: [ { note: x } ]\n';
    expect(problemsOf(`automations:\n${one}${one}`)).toEqual([
      'team.yaml:5: automations[1].name wake is used twice; names must be unique',
    ]);
  });

  it('refuses at start a title pattern that is not linear-time, or too long', () => {
    const pattern = (p: string) =>
      problemsOf(
        `automations:\n  - name: a\n    when: { event: page, title_matches: '${p}' }\n    do: [ { note: x } ]\n`,
      );
    expect(pattern('(disk)\\1')[0]).toMatch(
      /automations\[0\]\.when\.title_matches is not a linear-time pattern: invalid escape sequence/,
    );
    expect(pattern('(?=disk)full')[0]).toMatch(/is not a linear-time pattern/);
    expect(pattern('(?:a?){1000}')[0]).toMatch(/is too costly to match/);
    expect(pattern('a'.repeat(201))[0]).toMatch(/automations\[0\]\.when\.title_matches .*200/);
  });

  it('is checked by incident-bot doctor, which names the bad automation by its path', async () => {
    const tmp = tempDir();
    const file = join(tmp.dir, 'settings.yaml');
    writeFileSync(file, 'automations:\n  - name: wake\n    when: { event: update_overdue }\n    do: [ { note: x } ]\n');
    const lines: string[] = [];
    const code = await doctor({ ...base, CONFIG_PATH: file }, (l) => lines.push(l));
    tmp.cleanup();
    expect(code).toBe(1);
    expect(lines).toEqual([
      '✗ configuration',
      `    ${file}:3: automations[0].when.after_minutes required for update_overdue`,
    ]);
  });
});
