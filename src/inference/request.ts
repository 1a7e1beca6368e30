// The ONE generation request and its ONE validator. The webview protocol, the worker protocol, the
// extension's commands and the CLI build a GenerationRequest and check it here; none declares its
// own copy of the fields. Adding a field means: a line in the interface and a line in
// REQUEST_FIELDS (the compiler insists on both); the panel and worker protocols then accept it, and
// with an `option` the CLI parses it and lists it in its usage. No imports beyond the tables and the
// error module: the webview bundle validates with this file too.
import { InvalidRequestError } from './errors';
import { ASSET_FORMATS, ASSET_KINDS, DECODER_CHOICES, FIT_MODES, SCHEDULER_NAMES, type AssetFormat, type AssetKind, type DecoderChoice, type FitMode, type SchedulerName } from './tables';

/** One generation as a person or a script asks for it, before the kind's template and the model's sizes apply. */
export interface GenerationRequest {
  /** The user's own words; the kind's template is applied later (image/presets.json). */
  prompt: string;
  negativePrompt?: string;
  /** Absent: the prompt goes to the model as written and no kind is stored (the CLI's generate without --kind). */
  kind?: AssetKind;
  /** Output size in pixels; the model runs at its native size and the result is fitted to this. */
  width: number;
  height: number;
  /** File format of the candidates (default: the kind's preset format). */
  format?: AssetFormat;
  /** How the image is fitted to width × height (default: the kind's preset). */
  fit?: FitMode;
  /** Remove a plain background (default: the kind's preset; icons do). */
  transparent?: boolean;
  /** JPEG/WebP/AVIF quality 1..100. */
  quality?: number;
  /** Number of candidates; candidate i uses seed + i. Default 1. */
  count?: number;
  /** Seed of the first candidate; default: a random one. */
  seed?: number;
  /** Denoising steps; default: what the model is tuned for (2 for turbo models, 25 otherwise). */
  steps?: number;
  /** Classifier-free guidance only when > 1; turbo models use 0. */
  guidanceScale?: number;
  /** Overrides the model's own scheduler. */
  scheduler?: SchedulerName;
  /** Which decoder makes the pixels (default 'auto': the tiny one on the CPU, the full VAE on a GPU). */
  decoder?: DecoderChoice;
  /**
   * Image-to-image: the start image as encoded bytes (PNG, JPEG, WebP, AVIF, GIF, SVG, ICO; one frame),
   * never a path, so every caller reads files under its own rules (the panel only inside the workspace).
   */
  initImage?: Uint8Array;
  /** How far the result may move away from the start image, 0 < strength ≤ 1; needs initImage or layout. */
  strength?: number;
  /** Keep the start image's alpha mask on the result instead of cutting out a background; needs initImage or layout. */
  keepAlpha?: boolean;
  /** Start from a wireframe of this layout (image/wireframe.ts grammar) drawn at the output size: a mockup that keeps it. */
  layout?: string;
}

/** Ranges every caller shares (the panel's form may narrow them; see src/protocol/panel.ts). */
export const REQUEST_LIMITS = Object.freeze({
  promptChars: 2000,
  /** Largest side we accept; libvips handles more, but nobody ships an 8K+ asset from a prompt. */
  maxSide: 8192,
  /** Largest pixel count (40 MP): keeps one RGBA buffer under ~160 MB. */
  maxPixels: 40_000_000,
  maxCount: 8,
  maxSteps: 100,
  maxSeed: 0xffffffff,
  maxGuidance: 100,
  /** Encoded start image (a 8192² PNG of a photo is ~100 MB; assets and screenshots stay far below). */
  maxInitImageBytes: 32 * 1024 * 1024,
  /** Layout text (the wireframe grammar's own bound, image/wireframe.ts MAX_LAYOUT_LENGTH). */
  layoutChars: 500,
});

/** Image-to-image's strength when a request has a start image but no strength: diffusers' img2img default. */
export const DEFAULT_STRENGTH = 0.8;
/** Where "Generate Variations" (CLI, editor, panel slider) starts: close to the existing asset, yet visibly new. */
export const VARIATION_STRENGTH = 0.5;

