import type { Failure } from '../outbox/worker.ts';

/**
 * Slack errors that retrying cannot fix: the request itself is wrong. Auth errors are *not* here:
 * a revoked or mistyped token is fixed by the operator, and the queued work should then go out.
 */
const PERMANENT = new Set([
  'invalid_arguments',
  'invalid_arg_name',
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_too_long',
  'no_text',
  'too_many_attachments',
  'invalid_name',
  'invalid_name_specials',
  'invalid_name_maxlength',
  'invalid_name_punctuation',
  'invalid_name_required',
  'is_archived',
  'method_not_supported_for_channel_type',
  'unknown_method',
]);

export function classifySlackError(error: unknown): Failure {
  const e = error as { code?: string; retryAfter?: number; data?: { error?: string } };
  if (e?.code === 'slack_webapi_rate_limited_error') {
    return { type: 'rate_limited', retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
  }
  if (e?.code === 'slack_webapi_platform_error' && PERMANENT.has(e.data?.error ?? '')) {
    return { type: 'permanent' };
  }
  return { type: 'transient' };
}

export function slackErrorName(error: unknown): string | undefined {
  const e = error as { code?: string; data?: { error?: string } };
  return e?.code === 'slack_webapi_platform_error' ? e.data?.error : undefined;
}
