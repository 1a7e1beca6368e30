// Which execution providers a device setting tries, and why one cannot work in this install without
// trying it (no such provider in the build, no Vulkan loader, no CUDA libraries). Free of
// onnxruntime itself: onnx.ts passes in the providers its build supports.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { CPU_ONLY_ROW, PROVIDER_TABLE, type ConcreteDevice, type DeviceName } from '../tables';
import { hasVulkanLoader } from './vulkan';

/** The device settings valid on `platform`, `auto` first. */
export function validDevices(platform: string = process.platform): DeviceName[] {
  return Object.keys(PROVIDER_TABLE[platform] ?? CPU_ONLY_ROW) as DeviceName[];
}

/** Providers to try for `device`; an unknown device is an error that lists the valid ones. */
export function providersFor(device: string, platform: string = process.platform): readonly ConcreteDevice[] {
  const table = PROVIDER_TABLE[platform] ?? CPU_ONLY_ROW;
  const providers = Object.prototype.hasOwnProperty.call(table, device) ? table[device as DeviceName] : undefined;
  if (!providers) {
    throw new DeviceError(`Unknown device '${device}' on ${platform}. Valid devices: ${validDevices(platform).join(', ')}.`);
  }
  return providers;
}

export class DeviceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceError';
  }
}

export const NO_VULKAN_LOADER = 'WebGPU needs the Vulkan loader (libvulkan.so.1), which is not installed';

/**
 * Failures that depend on the machine, not the model (no GPU adapter, missing provider library):
 * remembered for the life of the process so switching models does not probe the GPU again.
 */
// onnxruntime words a missing provider library "Failed to load library X with error: Y" (the
// provider bridge), the append call "Failed to load shared library", Windows "LoadLibrary failed".
const MACHINE_FAILURE = /adapter|Failed to load (shared )?library|LoadLibrary failed|backend not found|not installed/i;
const machineFailures = new Map<ConcreteDevice, string>();

/** Whether a provider's failure is the machine's (no GPU adapter, a missing library), not the model's. */
export function isMachineFailure(reason: string): boolean {
  return MACHINE_FAILURE.test(reason);
}

/** Remembers `reason` when it is the machine's fault (see MACHINE_FAILURE). */
export function noteProviderFailure(provider: ConcreteDevice, reason: string): void {
  if (isMachineFailure(reason)) machineFailures.set(provider, reason.replace(/ \(while opening [^)]*\)$/, ''));
}

function bindingDir(): string {
  const pkg = require.resolve('onnxruntime-node/package.json');
  return path.join(path.dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
}

/** Why `provider` cannot work in this install, without trying it (undefined: worth trying). */
export function unavailableReason(provider: ConcreteDevice, supported: readonly string[]): string | undefined {
  if (provider === 'cpu') return undefined;
  const known = machineFailures.get(provider);
  if (known) return known;
  if (!supported.includes(provider)) {
    return `this onnxruntime-node build has no '${provider}' provider on ${process.platform} (it has: ${supported.join(', ')})`;
  }
  // Asking for WebGPU without the loader only makes Dawn print its Vulkan warning and fail.
  if (provider === 'webgpu' && process.platform === 'linux' && !hasVulkanLoader()) return NO_VULKAN_LOADER;
  if (provider === 'cuda') {
    const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    if (!existsSync(path.join(bindingDir(), lib))) {
      // npm install runs no dependency install scripts here (package.json's allowScripts denies
      // onnxruntime-node's, which downloads these from NuGet), so the fetch is a step of its own.
      const script = path.join(path.dirname(require.resolve('onnxruntime-node/package.json')), 'script', 'install');
      return `CUDA provider libraries are not installed (${lib} not found; fetch them with: ONNXRUNTIME_NODE_INSTALL=cuda12 node ${script})`;
    }
  }
  return undefined;
}

/** A failure that the model file causes on every provider (not the provider's fault). */
export function isModelProblem(reason: string): boolean {
  return /Load model from|Protobuf parsing|INVALID_PROTOBUF|INVALID_GRAPH|NO_SUCHFILE|external data|Deserialize tensor|model_path/i.test(reason);
}
