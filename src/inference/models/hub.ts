// Talking to the Hugging Face Hub (or a mirror): one HTTP primitive over node:http/https that follows
// redirects, goes through a proxy (VS Code's http.proxy or HTTPS_PROXY, with CONNECT for https), and
// turns hub answers into typed errors; the file listing comes from @huggingface/hub's listFiles fed
// by that primitive, so paging follows the hub's Link headers.
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { listFiles } from '@huggingface/hub';
import { errorMessage } from '../errors';
import { discardBounded, readBounded } from '../safety/bounded';
import { assertSafeEntry } from '../safety/paths';
import { describeValue } from '../safety/ranges';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export interface HubOptions {
  /** Hub base URL; default: HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** Access token for gated/private repositories. Sent only to the hub's own origin, never logged. */
  token?: string;
  /** Proxy URL (e.g. VS Code's `http.proxy`); '' disables; undefined: HTTPS_PROXY / HTTP_PROXY. */
  proxy?: string;
  /** false accepts self-signed proxies/mirrors (VS Code's `http.proxyStrictSSL`). */
  strictSSL?: boolean;
  /** Environment to read HF_ENDPOINT / proxy variables from (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

/** Base class: every hub failure names what was asked for. */
export class HubError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'HubError';
  }
}

/** 401/403: the repository needs a (better) token. The UI reacts to this type by asking for one. */
export class HubAuthError extends HubError {
  constructor(readonly repo: string, status: number) {
    super(
      status === 401
        ? `${repo} needs a Hugging Face token (the hub answered 401: the repository is gated or private, or does not exist)`
        : `your Hugging Face token has no access to ${repo} (403): accept the model's terms on its page or use a token with read access`,
      status,
    );
    this.name = 'HubAuthError';
  }
}

export class HubNotFoundError extends HubError {
  constructor(what: string) {
    super(`not found on the hub: ${what}`, 404);
    this.name = 'HubNotFoundError';
  }
}

/** Any other HTTP status; 429 and 5xx are worth retrying (`retryAfterMs` from Retry-After). */
export class HubHttpError extends HubError {
  constructor(what: string, status: number, readonly retryAfterMs?: number) {
    super(`the hub answered ${status} for ${what}`, status);
    this.name = 'HubHttpError';
  }
  get retryable(): boolean {
    return this.status === 429 || (this.status ?? 0) >= 500 || this.status === 408;
  }
}

/** DNS failure, refused connection, no route: usually offline. */
export class HubUnreachableError extends HubError {
  constructor(endpoint: string, readonly code: string, detail: string) {
    super(`cannot reach ${endpoint} (${code}: ${detail}); check the network, proxy (http.proxy / HTTPS_PROXY) or the hub endpoint setting`);
    this.name = 'HubUnreachableError';
  }
}

const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPROTO', 'CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);

export function hubEndpoint(opts: HubOptions): string {
  const env = opts.env ?? process.env;
  const chosen = opts.endpoint || env.HF_ENDPOINT || DEFAULT_ENDPOINT;
  return chosen.replace(/\/+$/, '');
}

/** The proxy for a target URL, honouring NO_PROXY; undefined for a direct connection. */
export function proxyFor(target: URL, opts: HubOptions): URL | undefined {
  const env = opts.env ?? process.env;
  const configured = opts.proxy !== undefined
    ? opts.proxy
    : target.protocol === 'https:'
      ? env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy
      : env.HTTP_PROXY ?? env.http_proxy;
  if (!configured) return undefined;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const host = target.hostname.toLowerCase();
  if (noProxy.some((p) => p === '*' || host === p.replace(/^\./, '') || host.endsWith(p.startsWith('.') ? p : `.${p}`))) return undefined;
  return new URL(configured.includes('://') ? configured : `http://${configured}`);
}

export interface HubResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Headers of the first answer before any redirect (the hub puts X-Linked-Etag/Size there). */
  firstHeaders: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  url: string;
}

export interface RequestOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** What is asked for, for error messages (e.g. `onnxruntime/sd-turbo unet/model.onnx`). */
  what: string;
  /** Repository, for the token error. */
  repo: string;
}

function proxyAuth(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

/** Opens a TLS connection to `target` through an HTTP CONNECT tunnel on the proxy. */
function tunnel(target: URL, proxy: URL, opts: HubOptions, signal?: AbortSignal): Promise<tls.TLSSocket> {
  const port = target.port || '443';
  return new Promise((resolve, reject) => {
    const req = http.request({ host: proxy.hostname, port: proxy.port || 80, method: 'CONNECT', path: `${target.hostname}:${port}`, headers: { host: `${target.hostname}:${port}`, ...proxyAuth(proxy) }, signal });
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(new HubError(`proxy ${proxy.host} refused the tunnel to ${target.host} (${res.statusCode})`, res.statusCode));
        return;
      }
      // Resolve only after the handshake: a certificate error must reject here, not surface later
      // as an unhandled 'error' on a socket nobody listens to yet.
      const secure = tls.connect({ socket, servername: target.hostname, rejectUnauthorized: opts.strictSSL !== false });
      secure.once('secureConnect', () => {
        secure.removeListener('error', reject);
        resolve(secure);
      });
      secure.once('error', reject);
    });
    req.once('error', reject);
    req.end();
  });
}

