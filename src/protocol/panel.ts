// The one message protocol between the generator webview (webview-ui/) and its host
// (src/extension/panel/). Pure TypeScript, no `vscode`, no Node built-ins: the webview bundle
// imports it too. Everything the webview sends is untrusted until `validateWebviewMessage` says so.
// A generation's fields are the core's GenerationRequest, checked by its validator (request.ts);
// this file adds only what the form adds (target, "random seed", its narrower size and guidance range,
// and the start image named by path or candidate: the host reads its bytes, the webview never sends any).
import { errorMessage, InvalidRequestError } from '../inference/errors';
import { REQUEST_LIMITS, validateGenerationRequest, type GenerationRequest } from '../inference/request';
import type { AssetFormat, DecoderKind } from '../inference/tables';

export const PANEL_VIEW_TYPE = 'nanoforge.generator';

/** The core's ranges, narrowed where the form offers less (size, guidance). */
export const LIMITS = Object.freeze({
  promptChars: REQUEST_LIMITS.promptChars,
  pathChars: 1024,
  minCount: 1,
  maxCount: REQUEST_LIMITS.maxCount,
  minSteps: 1,
  maxSteps: REQUEST_LIMITS.maxSteps,
  minSize: 16,
  maxSize: 2048,
  sizeMultiple: 8,
  maxSeed: REQUEST_LIMITS.maxSeed,
  maxGuidance: 30,
  /** Nothing the webview legitimately sends comes near this (JSON characters). */
  maxMessageChars: 16_384,
});

export const COPY_FORMATS = ['dataUri', 'markdown', 'img'] as const;
export type CopyFormat = (typeof COPY_FORMATS)[number];

/** Optional request fields the form always sends (the panel always has a kind). */
const FORM_SENDS = ['kind', 'negativePrompt', 'count', 'steps'] as const;

/** Identifies one candidate of one generation; ids are host-made random hex. */
export interface CandidateRef {
  generationId: string;
  index: number;
}

/** A start image as the form names it: a workspace file (workspace-relative, forward slashes) or a recent candidate. */
export type StartImageRef = { path: string } | { candidate: CandidateRef };

/**
 * One generation as the form holds it: the core's GenerationRequest (every field it gains is
 * accepted here too, but the start image's bytes) with `seed: null` for "pick a random one", the
 * file to save to and the start image by name.
 */
export type PanelRequest = Omit<GenerationRequest, 'seed' | 'initImage' | (typeof FORM_SENDS)[number]>
  & Required<Pick<GenerationRequest, (typeof FORM_SENDS)[number]>>
  & {
    seed: number | null;
    /** Workspace-relative target path (forward slashes); '' = let the host pick one. */
    target: string;
    /** Image-to-image from a file or a candidate; the host reads the bytes (initImage). */
    startImage?: StartImageRef;
  };

/** The core request a form request stands for: its seed settled, a blank negative prompt dropped, the target left to the host, the start image's bytes read by the host. */
export function toGenerationRequest(request: PanelRequest, seed: number, format: AssetFormat, initImage?: Uint8Array): GenerationRequest {
  const { target: _target, seed: _seed, startImage: _start, negativePrompt, ...fields } = request;
  return { ...fields, ...(negativePrompt.trim() ? { negativePrompt } : {}), seed, format, ...(initImage ? { initImage } : {}) };
}

// ---- webview → host ----
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'generate'; request: PanelRequest }
  | { type: 'cancel' }
  /** `quality: 'full'`: "Save (full quality)", the full VAE decodes the candidate's kept latents whatever the setting says. */
  | { type: 'save'; candidate: CandidateRef; target: string; quality?: 'full' }
  | { type: 'saveAs'; candidate: CandidateRef }
  | { type: 'copy'; candidate: CandidateRef; as: CopyFormat; target: string }
  | { type: 'browseTarget'; current: string }
  /** Browse… for a start image (the host's open dialog, inside the workspace). */
  | { type: 'browseStartImage' }
  /**
   * A start image the webview names: the URI list of something dropped on the panel, or the
   * workspace-relative path of a History entry; the host reads and checks the file and answers with 'startImage'.
   */
  | { type: 'setStartImage'; uri: string }
  | { type: 'clearHistory' }
  | { type: 'rendered'; generationId: string; candidates: number }
  /**
   * Live mode: the form as it is now, sent when Live turns on and on every edit while it is on
   * (the host waits for a pause, then generates one candidate); null turns Live off.
   */
  | { type: 'live'; request: PanelRequest | null };

