import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readBody } from '../../http/read-body.ts';
import { sendJson, type Route } from '../../http/server.ts';
import { PAGE_PRESETS, type PagePreset } from '../cast.ts';
import { ConsoleInputError, type SandboxConsole } from './console.ts';
import { issuePage, postmortemPage } from './postmortem-page.ts';
import { snapshot } from './snapshot.ts';

const asset = (name: string) => readFileSync(new URL(`../../../templates/sandbox/${name}`, import.meta.url), 'utf8');
const ASSETS = {
  html: asset('sandbox.html'),
  js: asset('sandbox.js'),
  mrkdwn: asset('mrkdwn.js'),
  css: asset('sandbox.css'),
};

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const userId = z.string().regex(/^U[A-Z0-9]{2,20}$/);
const channelId = z.string().regex(/^C[A-Z0-9]{2,20}$/);
const text = z.string().trim().min(1, 'Type something first.').max(4000);
const BODIES = {
  command: z.object({ user: userId, channel: channelId, text: z.string().max(4000) }),
  say: z.object({ user: userId, channel: channelId, text }),
  click: z.object({
    user: userId,
    channel: channelId,
    ts: z.string().regex(/^\d+\.\d+$/),
    action_id: z.string().min(1).max(255),
    value: z.string().max(2000),
    block_id: z.string().max(255).optional(),
  }),
  submit: z.object({
    user: userId,
    fields: z.record(z.string().max(255), z.union([z.string().max(3000), z.array(z.string().max(255)).max(100)])),
  }),
  close: z.object({ user: userId }),
  home: z.object({ user: userId }),
  invite: z.object({ user: userId, channel: channelId, invitee: userId }),
  leave: z.object({ user: userId, channel: channelId }),
  homeClick: z.object({ user: userId, action_id: z.string().min(1).max(255), value: z.string().max(2000) }),
  page: z.object({ alert: z.enum(Object.keys(PAGE_PRESETS) as [PagePreset, ...PagePreset[]]).optional() }),
};

const send = (res: ServerResponse, type: string, body: string, headers: Record<string, string> = HEADERS) => {
  res.writeHead(200, { 'content-type': type, ...headers });
  res.end(body);
};

/**
 * A page elsewhere can point its own name at 127.0.0.1 (DNS rebinding) and then read this machine as
 * same-origin; the Host header still names that site. So every sandbox route, reads included,
 * answers only a loopback name: localhost, 127.0.0.1 or [::1], with or without a port.
 */
const LOOPBACK_HOST = /^(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/i;
const loopback = (req: IncomingMessage) => LOOPBACK_HOST.test(req.headers.host ?? '');
const FORBIDDEN = {
  error: 'forbidden',
  message:
    'The sandbox console only answers its own page on this machine (open it at http://localhost:<port>/sandbox).',
};

function onlyLoopback(route: Route): Route {
  return {
    ...route,
    handle: (req, res, params) => (loopback(req) ? route.handle(req, res, params) : sendJson(res, 403, FORBIDDEN)),
  };
}

/**
 * The console signs requests as anyone, so only pages it served may drive it: JSON bodies only
 * (a cross-site form cannot send them without a preflight we never allow) and a same-origin Origin
 * when the browser sends one (the Host is checked for every route, by `onlyLoopback`).
 */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin && origin !== `http://${req.headers.host}`) return false;
  return (req.headers['content-type'] ?? '').startsWith('application/json');
}

function action<S extends z.ZodType>(
  schema: S,
  run: (body: z.infer<S>) => Promise<unknown> | unknown,
): Route['handle'] {
  return async (req, res) => {
    if (!sameOrigin(req)) return sendJson(res, 403, FORBIDDEN);
    let raw: unknown;
    try {
      raw = JSON.parse((await readBody(req, 64 * 1024)).toString('utf8'));
    } catch {
      return sendJson(res, 400, { error: 'bad_request', message: 'Send a JSON body of at most 64 KB.' });
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success)
      return sendJson(res, 400, {
        error: 'bad_request',
        message: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
      });
    try {
      sendJson(res, 200, (await run(parsed.data)) ?? { ok: true });
    } catch (error) {
      if (error instanceof ConsoleInputError) return sendJson(res, 400, { error: error.code, message: error.message });
      throw error;
    }
  };
}

