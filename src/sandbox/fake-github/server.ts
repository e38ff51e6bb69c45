import { createHash } from 'node:crypto';
import type { Chaos } from '../chaos.ts';
import { holdThenDrop, type Outage } from '../outage.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GhCall {
  method: string;
  route: string;
  path: string;
  body: Record<string, unknown>;
  status: number;
}

interface Pull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
  state: 'open' | 'closed';
  labels: string[];
  mergedAt?: string;
}

interface FakeIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: 'open' | 'closed';
  closedAt: string | null;
  /** Changes with every edit: GitHub's ETag for GET /issues/:n, answered 304 when unchanged. */
  version: number;
}

/** Git's blob id: what GitHub reports as a file's `sha`. */
const blobSha = (content: string) =>
  createHash('sha1')
    .update(`blob ${Buffer.byteLength(content)}\0${content}`)
    .digest('hex');

/**
 * The part of GitHub's REST API the bot uses to publish reports, on 127.0.0.1: repository, refs,
 * contents, pull requests, issues, with GitHub's shapes and its 404/409/422 answers. Records
 * calls; can inject failures per route; a test can edit a file as a person would.
 */
export class FakeGitHub {
  readonly token = 'ghp_fake_token';
  /** Whether the token may push (GET /repos/… reports it as permissions.push). */
  canPush = true;
  readonly owner = 'acme';
  readonly repo = 'postmortems';
  readonly calls: GhCall[] = [];
  readonly branches = new Map<string, string>([['main', 'c0ffee0000000000000000000000000000000000']]);
  /** branch → path → content */
  readonly files = new Map<string, Map<string, string>>();
  readonly pulls: Pull[] = [];
  readonly issues: FakeIssue[] = [];
  private readonly faults: { route: string; status: number; message: string }[] = [];
  /** Whether draft pull requests are allowed (private repositories on some plans refuse them with a 422). */
  draftsSupported = true;
  private secondaryLimits: { left: number; retryAfter?: number } = { left: 0 };
  private server?: Server;
  private seq = 0;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Random faults on every call from now on, reproducible from the seed. */
  chaos?: Chaos;

  /** While set, GitHub is down: every call answers 503 or hangs, and nothing is done. */
  outage?: Outage;

  /** Where the repository's pages are (html_url); the sandbox serves them itself. */
  htmlUrl = `https://github.test/${this.owner}/${this.repo}`;

  /** The next request to `route` (e.g. 'POST /pulls') answers `status`. */
  inject(route: string, status: number, message = 'Injected failure'): void {
    this.faults.push({ route, status, message });
  }

  /** The repository as GitHub creates it without a README: no commits, so no branch, not even the default. */
  makeEmpty(): void {
    this.branches.clear();
    this.files.clear();
  }

  /**
   * The next `times` requests, whatever their route, hit GitHub's secondary rate limit: a 403 whose
   * x-ratelimit-remaining is not 0, with a Retry-After only when `retryAfter` (seconds) is given.
   */
  secondaryRateLimit(times: number, retryAfter?: number): void {
    this.secondaryLimits = { left: times, retryAfter };
  }

  /** A person edits the report on GitHub. */
  edit(branch: string, path: string, content: string): void {
    this.files.get(branch)?.set(path, content);
  }