/** What a field's value must be; the kinds are few so the CLI can parse every one of them from text. */
export type FieldRule =
  | { type: 'text'; max: number; nonEmpty?: boolean }
  | { type: 'pixels'; min: number; max: number }
  | { type: 'integer'; min: number; max: number }
  | { type: 'number'; min: number; max: number; /** `min` itself is refused (strength: greater than 0). */ minExclusive?: boolean }
  | { type: 'bytes'; max: number }
  | { type: 'choice'; choices: readonly string[] }
  | { type: 'boolean' };

export interface FieldSpec {
  rule: FieldRule;
  required?: boolean;
  /** How the command line spells the field (`--flag VALUE`); without it each command sets the field itself. */
  option?: { flag: string; value: string };
}

/** Every field of GenerationRequest, in the order they are checked and listed. */
export const REQUEST_FIELDS = Object.freeze({
  prompt: { rule: { type: 'text', max: REQUEST_LIMITS.promptChars, nonEmpty: true }, required: true },
  negativePrompt: { rule: { type: 'text', max: REQUEST_LIMITS.promptChars }, option: { flag: 'negative', value: 'TEXT' } },
  kind: { rule: { type: 'choice', choices: ASSET_KINDS }, option: { flag: 'kind', value: 'KIND' } },
  width: { rule: { type: 'pixels', min: 1, max: REQUEST_LIMITS.maxSide }, required: true },
  height: { rule: { type: 'pixels', min: 1, max: REQUEST_LIMITS.maxSide }, required: true },
  format: { rule: { type: 'choice', choices: ASSET_FORMATS } },
  fit: { rule: { type: 'choice', choices: FIT_MODES } },
  transparent: { rule: { type: 'boolean' } },
  quality: { rule: { type: 'integer', min: 1, max: 100 } },
  count: { rule: { type: 'integer', min: 1, max: REQUEST_LIMITS.maxCount }, option: { flag: 'count', value: 'N' } },
  seed: { rule: { type: 'integer', min: 0, max: REQUEST_LIMITS.maxSeed }, option: { flag: 'seed', value: 'S' } },
  steps: { rule: { type: 'integer', min: 1, max: REQUEST_LIMITS.maxSteps }, option: { flag: 'steps', value: 'N' } },
  guidanceScale: { rule: { type: 'number', min: 0, max: REQUEST_LIMITS.maxGuidance }, option: { flag: 'guidance', value: 'G' } },
  scheduler: { rule: { type: 'choice', choices: SCHEDULER_NAMES }, option: { flag: 'scheduler', value: 'NAME' } },
  decoder: { rule: { type: 'choice', choices: DECODER_CHOICES }, option: { flag: 'decoder', value: 'NAME' } },
  initImage: { rule: { type: 'bytes', max: REQUEST_LIMITS.maxInitImageBytes }, option: { flag: 'init-image', value: 'FILE' } },
  strength: { rule: { type: 'number', min: 0, max: 1, minExclusive: true }, option: { flag: 'strength', value: 'S' } },
  keepAlpha: { rule: { type: 'boolean' }, option: { flag: 'keep-alpha', value: '' } },
  layout: { rule: { type: 'text', max: REQUEST_LIMITS.layoutChars, nonEmpty: true }, option: { flag: 'layout', value: 'LAYOUT' } },
} as const satisfies { [K in keyof Required<GenerationRequest>]: FieldSpec });

export type RequestField = keyof GenerationRequest;
export const REQUEST_FIELD_NAMES = Object.freeze(Object.keys(REQUEST_FIELDS) as RequestField[]);

