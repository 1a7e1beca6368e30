// The closed lists of Nanoforge, each written once as an `as const` table with its types derived
// from it: devices (and the execution providers each tries per platform), asset kinds, schedulers
// and image formats. The core, the CLI's usage text, the settings reader and the webview's options
// read them here; test/unit/tables.test.ts checks package.json's enums and the CLI help against
// them. No imports: the extension host and the webview bundle load this file too.

/** Deep-freezes a literal table so no caller can edit a shared fact at run time. */
function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) frozen(child);
    Object.freeze(value);
  }
  return value;
}

/** The `nanoforge.device` choices; `description` is what package.json shows beside each. */
export const DEVICES = frozen({
  auto: { description: "Try the platform's GPU providers, then fall back to CPU (the status bar says why a GPU failed)." },
  cpu: { description: 'CPU only.' },
  webgpu: { description: 'WebGPU (Dawn).' },
  cuda: { description: 'NVIDIA CUDA (Linux/Windows x64).' },
  dml: { description: 'DirectML (Windows).' },
  coreml: { description: 'Core ML (macOS).' },
} as const);

/** Execution-provider choice. `auto` tries the platform's GPU providers, then CPU. */
export type DeviceName = keyof typeof DEVICES;
/** A provider that actually runs sessions (what `auto` resolves to). */
export type ConcreteDevice = Exclude<DeviceName, 'auto'>;
export const DEVICE_NAMES = frozen(Object.keys(DEVICES) as DeviceName[]) as readonly DeviceName[];

type ProviderRow = Readonly<Partial<Record<DeviceName, readonly ConcreteDevice[]>>>;

/**
 * Which execution providers each device setting tries, in order, per platform; a device missing
 * from a platform's row is not valid there (the row's order is the order errors list them in).
 */
export const PROVIDER_TABLE: Readonly<Record<string, ProviderRow>> = frozen({
  linux: { auto: ['webgpu', 'cuda', 'cpu'], cpu: ['cpu'], webgpu: ['webgpu'], cuda: ['cuda'] },
  win32: { auto: ['dml', 'webgpu', 'cpu'], cpu: ['cpu'], dml: ['dml'], webgpu: ['webgpu'], cuda: ['cuda'] },
  darwin: { auto: ['coreml', 'webgpu', 'cpu'], cpu: ['cpu'], coreml: ['coreml'], webgpu: ['webgpu'] },
});

/** Any other platform: onnxruntime-node ships no GPU provider for it. */
export const CPU_ONLY_ROW: ProviderRow = frozen({ auto: ['cpu'], cpu: ['cpu'] });

/**
 * What an asset is for: `label` names it in the panel's Kind menu, `description` explains it when the
 * editor asks for the kind. Each kind's prompt template and sizes: image/presets.json.
 */
export const ASSET_KIND_TABLE = frozen({
  icon: { label: 'Icon', description: 'square, transparent background' },
  placeholder: { label: 'Placeholder', description: 'neutral stand-in for a real image' },
  mockup: { label: 'Mockup', description: 'UI screen or component' },
  illustration: { label: 'Illustration', description: 'drawn scene or spot art' },
  photo: { label: 'Photo', description: 'photographic image' },
} as const);

export type AssetKind = keyof typeof ASSET_KIND_TABLE;
export const ASSET_KINDS = frozen(Object.keys(ASSET_KIND_TABLE) as AssetKind[]) as readonly AssetKind[];

/** How a generated image is fitted to the output size (see image/fit.ts). */
export const FIT_MODES = frozen(['cover', 'contain', 'stretch'] as const);
export type FitMode = (typeof FIT_MODES)[number];

/**
 * Which decoder turns latents into pixels: the model's full VAE decoder, or a TAESD-class tiny decoder
 * (`vae_decoder_tiny/` in the model folder, or the installed `taesd` model for SD 1.x/2.x latents).
 * `description` is what package.json shows beside each `nanoforge.decoder` choice.
 */
export const DECODERS = frozen({
  auto: { description: 'The tiny decoder on the CPU (about 15× faster at 512×512), the full VAE on GPU providers; the full VAE when the model has no tiny decoder.' },
  tiny: { description: 'Always the tiny decoder (fast, slightly softer detail); an error when the model has none.' },
  full: { description: "Always the model's full VAE decoder (best quality; slow on the CPU)." },
} as const);

export type DecoderChoice = keyof typeof DECODERS;
/** A decoder that actually runs (what `auto` resolves to). */
export type DecoderKind = Exclude<DecoderChoice, 'auto'>;
export const DECODER_CHOICES = frozen(Object.keys(DECODERS) as DecoderChoice[]) as readonly DecoderChoice[];

/**
 * Latent spaces a tiny decoder is made for, told apart by the VAE config (channels and
 * scaling_factor): an installed preview decoder pairs with every model of its family
 * (models/catalog.json's `latentFamily`, models/tiny-decoder.ts).
 */
