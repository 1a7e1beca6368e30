// Ctrl-C on `nanoforge generate` (a real CLI process, the oracle model): whatever stage it is in,
// it prints the same one line, exits with 130 and leaves no file and no temp file behind. Stages
// are recognised from the CLI's own output (--verbose), not from timings.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { interruptMessage } from '../../src/cli/interrupt';
import { copyFixture, ensureFixtures } from '../fixtures/models';
import { CLI_MAIN } from './cli-helpers';

interface Interrupted { code: number | null; signal: NodeJS.Signals | null; stderr: string }

/** Runs the CLI (model store `store`) and sends SIGINT `times` times once stderr matches `when`. */
function interruptWhen(store: string, args: string[], when: RegExp, times = 1): Promise<Interrupted> {
  return new Promise((resolve, reject) => {
    // Its own store: the optimized-graph cache lives there, and a test must not write to the user's.
    const env = { ...process.env, NANOFORGE_MODELS: store };
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), CLI_MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (sent || !when.test(stderr)) return;
      sent = true;
      for (let i = 0; i < times; i++) child.kill('SIGINT');
    });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('hostile CLI: Ctrl-C during nanoforge generate', function () {
  this.timeout(120_000);
  let tmp: string;
  let model: string;

  before(async function () {
    this.timeout(180_000);
    await ensureFixtures();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-interrupt-'));
    // Without a scaling factor the loader logs a note after reading the configs and before it
    // opens any session: a line that marks "loading" in the output.
    model = await copyFixture('oracle-fp32', path.join(tmp, 'model'));
    const vae = path.join(model, 'vae_decoder', 'config.json');
    const config = JSON.parse(await fs.readFile(vae, 'utf8')) as Record<string, unknown>;
    delete config.scaling_factor;
    await fs.writeFile(vae, JSON.stringify(config));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  const stages: [string, RegExp, number][] = [
    ['while the model loads (before its sessions open)', /gives no scaling_factor/, 1],
    ['while denoising (after "Loaded")', /Loaded /, 1],
    ['twice in a row while denoising', /Loaded /, 2],
  ];
  for (const [stage, when, times] of stages) {
    it(`${stage}: one message, exit 130, no file and no temp file`, async () => {
      const dir = path.join(tmp, stage.replace(/\W+/g, '-'));
      await fs.mkdir(dir);
      const r = await interruptWhen(path.join(tmp, 'store'), ['generate', 'a red circle', '--model', model, '--out', path.join(dir, 'out.png'),
        '--size', '512x512', '--count', '8', '--steps', '100', '--device', 'cpu', '--verbose'], when, times);
      // What a shell reports ($?): 130 from exit code 130, or from dying of SIGINT (128 + 2), which is
      // how the CLI ends when it cannot wait for the run to stop (see exitInterrupted).
      const status = r.code ?? (r.signal ? 128 + os.constants.signals[r.signal] : -1);
      assert.equal(status, 130, `exit ${r.code ?? r.signal}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.filter((l) => l === interruptMessage('generate')).length, 1, r.stderr);
      assert.equal(lines.at(-1), interruptMessage('generate'));
      assert.ok(!/cancelled|Error|error:/.test(r.stderr), r.stderr);
      if (times === 1 && /loads/.test(stage)) assert.ok(!/Loaded /.test(r.stderr), `the run went on loading: ${r.stderr}`);
      assert.deepEqual(await fs.readdir(dir), []);
    });
  }
});
