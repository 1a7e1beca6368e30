// Nothing Nanoforge runs may leave files in the system temp folder. onnxruntime-node 1.30's telemetry
// client wrote `.ses` and `mat-debug-<pid>.log` there from every process that opened a session; the
// backend turns it off. Checked on a real generation in a child process whose TMPDIR is an empty folder.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureFixtures } from '../fixtures/models';
import { runCli } from './cli-helpers';

describe('temp folder hygiene', function () {
  this.timeout(120_000);
  let scratch: string;

  before(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-tmpcheck-'));
  });
  after(async () => {
    await fs.rm(scratch, { recursive: true, force: true });
  });

  it('a generation writes nothing into the temp folder (onnxruntime telemetry is off)', async () => {
    const model = (await ensureFixtures()).path('oracle-fp32');
    const tmp = path.join(scratch, 'tmp');
    await fs.mkdir(tmp);
    const out = path.join(scratch, 'out', 'red.png');
    // TSX_DISABLE_CACHE: tsx, which runs the CLI from source here, would otherwise keep its cache in TMPDIR.
    const r = await runCli(['generate', 'a red apple', '--model', model, '--out', out, '--size', '64', '--steps', '1', '--device', 'cpu'], {
      env: { TMPDIR: tmp, TSX_DISABLE_CACHE: '1', ORT_DISABLE_TELEMETRY: '' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await fs.stat(out)).size > 0);
    assert.deepEqual(await fs.readdir(tmp), []);
  });
});
