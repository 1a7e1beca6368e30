// The editor-independent half of "Optimize Model for This Machine": variant per device, target
// folder, and the CLI arguments it runs, followed through a real `nanoforge quantize` process.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureFixtures } from '../fixtures/models';
import { EXIT_VERIFICATION_FAILED as CLI_EXIT_VERIFICATION_FAILED } from '../../src/cli/commands/quantize';
import { describeResult, EXIT_VERIFICATION_FAILED, parseProgressLine, progressPercent, quantizeArgs, recommendVariant, targetFolder } from '../../src/extension/commands/optimize-plan';
import type { QuantizeManifest, QuantizeProgress } from '../../src/inference/models/quantize';

describe('optimize plan', function () {
  this.timeout(90_000);

  it('recommends fp16 for GPU providers and int8 for the CPU', () => {
    assert.equal(recommendVariant('cpu'), 'int8');
    for (const gpu of ['cuda', 'dml', 'coreml', 'webgpu'] as const) assert.equal(recommendVariant(gpu), 'fp16');
  });

  it('reads a failed verification by the exit code the CLI uses (the extension cannot import the CLI)', () => {
    assert.equal(EXIT_VERIFICATION_FAILED, CLI_EXIT_VERIFICATION_FAILED);
  });

  it('puts the converted model beside the original', () => {
    assert.equal(targetFolder('/models/sd-turbo/', 'int8'), path.resolve('/models/sd-turbo-int8'));
    assert.deepEqual(quantizeArgs('/ext/dist/cli.js', '/m/a', '/m/a-fp16', 'fp16', true), ['/ext/dist/cli.js', 'quantize', '/m/a', '/m/a-fp16', '--to', 'fp16', '--json', '--progress-jsonl', '--force']);
  });

  it('ignores lines that are not progress', () => {
    assert.equal(parseProgressLine('warning: something'), undefined);
    assert.equal(parseProgressLine('{"type":"other"}'), undefined);
    assert.equal(parseProgressLine('{broken'), undefined);
    assert.deepEqual(parseProgressLine('{"type":"progress","phase":"convert","done":5,"total":10,"component":"unet/model.onnx"}'),
      { phase: 'convert', done: 5, total: 10, component: 'unet/model.onnx', message: undefined });
    assert.equal(progressPercent({ phase: 'convert', done: 5, total: 10 }), 40);
    assert.equal(progressPercent({ phase: 'done', done: 0, total: 0 }), 100);
  });

  it('follows a real nanoforge quantize run: rising progress, then the manifest on stdout', async () => {
    const fx = await ensureFixtures();
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-optimize-'));
    try {
      const out = targetFolder(path.join(tmp, 'oracle'), 'int8');
      await fs.cp(fx.path('oracle-fp32'), path.join(tmp, 'oracle'), { recursive: true });
      const args = quantizeArgs(path.resolve(__dirname, '../../src/cli/main.ts'), path.join(tmp, 'oracle'), out, 'int8', false);
      const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 0, stderr);
      const events = stderr.split('\n').map(parseProgressLine).filter((p): p is QuantizeProgress => p !== undefined);
      const phases = [...new Set(events.map((e) => e.phase))];
      assert.deepEqual(phases, ['convert', 'copy', 'verify', 'done']);
      const percents = events.map(progressPercent);
      assert.deepEqual(percents, [...percents].sort((a, b) => a - b), 'progress never goes back');
      const manifest = JSON.parse(stdout) as QuantizeManifest;
      assert.equal(manifest.verdict, 'good');
      assert.match(describeResult(manifest), /^int8 model: \d+ MB → \d+ MB, image PSNR \d+\.\d dB, verdict good$/);
      assert.ok((await fs.readdir(out)).includes('nanoforge-quantize.json'));
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });
});