async function sendOnce(url: URL, method: string, headers: Record<string, string>, opts: HubOptions, signal?: AbortSignal): Promise<http.IncomingMessage> {
  const proxy = proxyFor(url, opts);
  const isHttps = url.protocol === 'https:';
  const base: https.RequestOptions = { method, headers, signal, rejectUnauthorized: opts.strictSSL !== false };
  let request: http.ClientRequest;
  if (proxy && isHttps) {
    const socket = await tunnel(url, proxy, opts, signal);
    request = https.request(url, { ...base, agent: false, createConnection: () => socket });
  } else if (proxy) {
    // Plain http through a proxy: absolute-form request line to the proxy itself.
    request = http.request({ ...base, host: proxy.hostname, port: proxy.port || 80, path: url.href, headers: { ...headers, host: url.host, ...proxyAuth(proxy) } });
  } else {
    request = (isHttps ? https : http).request(url, base);
  }
  return new Promise((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
    request.end();
  });
}

function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Maps a failed answer to a typed error (and drains it so the socket is freed). */
export function errorForStatus(res: http.IncomingMessage, what: string, repo: string): HubError {
  discardBounded(res);
  const status = res.statusCode ?? 0;
  if (status === 401 || status === 403) return new HubAuthError(repo, status);
  if (status === 404) return new HubNotFoundError(what);
  const header = res.headers['retry-after'];
  return new HubHttpError(what, status, retryAfterMs(Array.isArray(header) ? header[0] : header));
}

/**
 * One request with redirects followed (at most 5). The token goes only to the hub's own origin:
 * the signed CDN URLs the hub redirects LFS files to must not see it. Status errors are the
 * caller's to map (a Range answer may legitimately be 206 or 416).
 */
export async function hubRequest(url: string, opts: HubOptions, req: RequestOptions): Promise<HubResponse> {
  const endpoint = new URL(hubEndpoint(opts));
  let current = new URL(url);
  let firstHeaders: http.IncomingHttpHeaders | undefined;
  for (let hop = 0; hop <= 5; hop++) {
    const headers: Record<string, string> = { 'user-agent': 'nanoforge-model-manager', ...req.headers };
    if (opts.token && current.origin === endpoint.origin) headers.authorization = `Bearer ${opts.token}`;
    let res: http.IncomingMessage;
    try {
      res = await sendOnce(current, req.method ?? 'GET', headers, opts, req.signal);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (UNREACHABLE.has(code)) throw new HubUnreachableError(current.origin, code, errorMessage(error));
      throw error;
    }
    firstHeaders ??= res.headers;
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if ([301, 302, 303, 307, 308].includes(status) && location) {
      discardBounded(res);
      current = new URL(location, current);
      continue;
    }
    return { status, headers: res.headers, firstHeaders, body: res, url: current.href };
  }
  throw new HubError(`too many redirects for ${req.what}`);
}

/** Limits on what the hub's API may send: one JSON answer, one listing page, pages, files. */
export const HUB_LIMITS = Object.freeze({
  /** Revision info is a few hundred bytes; 1 MiB leaves room for siblings lists and cards. */
  apiAnswerBytes: 1024 * 1024,
  /** A page of 1 000 entries with LFS and security info is well under 1 MiB on the real hub. */
  listPageBytes: 16 * 1024 * 1024,
  /** Real exports list tens of files; 1 000 pages of 1 000 entries is far beyond any model. */
  listPages: 1000,
  listedFiles: 100_000,
});

/**
 * A `fetch` for @huggingface/hub built on hubRequest, so listing uses the same proxy/token rules.
 * Each page is read whole but bounded, paging stops after HUB_LIMITS.listPages pages, and a "next"
 * link may not lead away from the hub's origin.
 */
export function hubFetch(opts: HubOptions, repo: string, signal?: AbortSignal): typeof fetch {
  let pages = 0;
  const origin = new URL(hubEndpoint(opts)).origin;
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (++pages > HUB_LIMITS.listPages) throw new HubError(`${repo} file list: the hub listed more than ${HUB_LIMITS.listPages} pages; giving up`);
    if (new URL(url).origin !== origin) throw new HubError(`${repo} file list: the hub's next page is on another site (${new URL(url).origin}); refusing to follow it`);
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    delete headers.authorization; // hubRequest adds ours, for the hub origin only
    const res = await hubRequest(url, opts, { method: 'GET', headers, signal: signal ?? init?.signal ?? undefined, what: `${repo} file list`, repo });
    if (res.status >= 400) throw errorForStatus(res.body, `${repo} (${new URL(url).pathname})`, repo);
    const body = await readBounded(res.body, HUB_LIMITS.listPageBytes, `${repo} file list (page ${pages})`);
    const outHeaders = new Headers();
    for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) outHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
    // The page as text: a Uint8Array over a shared ArrayBufferLike is not a BodyInit for the DOM types.
    return new Response(body.toString('utf8'), { status: res.status, headers: outHeaders });
  };
}

