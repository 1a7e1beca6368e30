// Resolvers on a real temp tree: relative, web roots (public/, static/, src/assets/), workspace
// root, tsconfig/jsconfig `paths` (with baseUrl, comments, extends) and a multi-root workspace.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nodeProbe } from '../fixtures/node-probe';
import { cleanReference, resolveReference } from '../../src/extension/references/resolvers';
import { parseJsonc } from '../../src/extension/references/resolvers/tsconfig-paths';
import type { FileSystemProbe, ResolveContext } from '../../src/extension/references/types';

async function write(file: string, text = 'x'): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
}

describe('resolvers', () => {
  let root: string;
  let web: string; // Vite-like app with public/ and tsconfig paths
  let docs: string; // second root: Hugo-like site with static/ and jsconfig extends
  const ctx = (documentPath: string, probe: FileSystemProbe = nodeProbe): ResolveContext => ({ documentPath, workspaceFolders: [web, docs], probe });

  before(async () => {
    root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-resolve-')));
    web = path.join(root, 'web');
    docs = path.join(root, 'docs');
    await write(path.join(web, 'tsconfig.json'), `{
      // comments and trailing commas, as tsc allows
      "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["src/*"], "#images/*": ["src/assets/images/*", "shared/*"], }, },
    }`);
    await write(path.join(web, 'src/assets/logo.png'));
    await write(path.join(web, 'src/assets/images/hero.jpg'));
    await write(path.join(web, 'shared/only-shared.svg'));
    await write(path.join(web, 'src/components/Header.tsx'));
    await write(path.join(web, 'src/components/icons/cart.svg'));
    await write(path.join(web, 'public/favicon.ico'));
    await write(path.join(web, 'public/img/og.png'));
    await write(path.join(web, 'README.md'));
    await write(path.join(web, 'docs/shot.png'));
    await write(path.join(docs, 'jsconfig.base.json'), '{ "compilerOptions": { "paths": { "~img/*": ["./static/images/*"] } } }');
    await write(path.join(docs, 'jsconfig.json'), '{ "extends": "./jsconfig.base.json" }');
    await write(path.join(docs, 'static/images/diagram.png'));
    await write(path.join(docs, 'content/post.md'));
    await write(path.join(docs, 'root-only.gif'));
  });
  after(async () => fs.rm(root, { recursive: true, force: true }));

  it('resolves relative to the document first', async () => {
    const doc = path.join(web, 'src/components/Header.tsx');
    assert.deepEqual(await resolveReference('./icons/cart.svg', ctx(doc)), { resolved: path.join(web, 'src/components/icons/cart.svg'), candidate: path.join(web, 'src/components/icons/cart.svg'), folder: web, resolver: 'relative' });
    const up = await resolveReference('../assets/logo.png', ctx(doc));
    assert.equal(up.resolved, path.join(web, 'src/assets/logo.png'));
  });

  it('resolves tsconfig paths aliases with baseUrl and several targets', async () => {
    const doc = path.join(web, 'src/components/Header.tsx');
    const a = await resolveReference('@/assets/logo.png', ctx(doc));
    assert.deepEqual([a.resolved, a.resolver], [path.join(web, 'src/assets/logo.png'), 'tsconfig-paths']);
    assert.equal((await resolveReference('#images/hero.jpg', ctx(doc))).resolved, path.join(web, 'src/assets/images/hero.jpg'));
    assert.equal((await resolveReference('#images/only-shared.svg', ctx(doc))).resolved, path.join(web, 'shared/only-shared.svg'));
  });

  it('plans a missing aliased file at the first alias target', async () => {
    const r = await resolveReference('@/assets/new-banner.png', ctx(path.join(web, 'src/components/Header.tsx')));
    assert.deepEqual(r, { candidate: path.join(web, 'src/assets/new-banner.png'), folder: web, resolver: 'tsconfig-paths' });
  });

  it('resolves root-relative paths from public/ and plans missing ones there', async () => {
    const doc = path.join(web, 'src/components/Header.tsx');
    assert.equal((await resolveReference('/favicon.ico', ctx(doc))).resolved, path.join(web, 'public/favicon.ico'));
    assert.equal((await resolveReference('/img/og.png?v=2', ctx(doc))).resolved, path.join(web, 'public/img/og.png'));
    const missing = await resolveReference('/img/missing.png', ctx(doc));
    assert.deepEqual([missing.resolved, missing.candidate, missing.resolver], [undefined, path.join(web, 'public/img/missing.png'), 'public-folders']);
  });

  it('falls back to src/assets/ and the workspace root for bare paths', async () => {
    const doc = path.join(web, 'README.md');
    assert.equal((await resolveReference('docs/shot.png', ctx(doc))).resolved, path.join(web, 'docs/shot.png'));
    assert.equal((await resolveReference('logo.png', ctx(path.join(web, 'src/components/Header.tsx')))).resolved, path.join(web, 'src/assets/logo.png'));
  });

  it('plans a missing relative file next to the document', async () => {
    const doc = path.join(web, 'src/components/Header.tsx');
    const r = await resolveReference('./icons/missing.svg', ctx(doc));
    assert.deepEqual(r, { candidate: path.join(web, 'src/components/icons/missing.svg'), folder: web, resolver: 'relative' });
  });

  it('works per root in a multi-root workspace (jsconfig extends, static/, other roots)', async () => {
    const post = path.join(docs, 'content/post.md');
    const alias = await resolveReference('~img/diagram.png', ctx(post));
    assert.deepEqual([alias.resolved, alias.folder], [path.join(docs, 'static/images/diagram.png'), docs]);
    assert.equal((await resolveReference('/images/diagram.png', ctx(post))).resolved, path.join(docs, 'static/images/diagram.png'));
    assert.equal((await resolveReference('/root-only.gif', ctx(post))).resolved, path.join(docs, 'root-only.gif'));
    // Found in the other root when the document's own root lacks it.
    const other = await resolveReference('/favicon.ico', ctx(post));
    assert.deepEqual([other.resolved, other.folder], [path.join(web, 'public/favicon.ico'), web]);
    // Missing: planned in the document's root, not the first root.
    const planned = await resolveReference('/images/new.png', ctx(post));
    assert.deepEqual([planned.candidate, planned.folder], [path.join(docs, 'static/images/new.png'), docs]);
  });

  it('reports an empty folder for a document outside every workspace folder', async () => {
    const r = await resolveReference('./a.png', ctx(path.join(root, 'elsewhere/file.ts')));
    assert.deepEqual([r.candidate, r.folder], [path.join(root, 'elsewhere/a.png'), '']);
  });

  it('goes through the injected probe only (no direct fs access)', async () => {
    const asked: string[] = [];
    const fake: FileSystemProbe = {
      exists: async (p) => { asked.push(p); return p === '/v/app/public/x.png' || p === '/v/app/public'; },
      readText: async () => undefined,
    };
    const r = await resolveReference('/x.png', { documentPath: '/v/app/index.html', workspaceFolders: ['/v/app'], probe: fake });
    assert.equal(r.resolved, '/v/app/public/x.png');
    assert.ok(asked.includes('/v/app/public'));
  });

  it('uses the conventional @/ alias without a tsconfig', async () => {
    const fake: FileSystemProbe = { exists: async (p) => p === '/v/app/src/assets/a.png', readText: async () => undefined };
    const r = await resolveReference('@/assets/a.png', { documentPath: '/v/app/src/App.vue', workspaceFolders: ['/v/app'], probe: fake });
    assert.equal(r.resolved, '/v/app/src/assets/a.png');
  });

  it('cleans queries, hashes and %-escapes, keeping invalid escapes as written', () => {
    assert.equal(cleanReference('img/my%20logo.png?v=1#x'), 'img/my logo.png');
    assert.equal(cleanReference('50%.png'), '50%.png');
  });

  it('parses tsconfig JSONC without touching // inside strings', () => {
    assert.deepEqual(parseJsonc('{ "a": "http://x//y", /* c */ "b": [1,], }'), { a: 'http://x//y', b: [1] });
  });
});
