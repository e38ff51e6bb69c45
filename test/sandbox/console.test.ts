import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config.ts';
import { escapeTypedText } from '../../src/sandbox/console/slack-escape.ts';
import { viewStateValues } from '../../src/sandbox/console/view-values.ts';
import { startMode } from '../../src/sandbox/mode.ts';
import { updateModal } from '../../src/slack/views.ts';

describe('when npm start runs the sandbox', () => {
  it('runs it only with no credentials at all, and never in production', () => {
    expect(startMode({})).toBe('sandbox');
    expect(startMode({ PORT: '3000', SLACK_API_URL: 'http://127.0.0.1:1/api/', SLACK_BOT_TOKEN: '  ' })).toBe(
      'sandbox',
    );
    expect(startMode({ GITHUB_TOKEN: 'ghp_x' })).toBe('configured');
    expect(startMode({ PAGERDUTY_WEBHOOK_SECRETS: 's' })).toBe('configured');
    expect(() => startMode({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(startMode({ NODE_ENV: 'production', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' })).toBe(
      'configured',
    );
  });
});

describe('the sandbox client', () => {
  it('escapes typed text and links people and channels as Slack\u2019s client does', () => {
    const users = [{ id: 'U0BOB0001', name: 'bob' }];
    const channels = [{ id: 'C0GENERAL', name: 'general' }];
    expect(escapeTypedText('role comms @bob & @nobody in #general <b>', users, channels)).toBe(
      'role comms <@U0BOB0001|bob> &amp; @nobody in <#C0GENERAL|general> &lt;b&gt;',
    );
    // An address is not a mention.
    expect(escapeTypedText('mail bob@example.com', users, channels)).toBe('mail bob@example.com');
  });

  it('submits a form in Slack\u2019s shape, with only options the form offered', () => {
    const view = updateModal({ id: 7, title: 'Checkout down', status: 'investigating' } as never, [
      { id: 'checkout', name: 'Checkout' },
    ]);
    const values = viewStateValues(view, {
      status: 'identified',
      message: 'Rolled back',
      components: ['checkout', 'not-offered'],
      component_status: 'made_up_status',
      public: ['public'],
      not_a_block: 'ignored',
    });
    expect(values).toEqual({
      status: {
        value: {
          type: 'static_select',
          selected_option: { text: { type: 'plain_text', text: 'Identified' }, value: 'identified' },
        },
      },
      message: { value: { type: 'plain_text_input', value: 'Rolled back' } },
      components: {
        value: {
          type: 'multi_static_select',
          selected_options: [{ text: { type: 'plain_text', text: 'Checkout' }, value: 'checkout' }],
        },
      },
      component_status: { value: { type: 'static_select', selected_option: null } },
      public: { value: { type: 'checkboxes', selected_options: [expect.objectContaining({ value: 'public' })] } },
    });
  });
});