// ---- host → webview ----
export interface ModelSummary {
  id: string;
  device: string;
  usesGuidance: boolean;
  nativeSize: number;
  /** The model has an image encoder: start images and layouts work (else the form says so). */
  imageToImage?: boolean;
}

export interface CandidateView {
  index: number;
  /** `data:` URI of the encoded asset (png/webp/...); the webview shows it as is. */
  src: string;
  format: string;
  width: number;
  height: number;
  seed?: number;
  warnings: string[];
}

export interface PreviewView {
  width: number;
  height: number;
  /** Interleaved 8-bit RGB, base64; the webview paints it on a canvas. */
  rgb: string;
}

export interface HistoryView {
  id: string;
  at: number;
  request: PanelRequest;
  /** Seeds the generation actually used, so "restore" can reproduce it. */
  seeds: number[];
  savedTo?: string;
}

/** A start image as the form shows it. */
export interface StartImageView {
  ref: StartImageRef;
  /** File name or "Candidate 2 (seed 42)". */
  label: string;
  width: number;
  height: number;
  /** `data:` URI for the thumbnail; '' when the file is too large to show (it is still used). */
  src: string;
}

/** Request fields a command pre-fills in the form, the target as the form writes it, and a start image. */
export type PanelInit = Partial<Pick<GenerationRequest, 'prompt' | 'kind' | 'width' | 'height' | 'strength'>> & { target?: string; startImage?: StartImageView };

export type HostMessage =
  /**
   * `activeGeneration`: the run the host is still working on, so a reloaded webview can tell a live run from a lost one.
   * `focusPrompt`: a command opened or revealed the panel, so typing should go into the prompt.
   */
  | { type: 'init'; prefill: PanelInit; sizes: string[]; history: HistoryView[]; activeGeneration: string | null; focusPrompt?: boolean }
  | { type: 'modelInfo'; model: ModelSummary | null; error?: string }
  /** `live`: a Live mode run (one candidate, locked seed), superseded by the next edit. */
  | { type: 'started'; generationId: string; request: PanelRequest; seed: number; live?: boolean }
  | { type: 'progress'; generationId: string; candidate: number; step: number; totalSteps: number; preview?: PreviewView }
  /** `decoder`: which decoder made the candidates ('full': "Save (full quality)" has nothing to add). */
  | { type: 'result'; generationId: string; candidates: CandidateView[]; device: string; warnings: string[]; elapsedMs: number; decoder?: DecoderKind }
  | { type: 'failed'; generationId: string; message: string; cancelled: boolean }
  | { type: 'history'; entries: HistoryView[] }
  | { type: 'targetChosen'; target: string }
  /** A start image the host accepted (Browse…, drop); null clears the form's. */
  | { type: 'startImage'; image: StartImageView | null }
  | { type: 'notice'; level: 'info' | 'error'; text: string };

export type Validation<T> = { ok: true; message: T } | { ok: false; reason: string };

// ---- validation (host side; the webview reuses the field checks to validate as you type) ----

type Fields = Record<string, unknown>;
class Invalid extends Error {}

function fail(reason: string): never {
  throw new Invalid(reason);
}

function isRecord(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Rejects fields the type does not declare, so nothing unexpected rides along. */
function onlyKeys(obj: Fields, where: string, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) if (!allowed.includes(key)) fail(`${where}: unexpected field '${key}'`);
}