function readField(rule: FieldRule, value: unknown, at: string, field: string): unknown {
  const fail = (message: string): never => {
    throw new InvalidRequestError(field, `${at} ${message}`);
  };
  switch (rule.type) {
    case 'text':
      if (typeof value !== 'string') return fail('must be a string');
      if (value.length > rule.max) return fail(`is ${value.length} characters; at most ${rule.max}`);
      if (value.includes('\u0000')) return fail('contains a NUL character');
      if (rule.nonEmpty && value.trim() === '') return fail('is empty');
      return value;
    case 'pixels':
      if (typeof value !== 'number' || Number.isNaN(value)) return fail('must be a number');
      if (!Number.isInteger(value)) return fail('must be a whole number');
      if (value < rule.min || value > rule.max) return fail(`must be between ${rule.min} and ${rule.max}, got ${value}`);
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return fail('must be an integer');
      if (value < rule.min || value > rule.max) return fail(`must be between ${rule.min} and ${rule.max}, got ${value}`);
      return value;
    case 'number': {
      const above = rule.minExclusive ? (v: number) => v > rule.min : (v: number) => v >= rule.min;
      if (typeof value !== 'number' || !Number.isFinite(value) || !above(value) || value > rule.max) {
        return fail(rule.minExclusive ? `must be a number greater than ${rule.min} and at most ${rule.max}, got ${String(value)}` : `must be a number between ${rule.min} and ${rule.max}`);
      }
      return value;
    }
    case 'bytes':
      if (!(value instanceof Uint8Array)) return fail('must be the bytes of an image file (a Uint8Array)');
      if (value.length === 0) return fail('is empty (0 bytes)');
      if (value.length > rule.max) return fail(`is ${value.length} bytes; at most ${rule.max} (${rule.max / 1024 / 1024} MB)`);
      return value;
    case 'choice':
      if (typeof value !== 'string' || !rule.choices.includes(value)) return fail(`must be one of ${rule.choices.join(', ')}`);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') return fail('must be true or false');
      return value;
  }
}

export interface ValidateOptions {
  /** Names the object in messages: 'request' gives "request.steps must be …"; '' gives "steps must be …". */
  where?: string;
  /** Optional fields this caller must have (the panel's form always sends count and steps). */
  require?: readonly RequestField[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks every field of an untrusted request and returns exactly the fields it had, typed. Throws
 * InvalidRequestError for the first bad field (named in `field` and in the message), and for any
 * field GenerationRequest does not declare, so nothing unexpected rides along.
 */
export function validateGenerationRequest(raw: unknown, options: ValidateOptions = {}): GenerationRequest {
  const where = options.where ?? 'request';
  if (!isRecord(raw)) throw new InvalidRequestError('', `${where || 'the request'} must be an object`);
  const out: Record<string, unknown> = {};
  for (const field of REQUEST_FIELD_NAMES) {
    const spec: FieldSpec = REQUEST_FIELDS[field];
    const value = raw[field];
    if (value === undefined && !spec.required && !options.require?.includes(field)) continue;
    out[field] = readField(spec.rule, value, where ? `${where}.${field}` : field, field);
  }
  for (const key of Object.keys(raw)) {
    if (!Object.prototype.hasOwnProperty.call(REQUEST_FIELDS, key)) {
      throw new InvalidRequestError(key, `${where ? `${where}: ` : ''}unexpected field '${key.slice(0, 60)}'`);
    }
  }
  const request = out as unknown as GenerationRequest;
  const prefix = where ? `${where}: ` : '';
  const pixels = request.width * request.height;
  if (pixels > REQUEST_LIMITS.maxPixels) {
    throw new InvalidRequestError('width', `${prefix}${request.width}×${request.height} is ${(pixels / 1e6).toFixed(1)} MP, above the maximum of ${REQUEST_LIMITS.maxPixels / 1e6} MP`);
  }
  checkImageToImage(request, prefix);
  return request;
}

/** The fields that only mean something with a start image, and the two ways to give one. */
function checkImageToImage(request: GenerationRequest, prefix: string): void {
  if (request.initImage !== undefined && request.layout !== undefined) {
    throw new InvalidRequestError('layout', `${prefix}a layout draws its own start image; give either a start image or a layout, not both`);
  }
  if (request.initImage !== undefined || request.layout !== undefined) return;
  for (const field of ['strength', 'keepAlpha'] as const) {
    if (request[field] !== undefined) {
      throw new InvalidRequestError(field, `${prefix}${field} applies to image-to-image only; give a start image or a layout with it`);
    }
  }
}

/**
 * The GenerationRequest fields of an object that carries other things too (a command's arguments),
 * unchecked: validateGenerationRequest checks them where they are used.
 */
export function requestFieldsOf(value: object): Partial<GenerationRequest> {
  return Object.fromEntries(Object.entries(value).filter(([key, v]) => v !== undefined && Object.prototype.hasOwnProperty.call(REQUEST_FIELDS, key))) as Partial<GenerationRequest>;
}