/** One file of a repository as the hub lists it. */
export interface RepoFile {
  path: string;
  size: number;
  /** SHA-256 of the content for LFS/Xet files (the lfs oid). */
  sha256?: string;
  /** Git blob id (SHA-1 over "blob <size>\0" + content) for small files kept in git. */
  gitOid?: string;
}

async function readJson(res: HubResponse, what: string): Promise<unknown> {
  const text = (await readBounded(res.body, HUB_LIMITS.apiAnswerBytes, what)).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HubError(`${what}: the hub's answer is not JSON (${errorMessage(error)})`);
  }
}

/** API calls (revision, listing) must not hang on a silent hub or proxy; downloads have a stall timer. */
export const API_TIMEOUT_MS = 60_000;

/** Runs an API call under the caller's signal plus a timeout; the timeout reads as an unreachable hub. */
async function withApiTimeout<T>(opts: HubOptions, signal: AbortSignal | undefined, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const timeout = AbortSignal.timeout(API_TIMEOUT_MS);
  try {
    return await call(signal ? AbortSignal.any([signal, timeout]) : timeout);
  } catch (error) {
    if (timeout.aborted && !signal?.aborted) throw new HubUnreachableError(hubEndpoint(opts), 'ETIMEDOUT', `no complete answer within ${API_TIMEOUT_MS / 1000}s`);
    throw error;
  }
}

/** The commit a revision (branch, tag or commit) points at: `GET /api/models/<repo>/revision/<rev>`. */
export async function resolveRevision(repo: string, revision: string, opts: HubOptions, signal?: AbortSignal): Promise<string> {
  const what = `${repo}@${revision}`;
  const url = `${hubEndpoint(opts)}/api/models/${repo}/revision/${encodeURIComponent(revision)}`;
  const info = (await withApiTimeout(opts, signal, async (combined) => {
    const res = await hubRequest(url, opts, { what, repo, signal: combined, headers: { accept: 'application/json' } });
    if (res.status >= 400) throw errorForStatus(res.body, what, repo);
    return readJson(res, what);
  })) as { sha?: unknown } | null;
  const sha = info?.sha;
  if (typeof sha !== 'string' || !/^[0-9a-f]{40}$/.test(sha)) throw new HubError(`the hub gave no commit id for ${what}`);
  return sha;
}

/** Every file of the repository at `revision` (recursive listing, paged by the hub). */
export async function listRepoFiles(repo: string, revision: string, opts: HubOptions, signal?: AbortSignal): Promise<RepoFile[]> {
  return withApiTimeout(opts, signal, async (combined) => {
    const files: RepoFile[] = [];
    const entries = listFiles({ repo: { type: 'model', name: repo }, revision, recursive: true, hubUrl: hubEndpoint(opts), fetch: hubFetch(opts, repo, combined) });
    for await (const entry of entries) {
      if (entry?.type !== 'file') continue;
      if (files.length >= HUB_LIMITS.listedFiles) throw new HubError(`${repo}@${revision}: the hub listed more than ${HUB_LIMITS.listedFiles} files; giving up`);
      files.push(checkedRepoFile(entry, `${repo}@${revision} (hub file list)`));
    }
    return files;
  });
}

/** One listing entry as a RepoFile, after its path and size pass the checks every listed file must pass. */
function checkedRepoFile(entry: { path: unknown; size: unknown; oid?: unknown; lfs?: { oid?: unknown; size?: unknown } }, where: string): RepoFile {
  const file = assertSafeEntry(entry.path, where);
  const size = entry.lfs?.size ?? entry.size;
  if (!Number.isSafeInteger(size) || (size as number) < 0) {
    throw new HubError(`${where}: invalid size for "${file}": ${describeValue(size)} (a size must be a whole number of bytes from 0 to ${Number.MAX_SAFE_INTEGER})`);
  }
  const lfsOid = entry.lfs?.oid;
  const sha256 = typeof lfsOid === 'string' && /^[0-9a-f]{64}$/.test(lfsOid) ? lfsOid : undefined;
  const gitOid = !sha256 && typeof entry.oid === 'string' && /^[0-9a-f]{40}$/.test(entry.oid) ? entry.oid : undefined;
  return { path: file, size: size as number, ...(sha256 ? { sha256 } : {}), ...(gitOid ? { gitOid } : {}) };
}

/** The download URL of one file at one revision. */
export function resolveUrl(repo: string, revision: string, file: string, opts: HubOptions): string {
  const encoded = file.split('/').map(encodeURIComponent).join('/');
  return `${hubEndpoint(opts)}/${repo}/resolve/${encodeURIComponent(revision)}/${encoded}`;
}
