// Typed reader for the `nanoforge.*` settings. It takes the configuration as an argument and imports
// `vscode` only as a type, so the validation runs (and is unit-tested) in plain Node.
import { presetFor } from '../inference/image/presets';
import { ASSET_FORMATS, ASSET_KINDS, DECODER_CHOICES, DEVICE_NAMES, type AssetFormat, type AssetKind, type DecoderChoice, type DeviceName } from '../inference/tables';

export type OverwritePolicy = 'ask' | 'never' | 'always';
/** What the panel's Save writes: the full VAE's decode ('auto': on a GPU), or the candidate as shown. */
export type SaveQuality = 'auto' | 'full' | 'preview';
export type DiagnosticSeverityName = 'error' | 'warning' | 'information' | 'hint';

export interface Size {
  width: number;
  height: number;
}

export interface NanoforgeSettings {
  /** Catalog id (folder under the models folder) or absolute model folder path; '' = first installed. */
  model: string;
  /** Where catalog models live; '' = the extension's global storage. */
  modelsFolder: string;
  device: DeviceName;
  /** Which decoder makes the pixels ('auto': the tiny one on the CPU, the full VAE on a GPU). */
  decoder: DecoderChoice;
  /** Workspace-relative folder for new assets. */
  outputFolder: string;
  /** File name pattern with {slug} {kind} {width} {height} {seed} {date} {format}. */
  namingPattern: string;
  defaultSizes: Record<AssetKind, Size>;
  format: AssetFormat;
  overwrite: OverwritePolicy;
  diagnostics: { enabled: boolean; severity: DiagnosticSeverityName };
  directiveTag: string;
  worker: { idleTimeoutSeconds: number };
  usePanel: boolean;
  saveQuality: SaveQuality;
  hub: { endpoint: string };
}

/** The subset of `vscode.WorkspaceConfiguration` the reader needs (easy to fake in tests). */
export interface ConfigurationLike {
  get<T>(section: string): T | undefined;
}

export const OVERWRITE_POLICIES: readonly OverwritePolicy[] = ['ask', 'never', 'always'];
export const SAVE_QUALITIES: readonly SaveQuality[] = ['auto', 'full', 'preview'];
export const SEVERITIES: readonly DiagnosticSeverityName[] = ['error', 'warning', 'information', 'hint'];

/** Per-kind default output sizes: the presets' sizes (src/inference/image/presets.json), so the CLI and the editor agree. */
export const DEFAULT_SIZES: Readonly<Record<AssetKind, Size>> = Object.fromEntries(
  ASSET_KINDS.map((kind) => {
    const [width, height] = presetFor(kind).defaultSize;
    return [kind, { width, height }];
  }),
) as Record<AssetKind, Size>;

/** Largest edge we accept for an output asset (post-processing resizes, so this bounds memory). */
export const MAX_EDGE = 4096;

export const DEFAULT_SETTINGS: NanoforgeSettings = {
  model: '',
  modelsFolder: '',
  device: 'auto',
  decoder: 'auto',
  outputFolder: 'assets/generated',
  namingPattern: '{slug}.{format}',
  defaultSizes: { ...DEFAULT_SIZES },
  format: 'png',
  overwrite: 'ask',
  diagnostics: { enabled: true, severity: 'warning' },
  directiveTag: '@image',
  worker: { idleTimeoutSeconds: 300 },
  usePanel: true,
  saveQuality: 'auto',
  hub: { endpoint: 'https://huggingface.co' },
};

/** Parses "64", "64x64" or "800×600" into a size; undefined when malformed or out of range. */
export function parseSize(value: unknown): Size | undefined {
  if (typeof value === 'number') return parseSize(String(value));
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d{1,5})\s*(?:[x×*]\s*(\d{1,5}))?\s*$/i.exec(value);
  if (!m || m[1] === undefined) return undefined;
  const width = Number(m[1]);
  const height = m[2] === undefined ? width : Number(m[2]);
  const ok = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_EDGE;
  return ok(width) && ok(height) ? { width, height } : undefined;
}

function pick<T extends string>(value: unknown, allowed: readonly T[], fallback: T, problems: string[], key: string): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`nanoforge.${key}: "${String(value)}" is not one of ${allowed.join(', ')}; using "${fallback}".`);
  return fallback;
}

function text(value: unknown, fallback: string, problems: string[], key: string): string {
  if (value === undefined) return fallback;
  if (typeof value === 'string') return value.trim();
  problems.push(`nanoforge.${key} must be a string; using "${fallback}".`);
  return fallback;
}

