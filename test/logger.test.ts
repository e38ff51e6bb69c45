import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/lib/logger.ts';

describe('logging', () => {
  const capture = () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (chunk, _enc, cb) => (lines.push(chunk.toString()), cb()) });
    return { lines, log: createLogger('debug', stream) };
  };

  it('writes JSON lines with the context of child loggers', () => {
    const { lines, log } = capture();
    log.child({ source: 'slack', request_id: 'r1' }).child({ incident_id: 7 }).info('declared');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 30,
      source: 'slack',
      request_id: 'r1',
      incident_id: 7,
      msg: 'declared',
    });
  });

  it('never writes a token or secret, wherever it sits in the record', () => {
    const { lines, log } = capture();
    const config = loadConfig(
      { SLACK_BOT_TOKEN: 'xoxb-SECRET-1', SLACK_SIGNING_SECRET: 'SECRET-2', PAGERDUTY_WEBHOOK_SECRETS: 'SECRET-3' },
      () => '',
    );
    log.info({ config }, 'config');
    log.info({ slack: config.slack, headers: { authorization: 'Bearer SECRET-4' } }, 'nested');
    log.info({ token: 'SECRET-5', req: { headers: { authorization: 'Bearer SECRET-6' } } }, 'top');
    log.child({ github: { token: 'SECRET-7' } }).info({ list: [{ apiKey: 'SECRET-8' }] }, 'child and arrays');
    const out = lines.join('');
    expect(out).not.toMatch(/SECRET/);
    expect(out).toContain('[redacted]');
    expect(lines).toHaveLength(4);
    // Ordinary fields are untouched.
    expect(JSON.parse(lines[0]!).config.slack.apiUrl).toBe('https://slack.com/api/');
  });
});
