// The onnxruntime backend: device → provider table, recorded fallbacks (this machine has no Vulkan
// loader and no CUDA libraries, so `auto` must fall back to CPU and say why), session caching
// with eviction of failed loads, and fp16 conversion.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyFixture, ensureFixtures, type Fixtures } from '../fixtures/models';
import { loadPipeline, onnxBackend, type InferenceBackend, type ModelSession } from '../../src/inference';
import { openSessionSetCount, PROVIDER_TABLE, providersFor, validDevices } from '../../src/inference/backend/onnx';
import { isMachineFailure } from '../../src/inference/backend/providers';
import { findVulkanLoader, hasVulkanLoader } from '../../src/inference/backend/vulkan';
import { float16BitsToFloat32, float32ToFloat16Bits, fromFloat16Array, toFloat16Array } from '../../src/inference/backend/float16';

const base = { prompt: 'green', width: 64, height: 64, steps: 1, guidanceScale: 0, seed: 3, count: 1 };

describe('onnx backend', function () {
  let fx: Fixtures;
  let tmp: string;

  before(async function () {
    this.timeout(180_000);
    fx = await ensureFixtures();
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nanoforge-backend-'));
  });

  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  describe('device table', () => {
    it('is frozen and tries GPU providers before the CPU on each platform', () => {
      assert.ok(Object.isFrozen(PROVIDER_TABLE) && Object.isFrozen(PROVIDER_TABLE.linux));
      assert.deepEqual(providersFor('auto', 'linux'), ['webgpu', 'cuda', 'cpu']);
      assert.deepEqual(providersFor('auto', 'win32'), ['dml', 'webgpu', 'cpu']);
      assert.deepEqual(providersFor('auto', 'darwin'), ['coreml', 'webgpu', 'cpu']);
      assert.deepEqual(providersFor('cpu', 'linux'), ['cpu']);
    });

    it("tells a machine's provider failure (remembered, not retried) from a model's, in onnxruntime's own wording", () => {
      const lib = '/x/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so';
      // The provider bridge's message when the CUDA provider's dependencies are missing (cuDNN, cuBLAS).
      assert.ok(isMachineFailure(`[ONNXRuntimeError] : 1 : FAIL : Failed to load library ${lib} with error: libcudnn.so.9: cannot open shared object file: No such file or directory`));
      // What onnxruntime-node 1.2x throws on this machine for executionProviders: ['cuda'].
      assert.ok(isMachineFailure('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library'));
      assert.ok(isMachineFailure('LoadLibrary failed with error 126 "The specified module could not be found." when trying to load "C:\\x\\onnxruntime_providers_cuda.dll"'));
      assert.ok(isMachineFailure('Failed to get a WebGPU adapter'));
      // A model's fault is not the machine's: the next model must still try the provider.
      assert.ok(!isMachineFailure('Load model from /m/unet/model.onnx failed:Protobuf parsing failed.'));
      assert.ok(!isMachineFailure('Non-zero status code returned while running Conv node. Name:\'conv_in\' Status Message: Failed to allocate memory'));
      assert.ok(!isMachineFailure('Failed to load model because protobuf parsing failed.'));
    });

    it('rejects an unknown device, listing the valid ones for the platform', () => {
      assert.throws(() => providersFor('tpu', 'linux'), { name: 'DeviceError', message: "Unknown device 'tpu' on linux. Valid devices: auto, cpu, webgpu, cuda." });
      assert.throws(() => providersFor('dml', 'darwin'), /Valid devices: auto, cpu, coreml, webgpu\./);
      assert.throws(() => providersFor('toString', 'linux'), /Unknown device 'toString'/);
      assert.deepEqual(validDevices('freebsd'), ['auto', 'cpu']);
    });

    it('an unknown device fails loadPipeline before anything opens', async () => {
      await assert.rejects(loadPipeline(fx.path('oracle-fp32'), { device: 'vulkan' as 'cpu' }), /Unknown device 'vulkan'/);
    });
  });

  describe('Vulkan loader lookup (decides whether WebGPU is worth probing on Linux)', () => {
    it('finds libvulkan.so.1 in LD_LIBRARY_PATH, in a library folder or in the ldconfig cache, else nothing', async () => {
      const libs = await fs.mkdtemp(path.join(tmp, 'libs-'));
      const none = { libDirs: [], ldLibraryPath: '', ldconfigOutput: () => '\tlibc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6\n' };
      assert.equal(findVulkanLoader(none), undefined);
      assert.equal(findVulkanLoader({ ...none, ldLibraryPath: `/nope:${libs}` }), undefined);
      await fs.writeFile(path.join(libs, 'libvulkan.so.1'), '');
      assert.equal(findVulkanLoader({ ...none, ldLibraryPath: `/nope:${libs}` }), path.join(libs, 'libvulkan.so.1'));
      assert.equal(findVulkanLoader({ ...none, libDirs: [libs] }), path.join(libs, 'libvulkan.so.1'));
      const cache = '\tlibvulkan.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libvulkan.so.1\n';
      assert.equal(findVulkanLoader({ ...none, ldconfigOutput: () => cache }), 'ldconfig');
    });

    it('this machine has no Vulkan loader (the fallback tests below rely on it)', function () {
      if (process.platform !== 'linux') this.skip();
      assert.equal(hasVulkanLoader(), false);
    });
  });

  describe('fallback (no Vulkan loader, no CUDA libraries here)', () => {
    it("'auto' runs on the CPU and reports why WebGPU and CUDA failed", async () => {
      const p = await loadPipeline(fx.path('oracle-fp32'), { device: 'auto' });
      try {
        assert.equal(p.info.device, 'cpu');
        assert.deepEqual(p.info.fallbacks.map((f) => [f.provider, f.ok]), [['webgpu', false], ['cuda', false]]);
        assert.equal(p.info.fallbacks[0]!.reason, 'WebGPU needs the Vulkan loader (libvulkan.so.1), which is not installed');
        assert.match(p.info.fallbacks[1]!.reason!, /CUDA provider libraries are not installed/);
        const r = await p.generate(base);
        assert.equal(r.device, 'cpu');
        assert.deepEqual(r.fallbacks, p.info.fallbacks);
      } finally {
        await p.dispose();
      }
    });

    it("an explicit 'webgpu' fails with the reason and what to do instead", async () => {
      await assert.rejects(loadPipeline(fx.path('oracle-fp32'), { device: 'webgpu' }), (e: Error) => {
        assert.equal(e.name, 'DeviceError');
        assert.equal(e.message, "Device 'webgpu' could not start: WebGPU needs the Vulkan loader (libvulkan.so.1), which is not installed. "
          + "Install it (Debian/Ubuntu: libvulkan1) with your GPU's Vulkan driver, or use device 'auto' to fall back to another provider, or 'cpu'.");
        return true;
      });
    });

    it("an explicit 'cuda' without its libraries says which library is missing", async () => {
      await assert.rejects(loadPipeline(fx.path('oracle-fp32'), { device: 'cuda' }), /libonnxruntime_providers_cuda\.so not found/);
    });
  });

  describe('session cache', () => {
    it('shares sessions per folder + device and releases them when the last pipeline is disposed', async () => {
      const before = openSessionSetCount();
      const a = await loadPipeline(fx.path('oracle-int8'), { device: 'cpu' });
      const b = await loadPipeline(fx.path('oracle-int8'), { device: 'cpu' });
      assert.equal(openSessionSetCount(), before + 1);
      await a.dispose();
      assert.equal(openSessionSetCount(), before + 1);
      assert.equal((await b.generate(base)).images.length, 1);
      await b.dispose();
      assert.equal(openSessionSetCount(), before);
    });

    it('does not cache a failed load, so a retry after fixing the folder succeeds', async () => {
      const dir = await copyFixture('oracle-fp32', tmp);
      const file = path.join(dir, 'unet', 'model.onnx');
      const good = await fs.readFile(file);
      await fs.writeFile(file, 'not an onnx model');
      const before = openSessionSetCount();
      await assert.rejects(loadPipeline(dir, { device: 'cpu' }), { name: 'ModelFolderError' });
      assert.equal(openSessionSetCount(), before);
      await fs.writeFile(file, good);
      const p = await loadPipeline(dir, { device: 'cpu' });
      assert.equal((await p.generate(base)).images.length, 1);
      await p.dispose();
    });
  });

  describe('session threads', () => {
    it('an open session that is never released does not keep the process alive; a pending run does', async () => {
      // A child process opens two sessions, runs one (awaiting the run keeps it alive), then forgets both:
      // it must exit on its own (code 0). A hang is cut by the guard's SIGKILL and fails the test.
      const onnx = path.resolve(__dirname, '../../src/inference/backend/onnx.ts');
      const script = `const { openSessionSet } = require(${JSON.stringify(onnx)});
        openSessionSet(${JSON.stringify(fx.path('oracle-fp32'))}, [{ file: 'vae_decoder/model.onnx' }, { file: 'unet/model.onnx' }], 'cpu').then(async ({ sessions }) => {
          const out = await sessions[0].run({ latent_sample: { values: new Float32Array(4 * 2 * 2), dims: [1, 4, 2, 2] } }, ['sample']);
          process.stdout.write('ran ' + out.sample.data.length);
        });`;
      const child = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
        const p = execFile(process.execPath, ['--require', 'tsx/cjs', '-e', script], { timeout: 45_000, killSignal: 'SIGKILL' }, (_e, stdout, stderr) => {
          resolve({ code: p.exitCode, signal: p.signalCode, stdout, stderr });
        });
      });
      assert.deepEqual([child.code, child.signal], [0, null], child.stderr);
      assert.match(child.stdout, /^ran \d+$/);
    });
  });

  describe('backend seam', () => {
    /** The real onnxruntime backend, wrapped so every session counts its runs (what a second backend would plug into). */
    function countingBackend(runs: Map<string, number>): InferenceBackend {
      return {
        name: 'counting',
        async acquireSessions(dir, files, device, options) {
          const held = await onnxBackend.acquireSessions(dir, files, device, options);
          const sessions = held.set.sessions.map((s): ModelSession => ({
            file: s.file, inputs: s.inputs, outputs: s.outputs,
            run: (feeds, names) => {
              runs.set(s.file, (runs.get(s.file) ?? 0) + 1);
              return s.run(feeds, names);
            },
          }));
          return { set: { ...held.set, sessions }, release: held.release };
        },
      };
    }

    it('the pipeline runs every session through the backend it is given, with the same pixels', async () => {
      const runs = new Map<string, number>();
      const counted = await loadPipeline(fx.path('oracle-fp32'), { device: 'cpu', backend: countingBackend(runs) });
      const plain = await loadPipeline(fx.path('oracle-fp32'), { device: 'cpu' });
      try {
        const a = await counted.generate({ ...base, steps: 3 });
        const b = await plain.generate({ ...base, steps: 3 });
        assert.deepEqual(Object.fromEntries(runs), { 'text_encoder/model.onnx': 1, 'unet/model.onnx': 3, 'vae_decoder/model.onnx': 1 });
        assert.deepEqual(a.images[0]?.data, b.images[0]?.data);
      } finally {
        await counted.dispose();
        await plain.dispose();
      }
    });
  });

  describe('float16', () => {
    it('converts exactly representable values both ways', () => {
      const cases: Array<[number, number]> = [
        [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff],
        [2 ** -14, 0x0400], [2 ** -24, 0x0001], [Infinity, 0x7c00], [-Infinity, 0xfc00],
      ];
      for (const [value, bits] of cases) {
        assert.equal(float32ToFloat16Bits(value), bits, `${value}`);
        assert.ok(Object.is(float16BitsToFloat32(bits), value), `${bits.toString(16)}`);
      }
      assert.ok(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(NaN))));
    });

    it('rounds to nearest even and overflows to infinity', () => {
      assert.equal(float32ToFloat16Bits(0.1), 0x2e66);
      assert.equal(float32ToFloat16Bits(1 + 2 ** -11), 0x3c00); // tie → even
      assert.equal(float32ToFloat16Bits(1 + 3 * 2 ** -11), 0x3c02); // tie → even (up)
      assert.equal(float32ToFloat16Bits(65520), 0x7c00);
      assert.equal(float32ToFloat16Bits(2 ** -26), 0); // below half the smallest subnormal
      assert.equal(float32ToFloat16Bits(3 * 2 ** -26), 0x0001);
    });

    it('round-trips arrays within half-precision error', () => {
      const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 100);
      const back = fromFloat16Array(toFloat16Array(values));
      values.forEach((v, i) => assert.ok(Math.abs((back[i] as number) - v) <= Math.abs(v) * 2 ** -11 + 2 ** -24));
    });
  });
});