function str(obj: Fields, key: string, max: number, where: string): string {
  const v = obj[key];
  if (typeof v !== 'string') fail(`${where}.${key} must be a string`);
  if (v.length > max) fail(`${where}.${key} is ${v.length} characters; at most ${max}`);
  if (v.includes('\u0000')) fail(`${where}.${key} contains a NUL character`);
  return v;
}

function int(obj: Fields, key: string, min: number, max: number, where: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${where}.${key} must be an integer`);
  if (v < min || v > max) fail(`${where}.${key} must be between ${min} and ${max}, got ${v}`);
  return v;
}

/** Why `value` is not a usable output size, or undefined when it is. Shared with the form. */
export function sizeProblem(value: number): string | undefined {
  if (!Number.isInteger(value)) return 'must be a whole number';
  if (value < LIMITS.minSize || value > LIMITS.maxSize) return `must be between ${LIMITS.minSize} and ${LIMITS.maxSize}`;
  if (value % LIMITS.sizeMultiple !== 0) return `must be a multiple of ${LIMITS.sizeMultiple}`;
  return undefined;
}

/**
 * Why a workspace-relative target path is unacceptable, or undefined. Pure string logic (no `path`
 * module: the webview bundles this); the host checks the resolved path against the real
 * workspace folders again before writing.
 */
export function targetPathProblem(target: string): string | undefined {
  if (target === '') return undefined;
  if (/^[a-zA-Z]:|^[\\/]|^~/.test(target)) return 'must be relative to the workspace, not absolute';
  if (/[\u0000-\u001f]/.test(target)) return 'contains control characters';
  let depth = 0;
  for (const part of target.split(/[\\/]+/)) {
    if (part === '..') depth -= 1;
    else if (part !== '.' && part !== '') depth += 1;
    if (depth < 0) return 'leaves the workspace folder';
  }
  if (depth === 0) return 'names no file';
  if (/[\\/]$/.test(target)) return 'names a folder, not a file';
  return undefined;
}

function targetField(obj: Fields, key: string, where: string): string {
  const target = str(obj, key, LIMITS.pathChars, where);
  const problem = targetPathProblem(target);
  if (problem) fail(`${where}.${key} '${target.slice(0, 80)}' ${problem}`);
  return target;
}

function readStartImage(raw: unknown): StartImageRef {
  const w = 'request.startImage';
  if (!isRecord(raw)) fail(`${w} must be an object`);
  if ('candidate' in raw) {
    onlyKeys(raw, w, ['candidate']);
    return { candidate: readCandidate(raw.candidate) };
  }
  onlyKeys(raw, w, ['path']);
  const path = targetField(raw, 'path', w);
  if (path === '') fail(`${w}.path is empty`);
  return { path };
}

/** Stands in for the bytes the host reads for a named start image, so the core's cross-field rules apply as they are. */
const START_IMAGE_STAND_IN = new Uint8Array(1);

/** The core's validator for the generation's fields, then the form's own: seed or null, target, start image, narrower ranges. */
function readRequest(raw: unknown): PanelRequest {
  const w = 'request';
  if (!isRecord(raw)) fail(`${w} must be an object`);
  const { seed, target: _target, startImage: rawStart, ...fields } = raw;
  if (seed === undefined) fail(`${w}.seed must be an integer or null`);
  if ('initImage' in fields) fail(`${w}.initImage: the panel names its start image (startImage: a workspace file or a candidate); the host reads the bytes`);
  const startImage = rawStart === undefined ? undefined : readStartImage(rawStart);
  const checked = { ...fields, ...(seed === null ? {} : { seed }), ...(startImage ? { initImage: START_IMAGE_STAND_IN } : {}) };
  let request: GenerationRequest;
  try {
    const { initImage: _standIn, ...valid } = validateGenerationRequest(checked, { where: w, require: FORM_SENDS });
    request = valid;
  } catch (error) {
    if (error instanceof InvalidRequestError) fail(error.message);
    throw error;
  }
  for (const key of ['width', 'height'] as const) {
    const problem = sizeProblem(request[key]);
    if (problem) fail(`${w}.${key} ${problem}`);
  }
  if (request.guidanceScale !== undefined && request.guidanceScale > LIMITS.maxGuidance) {
    fail(`${w}.guidanceScale must be a number between 0 and ${LIMITS.maxGuidance}`);
  }
  const { kind = 'illustration', negativePrompt = '', count = 1, steps = 1 } = request; // present: FORM_SENDS are required above
  return {
    ...request, kind, negativePrompt, count, steps, seed: seed === null ? null : (request.seed as number), target: targetField(raw, 'target', w),
    ...(startImage ? { startImage } : {}),
  };
}

const GENERATION_ID = /^[0-9a-f]{16}$/;

function readCandidate(raw: unknown): CandidateRef {
  const w = 'candidate';
  if (!isRecord(raw)) fail(`${w} must be an object`);
  onlyKeys(raw, w, ['generationId', 'index']);
  const generationId = str(raw, 'generationId', 16, w);
  if (!GENERATION_ID.test(generationId)) fail(`${w}.generationId is not a generation id`);
  return { generationId, index: int(raw, 'index', 0, LIMITS.maxCount - 1, w) };
}

function readMessage(raw: Fields): WebviewMessage {
  const type = raw.type;
  const keys = (...rest: string[]): void => onlyKeys(raw, String(type), ['type', ...rest]);
  switch (type) {
    case 'ready': case 'cancel': case 'clearHistory':
      keys();
      return { type };
    case 'generate':
      keys('request');
      return { type, request: readRequest(raw.request) };
    case 'save': {
      keys('candidate', 'target', 'quality');
      if (raw.quality !== undefined && raw.quality !== 'full') fail(`save.quality must be 'full' when present`);
      return { type, candidate: readCandidate(raw.candidate), target: targetField(raw, 'target', type), ...(raw.quality === 'full' ? { quality: 'full' as const } : {}) };
    }
    case 'saveAs':
      keys('candidate');
      return { type, candidate: readCandidate(raw.candidate) };
    case 'copy': {
      keys('candidate', 'as', 'target');
      const as = raw.as;
      if (typeof as !== 'string' || !(COPY_FORMATS as readonly string[]).includes(as)) fail(`copy.as must be one of ${COPY_FORMATS.join(', ')}`);
      return { type, candidate: readCandidate(raw.candidate), as: as as CopyFormat, target: targetField(raw, 'target', type) };
    }
    case 'browseTarget':
      keys('current');
      return { type, current: targetField(raw, 'current', type) };
    case 'browseStartImage':
      keys();
      return { type };
    case 'setStartImage':
      keys('uri');
      return { type, uri: str(raw, 'uri', LIMITS.pathChars * 4, type) };
    case 'live':
      keys('request');
      return { type, request: raw.request === null ? null : readRequest(raw.request) };
    case 'rendered': {
      keys('generationId', 'candidates');
      const generationId = str(raw, 'generationId', 16, type);
      if (!GENERATION_ID.test(generationId)) fail('rendered.generationId is not a generation id');
      return { type, generationId, candidates: int(raw, 'candidates', 0, LIMITS.maxCount, type) };
    }
    default:
      return fail(`unknown message type ${JSON.stringify(String(type)).slice(0, 60)}`);
  }
}

/** Checks every field of a message from the webview; never throws. */
export function validateWebviewMessage(raw: unknown): Validation<WebviewMessage> {
  try {
    if (!isRecord(raw)) return { ok: false, reason: 'message is not an object' };
    const size = JSON.stringify(raw).length;
    if (size > LIMITS.maxMessageChars) return { ok: false, reason: `message is ${size} characters; at most ${LIMITS.maxMessageChars}` };
    if (typeof raw.type !== 'string') return { ok: false, reason: 'message has no string "type"' };
    return { ok: true, message: readMessage(raw) };
  } catch (error) {
    // Invalid = our own rejection; anything else (a cyclic object, a throwing getter) is hostile too.
    const reason = error instanceof Invalid ? error.message : `unreadable message (${errorMessage(error)})`;
    return { ok: false, reason };
  }
}
