// A clone from the web just works: this repository is cloned into an empty temporary folder and the
// README's Quick start runs there verbatim (scripts/quickstart.mjs reads the commands from README.md),
// then the icon it writes is checked pixel by pixel. `npm ci` runs as written; npm_config_prefer_offline
// makes it take the packages from the local npm cache (filled by this checkout's own install) and ask the
// registry only for one missing there, so the test does not download ~550 MB on every run. It clones the
// committed HEAD: commit first to test a change here.
import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';

interface QuickStartRun { parent: string; clone: string; image: string; commands: string[]; timings: { command: string; seconds: number }[] }
interface QuickStartModule {
  REPO_ROOT: string;
  quickStartCommands(readme: string): string[];
  runQuickStart(opts: { env?: Record<string, string>; log?: (text: string) => void }): Promise<QuickStartRun>;
}

const SCRIPT = path.resolve(__dirname, '../../scripts/quickstart.mjs');

describe('README Quick start in a fresh clone', function () {
  this.timeout(900_000);
  let qs: QuickStartModule;
  let run: QuickStartRun | undefined;
  let output = '';
  let store: string | undefined;

  before(async function () {
    // An ES module: loaded at run time (its path as a variable keeps TypeScript from resolving it).
    qs = (await import(pathToFileURL(SCRIPT).href)) as QuickStartModule;
    if (!existsSync(path.join(qs.REPO_ROOT, '.git'))) this.skip(); // an unpacked archive has nothing to clone
  });
  after(async () => {
    if (store) await fs.rm(store, { recursive: true, force: true });
    if (run) await fs.rm(run.parent, { recursive: true, force: true });
  });

  it('reads the commands from README.md: install, build, fixtures, then one generate', async () => {
    const commands = qs.quickStartCommands(await fs.readFile(path.join(qs.REPO_ROOT, 'README.md'), 'utf8'));
    assert.equal(commands[0], 'npm ci && npm run build && npm run fixtures');
    assert.match(commands[1] ?? '', /^node dist\/cli\.js generate "a green circle on white" .*--kind icon --out logo\.png$/);
    assert.throws(() => qs.quickStartCommands('# x\n## Quick start\nno block\n## Next\n'), /has no ```sh block/);
  });

  it('runs them verbatim in a clone with nothing beside it and writes the 512×512 icon', async () => {
    // The model store (and its optimized-graph cache) in a temp folder, not the user's ~/.cache.
    store = await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-quickstart-store-'));
    const env = { npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', NANOFORGE_MODELS: store };
    run = await qs.runQuickStart({ env, log: (t) => (output += t) });
    const parentEntries = await fs.readdir(run.parent);
    assert.deepEqual(parentEntries, ['nanoforge'], 'nothing beside the clone');
    // npm 11 skipped every dependency install script (package.json's allowScripts), and did not warn about .npmrc.
    assert.doesNotMatch(output, /Unknown project config|install scripts? (?:were|was) skipped|not yet covered by allowScripts/i, output);
    assert.ok(!existsSync(path.join(run.clone, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so')), 'no CUDA download');
    const { data, info } = await sharp(run.image).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [512, 512, 4], output.slice(-2000));
    const at = (x: number, y: number): number[] => Array.from(data.subarray((y * 512 + x) * 4, (y * 512 + x) * 4 + 4));
    assert.deepEqual(at(256, 256), [0, 128, 0, 255], 'a green disc in the middle');
    assert.equal(at(0, 0)[3], 0, 'the white background was cut out');
    assert.equal(at(511, 511)[3], 0);
    for (const t of run.timings) console.log(`      ${t.seconds.toFixed(1).padStart(6)} s  ${t.command}`);
  });
});