function flag(value: unknown, fallback: boolean, problems: string[], key: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  problems.push(`nanoforge.${key} must be true or false; using ${fallback}.`);
  return fallback;
}

function readSizes(value: unknown, problems: string[]): Record<AssetKind, Size> {
  const sizes = { ...DEFAULT_SIZES };
  if (value === undefined || value === null) return sizes;
  if (typeof value !== 'object') {
    problems.push('nanoforge.defaultSizes must be an object such as { "icon": "64x64" }.');
    return sizes;
  }
  for (const [kind, raw] of Object.entries(value as Record<string, unknown>)) {
    if (!(ASSET_KINDS as readonly string[]).includes(kind)) {
      problems.push(`nanoforge.defaultSizes: unknown kind "${kind}" (expected ${ASSET_KINDS.join(', ')}).`);
      continue;
    }
    const size = parseSize(raw);
    if (size) sizes[kind as AssetKind] = size;
    else problems.push(`nanoforge.defaultSizes.${kind}: "${String(raw)}" is not a size like "64x64" (1..${MAX_EDGE}).`);
  }
  return sizes;
}

/** A workspace-relative folder that cannot climb out of the workspace. */
function relativeFolder(value: string, problems: string[]): string {
  const cleaned = value.replace(/\\/g, '/').replace(/^\.\/+/, '').replace(/\/+$/, '');
  if (cleaned.startsWith('/') || /^[a-z]:/i.test(cleaned) || cleaned.split('/').includes('..')) {
    problems.push(`nanoforge.outputFolder "${value}" must be relative to the workspace folder; using "${DEFAULT_SETTINGS.outputFolder}".`);
    return DEFAULT_SETTINGS.outputFolder;
  }
  return cleaned;
}

function namingPattern(value: string, problems: string[]): string {
  if (value === '' || /[\\/]|\.\./.test(value)) {
    if (value !== '') problems.push(`nanoforge.namingPattern "${value}" must be a file name without folders; using the default.`);
    return DEFAULT_SETTINGS.namingPattern;
  }
  return value;
}

function idleTimeout(value: unknown, problems: string[]): number {
  if (value === undefined) return DEFAULT_SETTINGS.worker.idleTimeoutSeconds;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  problems.push('nanoforge.worker.idleTimeoutSeconds must be a number ≥ 0 (0 keeps the worker running).');
  return DEFAULT_SETTINGS.worker.idleTimeoutSeconds;
}

/** Reads and validates every setting; bad values fall back to defaults and are listed in `problems`. */
export function readSettings(config: ConfigurationLike): { settings: NanoforgeSettings; problems: string[] } {
  const problems: string[] = [];
  const d = DEFAULT_SETTINGS;
  const settings: NanoforgeSettings = {
    model: text(config.get('model'), d.model, problems, 'model'),
    modelsFolder: text(config.get('modelsFolder'), d.modelsFolder, problems, 'modelsFolder'),
    device: pick(config.get('device'), DEVICE_NAMES, d.device, problems, 'device'),
    decoder: pick(config.get('decoder'), DECODER_CHOICES, d.decoder, problems, 'decoder'),
    outputFolder: relativeFolder(text(config.get('outputFolder'), d.outputFolder, problems, 'outputFolder'), problems),
    namingPattern: namingPattern(text(config.get('namingPattern'), d.namingPattern, problems, 'namingPattern'), problems),
    defaultSizes: readSizes(config.get('defaultSizes'), problems),
    format: pick(config.get('format'), ASSET_FORMATS, d.format, problems, 'format'),
    overwrite: pick(config.get('overwrite'), OVERWRITE_POLICIES, d.overwrite, problems, 'overwrite'),
    diagnostics: {
      enabled: flag(config.get('diagnostics.enabled'), d.diagnostics.enabled, problems, 'diagnostics.enabled'),
      severity: pick(config.get('diagnostics.severity'), SEVERITIES, d.diagnostics.severity, problems, 'diagnostics.severity'),
    },
    directiveTag: text(config.get('directiveTag'), d.directiveTag, problems, 'directiveTag') || d.directiveTag,
    worker: { idleTimeoutSeconds: idleTimeout(config.get('worker.idleTimeoutSeconds'), problems) },
    usePanel: flag(config.get('usePanel'), d.usePanel, problems, 'usePanel'),
    saveQuality: pick(config.get('saveQuality'), SAVE_QUALITIES, d.saveQuality, problems, 'saveQuality'),
    hub: { endpoint: text(config.get('hub.endpoint'), d.hub.endpoint, problems, 'hub.endpoint') || d.hub.endpoint },
  };
  return { settings, problems };
}