export const LATENT_FAMILIES = frozen({
  sd: { label: 'SD 1.x/2.x (SD-Turbo, LCM)', latentChannels: 4, scalingFactor: 0.18215 },
  sdxl: { label: 'SDXL', latentChannels: 4, scalingFactor: 0.13025 },
} as const);

export type LatentFamily = keyof typeof LATENT_FAMILIES;
export const LATENT_FAMILY_NAMES = frozen(Object.keys(LATENT_FAMILIES) as LatentFamily[]) as readonly LatentFamily[];

/** Our scheduler names (the CLI's `--scheduler` values) and the diffusers class each implements. */
export const SCHEDULERS = frozen({
  euler: { className: 'EulerDiscreteScheduler' },
  'euler-ancestral': { className: 'EulerAncestralDiscreteScheduler' },
  lcm: { className: 'LCMScheduler' },
  ddim: { className: 'DDIMScheduler' },
} as const);

export type SchedulerName = keyof typeof SCHEDULERS;
export const SCHEDULER_NAMES = frozen(Object.keys(SCHEDULERS) as SchedulerName[]) as readonly SchedulerName[];

/** diffusers class name (`_class_name` in scheduler_config.json) → our scheduler name. */
export const SCHEDULER_CLASSES: Readonly<Record<string, SchedulerName>> = frozen(
  Object.fromEntries(SCHEDULER_NAMES.map((name) => [SCHEDULERS[name].className, name])),
);

/**
 * Image formats by name: file extensions (the first is the one Nanoforge writes), MIME type, and
 * whether Nanoforge can write it (`description` then goes into package.json's `nanoforge.format`).
 * GIF and BMP are only recognised in code (hover, diagnostics), never generated.
 */
export const IMAGE_FORMATS = frozen({
  png: { extensions: ['.png'], mime: 'image/png', writable: true, description: 'Lossless, with transparency.' },
  webp: { extensions: ['.webp'], mime: 'image/webp', writable: true, description: 'Smaller, with transparency.' },
  avif: { extensions: ['.avif'], mime: 'image/avif', writable: true, description: 'Smallest, newer browsers.' },
  jpeg: { extensions: ['.jpg', '.jpeg'], mime: 'image/jpeg', writable: true, description: 'Photos, no transparency.' },
  ico: { extensions: ['.ico'], mime: 'image/x-icon', writable: true, description: 'Favicon (16/32/48 px inside).' },
  svg: { extensions: ['.svg'], mime: 'image/svg+xml', writable: true, description: 'Traced vector (flat icons).' },
  gif: { extensions: ['.gif'], mime: 'image/gif', writable: false },
  bmp: { extensions: ['.bmp'], mime: 'image/bmp', writable: false },
} as const);

/** Every format Nanoforge recognises in a workspace. */
export type ImageFormat = keyof typeof IMAGE_FORMATS;
/** The formats Nanoforge writes. */
export type AssetFormat = { [F in ImageFormat]: (typeof IMAGE_FORMATS)[F]['writable'] extends true ? F : never }[ImageFormat];

const FORMAT_NAMES = Object.keys(IMAGE_FORMATS) as ImageFormat[];

function isWritable(format: ImageFormat): format is AssetFormat {
  return IMAGE_FORMATS[format].writable;
}

/** png, webp, avif, jpeg, ico, svg: the formats Nanoforge writes, in the order messages list them. */
export const ASSET_FORMATS = frozen(FORMAT_NAMES.filter(isWritable)) as readonly AssetFormat[];

/** Every recognised extension without its dot (png, jpg, jpeg, …, gif, bmp), for scanners and globs. */
export const IMAGE_EXTENSIONS = frozen(FORMAT_NAMES.flatMap((f) => IMAGE_FORMATS[f].extensions.map((e) => e.slice(1)))) as readonly string[];

/** '.JPG' / 'jpg' → 'jpeg'; undefined for an extension that is no image format we know. */
export function formatOfExtension(extension: string): ImageFormat | undefined {
  const ext = `.${extension.replace(/^\./, '').toLowerCase()}`;
  return FORMAT_NAMES.find((f) => (IMAGE_FORMATS[f].extensions as readonly string[]).includes(ext));
}

/** The writable format an extension names, or undefined (.gif, .txt). */
export function assetFormatOfExtension(extension: string): AssetFormat | undefined {
  const format = formatOfExtension(extension);
  return format !== undefined && isWritable(format) ? format : undefined;
}

/** The extension a format is written with, with its dot: '.png', '.jpg'. */
export function extensionOfFormat(format: ImageFormat): string {
  return IMAGE_FORMATS[format].extensions[0];
}

export function mimeTypeOf(format: ImageFormat): string {
  return IMAGE_FORMATS[format].mime;
}