  file(branch: string, path: string): string | undefined {
    return this.files.get(branch)?.get(path);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await new Promise<string>((resolve) => {
      let d = '';
      req.on('data', (c: Buffer) => (d += c.toString()));
      req.on('end', () => resolve(d));
    });
    const url = new URL(req.url ?? '/', 'http://x');
    const prefix = `/repos/${this.owner}/${this.repo}`;
    const method = req.method ?? 'GET';
    const rest = url.pathname.startsWith(prefix) ? decodeURIComponent(url.pathname.slice(prefix.length)) : null;
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const route =
      rest === null
        ? 'unknown'
        : `${method} ${rest === '' ? '/' : (/^\/(git\/refs?|contents|pulls|issues)/.exec(rest)?.[0] ?? rest)}`;
    const send = (status: number, payload: unknown) => {
      this.calls.push({ method, route, path: rest ?? url.pathname, body, status });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-media-type': 'github.v3' });
      res.end(JSON.stringify(payload));
    };
    const error = (status: number, message: string) =>
      send(status, { message, documentation_url: 'https://docs.github.com/rest' });
    const down = this.outage?.next();
    if (down === 'unavailable') return error(503, 'Service Unavailable');
    if (down === 'hang') {
      this.calls.push({ method, route, path: rest ?? url.pathname, body, status: 0 });
      return holdThenDrop(req.socket, this.outage!.holdMs);
    }
    if (!/^(token|Bearer) ghp_fake_token$/.test(req.headers.authorization ?? '')) return error(401, 'Bad credentials');
    if (rest === null) return error(404, 'Not Found');
    if (this.secondaryLimits.left > 0) {
      this.secondaryLimits.left--;
      const retryAfter = this.secondaryLimits.retryAfter;
      this.calls.push({ method, route, path: rest, body, status: 403 });
      res.writeHead(403, {
        'content-type': 'application/json; charset=utf-8',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4987',
        ...(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) }),
      });
      return void res.end(
        JSON.stringify({
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
            'If you reach out to GitHub Support for help, please include the request ID 0000:1111:2222.',
          documentation_url:
            'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        }),
      );
    }
    const chaos = this.chaos?.next() ?? null;
    if (chaos?.type === 'reset_before') return void req.socket.destroy();
    if (chaos?.type === 'timeout') return void setTimeout(() => req.socket.destroy(), chaos.holdMs);
    if (chaos?.type === 'slow') await new Promise((r) => setTimeout(r, chaos.delayMs));
    if (chaos?.type === 'rate_limited') {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(chaos.retryAfter) });
      return void res.end(JSON.stringify({ message: 'API rate limit exceeded' }));
    }
    if (chaos?.type === 'server_error') return error(chaos.status, 'Server Error');
    if (chaos?.type === 'reset_after') {
      // GitHub acts; the answer is lost. The response is written to nowhere.
      const realEnd = res.end.bind(res);
      res.end = ((..._args: unknown[]) => (req.socket.destroy(), res)) as typeof res.end;
      void realEnd;
    }
    const fault = this.faults.findIndex((f) => f.route === route);
    if (fault >= 0) {
      const f = this.faults.splice(fault, 1)[0]!;
      return error(f.status, f.message);
    }
    const html = this.htmlUrl;
    let m: RegExpExecArray | null;
    if (method === 'GET' && rest === '')
      return send(200, {
        id: 1,
        name: this.repo,
        full_name: `${this.owner}/${this.repo}`,
        default_branch: 'main',
        html_url: html,
        permissions: { admin: false, maintain: false, push: this.canPush, triage: true, pull: true },
      });
    // A repository without commits has no refs: GitHub's git API says so with a 409.
    const empty = this.branches.size === 0;
    if (empty && /^\/git\//.test(rest)) return error(409, 'Git Repository is empty.');
    if (method === 'GET' && (m = /^\/git\/ref\/heads\/(.+)$/.exec(rest))) {
      const sha = this.branches.get(m[1]!);
      return sha ? send(200, { ref: `refs/heads/${m[1]}`, object: { sha, type: 'commit' } }) : error(404, 'Not Found');
    }
    if (method === 'POST' && rest === '/git/refs') {
      const name = String(body.ref ?? '').replace(/^refs\/heads\//, '');
      if (!name || typeof body.sha !== 'string') return error(422, 'Invalid request');
      if (this.branches.has(name)) return error(422, 'Reference already exists');
      this.branches.set(name, body.sha);
      this.files.set(name, new Map(this.files.get('main') ?? []));
      return send(201, { ref: body.ref, object: { sha: body.sha, type: 'commit' } });
    }
    if ((m = /^\/contents\/(.+)$/.exec(rest))) {
      const path = m[1]!;
      if (empty && method === 'GET') return error(404, 'This repository is empty.');
      if (empty && method === 'PUT') {
        // The contents API may make an empty repository's first commit, on the default branch only.
        if (body.branch !== undefined && body.branch !== 'main')
          return error(404, `Branch ${String(body.branch)} not found`);
        if (typeof body.content !== 'string' || typeof body.message !== 'string') return error(422, 'Invalid request');
        const content = Buffer.from(body.content, 'base64').toString('utf8');
        const commit = blobSha(`commit${++this.seq}`);
        this.branches.set('main', commit);
        this.files.set('main', new Map([[path, content]]));
        return send(201, {
          content: { path, sha: blobSha(content), html_url: `${html}/blob/main/${path}` },
          commit: { sha: commit },
        });
      }
      const branch = method === 'GET' ? (url.searchParams.get('ref') ?? 'main') : String(body.branch ?? 'main');
      const files = this.files.get(branch);
      if (!files) return error(404, 'No commit found for the ref');
      const current = files.get(path);
      if (method === 'GET') {
        return current === undefined
          ? error(404, 'Not Found')
          : send(200, {
              type: 'file',
              path,
              sha: blobSha(current),
              content: Buffer.from(current).toString('base64'),
              encoding: 'base64',
              html_url: `${html}/blob/${branch}/${path}`,
            });
      }
      if (method === 'PUT') {
        if (typeof body.content !== 'string' || typeof body.message !== 'string') return error(422, 'Invalid request');
        if (current !== undefined && body.sha !== blobSha(current))
          return error(409, `${path} does not match ${String(body.sha)}`);
        if (current === undefined && body.sha) return error(422, "sha wasn't supplied for a new file");
        const content = Buffer.from(body.content, 'base64').toString('utf8');
        files.set(path, content);
        return send(current === undefined ? 201 : 200, {
          content: { path, sha: blobSha(content), html_url: `${html}/blob/${branch}/${path}` },
          commit: { sha: blobSha(`commit${++this.seq}`) },
        });
      }
    }
    if (method === 'GET' && rest === '/pulls') {
      const head = url.searchParams.get('head')?.replace(`${this.owner}:`, '');
      return send(
        200,
        this.pulls.filter((p) => !head || p.head === head).map((p) => this.pullJson(p, html)),
      );
    }
    if (method === 'POST' && rest === '/pulls') {
      const head = String(body.head ?? '');
      if (!this.branches.has(head)) return error(422, 'Validation Failed: head does not exist');
      if (this.pulls.some((p) => p.head === head && p.state === 'open'))
        return error(422, `A pull request already exists for ${this.owner}:${head}.`);
      // GitHub's own words and shape (no `errors` list) when a repository's plan has no drafts.
      if (body.draft === true && !this.draftsSupported)
        return error(422, 'Draft pull requests are not supported in this repository.');
      const pull: Pull = {
        number: ++this.seq,
        head,
        base: String(body.base),
        title: String(body.title),
        body: String(body.body ?? ''),
        draft: Boolean(body.draft),
        state: 'open',
        labels: [],
      };
      this.pulls.push(pull);
      return send(201, this.pullJson(pull, html));
    }
    if (method === 'GET' && (m = /^\/pulls\/(\d+)$/.exec(rest))) {
      const pull = this.pulls.find((p) => p.number === Number(m![1]));
      return pull ? send(200, this.pullJson(pull, html)) : error(404, 'Not Found');
    }
    if (method === 'PATCH' && (m = /^\/pulls\/(\d+)$/.exec(rest))) {
      const pull = this.pulls.find((p) => p.number === Number(m![1]));
      if (!pull) return error(404, 'Not Found');
      if (typeof body.body === 'string') pull.body = body.body;
      return send(200, this.pullJson(pull, html));
    }
    if (method === 'POST' && (m = /^\/issues\/(\d+)\/labels$/.exec(rest))) {
      const target =
        this.pulls.find((p) => p.number === Number(m![1])) ?? this.issues.find((i) => i.number === Number(m![1]));
      if (!target) return error(404, 'Not Found');
      const labels = Array.isArray(body.labels) ? body.labels.map(String) : [];
      if (!labels.length) return error(422, 'Invalid request');
      target.labels = [...new Set([...target.labels, ...labels])];
      return send(
        200,
        target.labels.map((name) => ({ name })),
      );
    }
    if (method === 'GET' && rest === '/issues') {
      const label = url.searchParams.get('labels');
      const page = this.issues
        .filter((i) => !label || i.labels.includes(label))
        .slice()
        .reverse();
      return send(
        200,
        page.map((i) => this.issueJson(i, html)),
      );
    }
    if (method === 'GET' && (m = /^\/issues\/(\d+)$/.exec(rest))) {
      const issue = this.issues.find((i) => i.number === Number(m![1]));
      if (!issue) return error(404, 'Not Found');
      const etag = `"issue-${issue.number}-v${issue.version}"`;
      // As GitHub: a matching If-None-Match is a bodiless 304 (and costs no rate limit there).
      if (req.headers['if-none-match'] === etag) {
        this.calls.push({ method, route, path: rest, body, status: 304 });
        res.writeHead(304, { etag });
        return void res.end();
      }
      res.setHeader('etag', etag);
      return send(200, this.issueJson(issue, html));
    }
    if (method === 'POST' && rest === '/issues') {
      if (typeof body.title !== 'string' || !body.title) return error(422, 'Validation Failed: title is missing');
      const issue: FakeIssue = {
        number: ++this.seq,
        title: body.title,
        body: String(body.body ?? ''),
        labels: (body.labels as string[]) ?? [],
        state: 'open',
        closedAt: null,
        version: 1,
      };
      this.issues.push(issue);
      return send(201, this.issueJson(issue, html));
    }
    error(404, 'Not Found');
  }

  /** A person closes a follow-up issue on GitHub (at `at`, now by default), or reopens it. */
  setIssueState(number: number, state: 'open' | 'closed', at = new Date()): void {
    const issue = this.issues.find((i) => i.number === number);
    if (!issue) throw new Error(`no issue #${number}`);
    Object.assign(issue, {
      state,
      closedAt: state === 'closed' ? at.toISOString().replace(/\.\d{3}Z$/, 'Z') : null,
      version: issue.version + 1,
    });
  }

  private issueJson(i: FakeIssue, html: string) {
    return {
      number: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      closed_at: i.closedAt,
      html_url: `${html}/issues/${i.number}`,
      labels: i.labels.map((name) => ({ name })),
    };
  }

  /** A person merges the pull request (as on GitHub: it is closed and merged). */
  merge(number: number): void {
    const pull = this.pulls.find((p) => p.number === number);
    if (!pull) throw new Error(`no pull request #${number}`);
    Object.assign(pull, { state: 'closed', draft: false, mergedAt: new Date().toISOString() });
  }

  /** A person closes it without merging. */
  close(number: number): void {
    const pull = this.pulls.find((p) => p.number === number);
    if (!pull) throw new Error(`no pull request #${number}`);
    pull.state = 'closed';
  }

  private pullJson(p: Pull, html: string) {
    return {
      number: p.number,
      html_url: `${html}/pull/${p.number}`,
      state: p.state,
      draft: p.draft,
      title: p.title,
      labels: p.labels.map((name) => ({ name })),
      body: p.body,
      head: { ref: p.head },
      base: { ref: p.base },
      merged: Boolean(p.mergedAt),
      merged_at: p.mergedAt ?? null,
    };
  }
}
