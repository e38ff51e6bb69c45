import { describe, expect, it } from 'vitest';
import { outgoingUrlAttributes } from '../../src/app/telemetry.ts';

describe("an outgoing call's span names its URL without the secrets URLs can carry", () => {
  it('keeps a Slack Web API method, which names the call', () => {
    expect(outgoingUrlAttributes('https://slack.com', '/api/chat.postMessage')).toEqual({
      'url.full': 'https://slack.com/api/chat.postMessage',
      'url.path': '/api/chat.postMessage',
      'url.query': '',
    });
  });

  it("hides a status webhook's path, where Slack-style hooks keep their secret", () => {
    const attributes = outgoingUrlAttributes('https://hooks.slack.com', '/services/T000/B000/XXXXSECRETXXXX');
    expect(attributes['url.full']).toBe('https://hooks.slack.com/[redacted]');
    expect(JSON.stringify(attributes)).not.toContain('SECRET');
  });

  it('never keeps a query, where tokens are often passed', () => {
    const attributes = outgoingUrlAttributes('https://status.example.com', '/hook?token=s3cr3t');
    expect(attributes).toEqual({
      'url.full': 'https://status.example.com/[redacted]',
      'url.path': '/[redacted]',
      'url.query': '',
    });
    expect(JSON.stringify(outgoingUrlAttributes('https://slack.com', '/api/auth.test?token=s3cr3t'))).not.toContain(
      's3cr3t',
    );
  });

  it('hides an upload URL, whose path is a one-time credential', () => {
    expect(outgoingUrlAttributes('https://files.slack.com', '/upload/v1/CwABAAAAXAoAAZ')['url.path']).toBe(
      '/[redacted]',
    );
  });
});