/** GET /sandbox and its API; only mounted when the bot runs as a sandbox. */
export function sandboxRoutes(c: SandboxConsole): Route[] {
  const { slack, github } = c.deps;
  // The fake GitHub's html_url pages, so that the bot's own links lead somewhere.
  const githubPage = (
    path: string,
    render: (gh: typeof github, n: number) => Promise<string | null>,
    what: string,
  ): Route => ({
    method: 'GET',
    path,
    handle: async (_req, res, params) => {
      const page = /^\d{1,9}$/.test(params.number ?? '') ? await render(github, Number(params.number)) : null;
      if (!page) return sendJson(res, 404, { error: 'not_found', message: `No such ${what} in the sandbox.` });
      send(res, 'text/html; charset=utf-8', page);
    },
  });
  const routes: Route[] = [
    { method: 'GET', path: '/sandbox', handle: (_req, res) => send(res, 'text/html; charset=utf-8', ASSETS.html) },
    {
      method: 'GET',
      path: '/sandbox/sandbox.js',
      handle: (_req, res) => send(res, 'text/javascript; charset=utf-8', ASSETS.js),
    },
    {
      method: 'GET',
      path: '/sandbox/mrkdwn.js',
      handle: (_req, res) => send(res, 'text/javascript; charset=utf-8', ASSETS.mrkdwn),
    },
    {
      method: 'GET',
      path: '/sandbox/sandbox.css',
      handle: (_req, res) => send(res, 'text/css; charset=utf-8', ASSETS.css),
    },
    {
      method: 'GET',
      path: '/sandbox/api/state',
      handle: (req, res) => {
        const q = new URL(req.url ?? '/', 'http://x').searchParams;
        const user = userId.safeParse(q.get('user'));
        if (!user.success || !slack.ws.users.has(user.data))
          return sendJson(res, 400, { error: 'bad_request', message: 'Pick a sandbox user.' });
        // Polled about once a second: unchanged state costs one string comparison.
        if (q.get('since') === c.version()) return void res.writeHead(204, { 'cache-control': 'no-store' }).end();
        sendJson(res, 200, snapshot({ slack, github, console: c }, user.data, q.get('channel') ?? undefined));
      },
    },
    {
      method: 'POST',
      path: '/sandbox/api/command',
      handle: action(BODIES.command, (b) => c.command(b.user, b.channel, b.text)),
    },
    { method: 'POST', path: '/sandbox/api/say', handle: action(BODIES.say, (b) => c.say(b.user, b.channel, b.text)) },
    {
      method: 'POST',
      path: '/sandbox/api/click',
      handle: action(BODIES.click, (b) => c.click(b.user, b.channel, b.ts, b.action_id, b.value, b.block_id)),
    },
    { method: 'POST', path: '/sandbox/api/submit', handle: action(BODIES.submit, (b) => c.submit(b.user, b.fields)) },
    { method: 'POST', path: '/sandbox/api/close', handle: action(BODIES.close, (b) => c.close(b.user)) },
    { method: 'POST', path: '/sandbox/api/home', handle: action(BODIES.home, (b) => c.openHome(b.user)) },
    {
      method: 'POST',
      path: '/sandbox/api/invite',
      handle: action(BODIES.invite, (b) => c.invite(b.user, b.channel, b.invitee)),
    },
    { method: 'POST', path: '/sandbox/api/leave', handle: action(BODIES.leave, (b) => c.leave(b.user, b.channel)) },
    {
      method: 'POST',
      path: '/sandbox/api/home-click',
      handle: action(BODIES.homeClick, (b) => c.homeClick(b.user, b.action_id, b.value)),
    },
    { method: 'POST', path: '/sandbox/api/page', handle: action(BODIES.page, (b) => c.page(b.alert)) },
    githubPage('/sandbox/github/pull/:number', postmortemPage, 'pull request'),
    githubPage('/sandbox/github/issues/:number', issuePage, 'issue'),
  ];
  return routes.map(onlyLoopback);
}
