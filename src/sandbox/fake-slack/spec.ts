import extracted from './web-api-methods.json' with { type: 'json' };

/** One Web API method as Slack's description gives it: its argument names, and which are required. */
export interface MethodSpec {
  params: string[];
  required: string[];
}

/** Methods the bot calls (or will), taken from Slack's OpenAPI description. */
export const USED_METHODS = [
  'auth.test',
  'chat.getPermalink',
  'chat.postEphemeral',
  'chat.postMessage',
  'chat.update',
  'conversations.archive',
  'conversations.create',
  'conversations.history',
  'conversations.info',
  'conversations.list',
  'conversations.invite',
  'conversations.setTopic',
  'conversations.replies',
  'pins.add',
  'pins.remove',
  'reactions.add',
  'usergroups.users.list',
  'users.info',
  'users.lookupByEmail',
  'views.open',
  'views.publish',
  'views.push',
  'views.update',
] as const;

/**
 * Arguments Slack added after the 2021 description in the fixture, checked by hand against
 * Slack's current method docs: message `metadata` (2022) and `force` on invites (2023).
 */
const LATER_ARGUMENTS: Record<string, string[]> = {
  'chat.postMessage': ['metadata'],
  'chat.update': ['metadata', 'reply_broadcast'],
  'conversations.history': ['include_all_metadata'],
  'conversations.replies': ['include_all_metadata'],
  'conversations.invite': ['force'],
};

interface OpenApiParam {
  name: string;
  in: string;
  required?: boolean;
}

export function extractMethods(
  spec: { paths: Record<string, Record<string, { parameters?: OpenApiParam[] }>> },
  methods: readonly string[],
): Record<string, MethodSpec> {
  const out: Record<string, MethodSpec> = {};
  for (const method of methods) {
    const path = spec.paths[`/${method}`];
    if (!path) throw new Error(`${method} is not in the Slack Web API description`);
    const params = Object.values(path).flatMap((op) => op.parameters ?? []);
    // The token travels in the Authorization header; the fake checks it there.
    const args = params.filter((p) => p.name !== 'token');
    out[method] = {
      params: [...new Set(args.map((p) => p.name))].sort(),
      required: [...new Set(args.filter((p) => p.required).map((p) => p.name))].sort(),
    };
  }
  return out;
}

/**
 * Methods Slack added after the 2021 description (the files.uploadV2 flow, 2023), specified by hand
 * from Slack's current method docs.
 */
const LATER_METHODS: Record<string, MethodSpec> = {
  'files.getUploadURLExternal': {
    params: ['alt_txt', 'filename', 'length', 'snippet_type'],
    required: ['filename', 'length'],
  },
  'files.completeUploadExternal': {
    params: ['blocks', 'channel_id', 'channels', 'files', 'initial_comment', 'thread_ts'],
    required: ['files'],
  },
};

/** The committed extract, with the later arguments and methods added. */
export function loadMethodSpecs(): Record<string, MethodSpec> {
  const specs: Record<string, MethodSpec> = { ...LATER_METHODS };
  for (const [method, spec] of Object.entries(extracted as Record<string, MethodSpec>)) {
    specs[method] = { ...spec, params: [...spec.params, ...(LATER_ARGUMENTS[method] ?? [])] };
  }
  return specs;
}
