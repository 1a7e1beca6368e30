// The closed lists are written once (src/inference/tables.ts); everything that shows or accepts
// them elsewhere (package.json's setting enums and defaults, the CLI's help, the README's option
// list) is checked against the tables here, so a hand-edited copy that drifts fails a test.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  ASSET_FORMATS, ASSET_KIND_TABLE, ASSET_KINDS, DECODER_CHOICES, DECODERS, DEVICE_NAMES, DEVICES, IMAGE_EXTENSIONS, IMAGE_FORMATS, PROVIDER_TABLE,
  SCHEDULER_CLASSES, SCHEDULER_NAMES, SCHEDULERS, assetFormatOfExtension, formatOfExtension, mimeTypeOf,
} from '../../src/inference/tables';
import { REQUEST_FIELD_NAMES, REQUEST_FIELDS, type FieldSpec } from '../../src/inference/request';
import { DEFAULT_SETTINGS, OVERWRITE_POLICIES, SEVERITIES } from '../../src/extension/settings';
import { validDevices } from '../../src/inference/backend/onnx';
import { runCli } from '../inference/cli-helpers';

const ROOT = path.resolve(__dirname, '../..');

interface SettingContribution {
  default?: unknown;
  enum?: string[];
  enumDescriptions?: string[];
  properties?: Record<string, unknown>;
}

function contributedSettings(): Record<string, SettingContribution> {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, SettingContribution> } };
  };
  return pkg.contributes.configuration.properties;
}

/** `nanoforge.a.b` → DEFAULT_SETTINGS.a.b, in the form package.json writes it (sizes as "WxH"). */
function readerDefault(key: string): unknown {
  let value: unknown = DEFAULT_SETTINGS;
  for (const part of key.replace(/^nanoforge\./, '').split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
  if (key === 'nanoforge.defaultSizes') {
    return Object.fromEntries(Object.entries(value as Record<string, { width: number; height: number }>).map(([k, s]) => [k, `${s.width}x${s.height}`]));
  }
  return value;
}

/** The `a|b|c` list that follows `--option` in a help text or the README (line breaks allowed). */
function listAfter(text: string, option: string): string[] {
  const m = new RegExp(`${option}\\s+([a-z0-9-]+(?:\\|[a-z0-9-]+)+)`).exec(text);
  assert.ok(m?.[1], `no ${option} a|b|c list in:\n${text}`);
  return m[1].split('|');
}

describe('closed-list tables', () => {
  it('derive their name lists from the tables, in table order, frozen', () => {
    assert.deepEqual(DEVICE_NAMES, ['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml']);
    assert.deepEqual(ASSET_KINDS, ['icon', 'placeholder', 'mockup', 'illustration', 'photo']);
    assert.deepEqual(SCHEDULER_NAMES, ['euler', 'euler-ancestral', 'lcm', 'ddim']);
    assert.deepEqual(ASSET_FORMATS, ['png', 'webp', 'avif', 'jpeg', 'ico', 'svg']);
    assert.deepEqual(SCHEDULER_CLASSES, {
      EulerDiscreteScheduler: 'euler', EulerAncestralDiscreteScheduler: 'euler-ancestral', LCMScheduler: 'lcm', DDIMScheduler: 'ddim',
    });
    for (const table of [DEVICES, DEVICES.auto, ASSET_KIND_TABLE, SCHEDULERS, IMAGE_FORMATS, IMAGE_FORMATS.jpeg.extensions, PROVIDER_TABLE, PROVIDER_TABLE.win32, DEVICE_NAMES]) {
      assert.ok(Object.isFrozen(table));
    }
  });

  it('every device a platform row names is in the device table, and every row can fall back to the CPU', () => {
    for (const [platform, row] of Object.entries(PROVIDER_TABLE)) {
      for (const [device, providers] of Object.entries(row)) {
        assert.ok((DEVICE_NAMES as readonly string[]).includes(device), `${platform}: ${device}`);
        for (const provider of providers ?? []) assert.ok(DEVICE_NAMES.includes(provider) && (provider as string) !== 'auto', `${platform}.${device}: ${provider}`);
      }
      assert.equal(row.auto?.at(-1), 'cpu', platform);
    }
  });

  it('maps extensions, formats and MIME types both ways', () => {
    assert.deepEqual(IMAGE_EXTENSIONS, ['png', 'webp', 'avif', 'jpg', 'jpeg', 'ico', 'svg', 'gif', 'bmp']);
    assert.equal(formatOfExtension('.JPG'), 'jpeg');
    assert.equal(formatOfExtension('gif'), 'gif');
    assert.equal(formatOfExtension('.txt'), undefined);
    assert.equal(assetFormatOfExtension('.gif'), undefined);
    assert.equal(assetFormatOfExtension('.jpeg'), 'jpeg');
    assert.equal(mimeTypeOf('ico'), 'image/x-icon');
    assert.equal(mimeTypeOf('svg'), 'image/svg+xml');
  });
});

describe('package.json settings follow the tables and the settings reader', () => {
  const settings = contributedSettings();

  it('nanoforge.device lists the device table, with its descriptions', () => {
    assert.deepEqual(settings['nanoforge.device']?.enum, DEVICE_NAMES);
    assert.deepEqual(settings['nanoforge.device']?.enumDescriptions, DEVICE_NAMES.map((d) => DEVICES[d].description));
  });

  it('nanoforge.decoder lists the decoder table, with its descriptions', () => {
    assert.deepEqual(settings['nanoforge.decoder']?.enum, DECODER_CHOICES);
    assert.deepEqual(settings['nanoforge.decoder']?.enumDescriptions, DECODER_CHOICES.map((d) => DECODERS[d].description));
  });

  it('nanoforge.format lists the writable formats, with their descriptions', () => {
    assert.deepEqual(settings['nanoforge.format']?.enum, ASSET_FORMATS);
    assert.deepEqual(settings['nanoforge.format']?.enumDescriptions, ASSET_FORMATS.map((f) => IMAGE_FORMATS[f].description));
  });

  it('nanoforge.defaultSizes has one property per asset kind', () => {
    assert.deepEqual(Object.keys(settings['nanoforge.defaultSizes']?.properties ?? {}), ASSET_KINDS);
  });

  it('the reader accepts exactly the enums package.json offers', () => {
    assert.deepEqual(settings['nanoforge.overwrite']?.enum, OVERWRITE_POLICIES);
    assert.deepEqual(settings['nanoforge.diagnostics.severity']?.enum, SEVERITIES);
  });

  it('every contributed setting has the default the reader falls back to, and the reader reads no other', () => {
    for (const [key, contribution] of Object.entries(settings)) {
      assert.deepEqual(contribution.default, readerDefault(key), key);
    }
    const leaves = (o: object, prefix: string): string[] => Object.entries(o).flatMap(([k, v]) =>
      typeof v === 'object' && v !== null && k !== 'defaultSizes' ? leaves(v as object, `${prefix}${k}.`) : [`${prefix}${k}`]);
    assert.deepEqual(leaves(DEFAULT_SETTINGS, 'nanoforge.').sort(), Object.keys(settings).sort());
  });
});

describe('the CLI help and the README list what the tables hold', function () {
  this.timeout(60_000);

  it('generate --help and icons --help offer exactly the tables\' devices, schedulers and kinds, and every request option', async () => {
    // The help is word-wrapped: compare with whitespace folded.
    const help = async (command: string): Promise<string> => {
      const r = await runCli([command, '--help']);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.replace(/\s+/g, ' ');
    };
    const generate = await help('generate');
    const icons = await help('icons');
    const devices = validDevices().join(', ');
    assert.ok(generate.includes(`one of ${devices};`), generate);
    assert.ok(icons.includes(`one of ${devices};`), icons);
    assert.ok(generate.includes(`Sampler: ${SCHEDULER_NAMES.join(', ')}.`), generate);
    assert.ok(generate.includes(`One of ${ASSET_KINDS.join(', ')}:`), generate);
    // Every request field with a command-line spelling is an option of generate (src/cli/request-options.ts).
    for (const field of REQUEST_FIELD_NAMES) {
      const spec: FieldSpec = REQUEST_FIELDS[field];
      const option = spec.option;
      // A boolean option (--keep-alpha) takes no value.
      const shown = spec.rule.type === 'boolean' ? ` --${option?.flag} ` : ` --${option?.flag} ${option?.value} `;
      if (option) assert.ok(generate.includes(shown), `${field}: ${shown}`);
    }
  });

  it('nanoforge quantize --help names the devices --verify-device accepts', async () => {
    const r = await runCli(['quantize', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`--verify-device .*${DEVICE_NAMES.join(', ')}`));
  });

  it('the README documents the same --scheduler, --device, --kind and --decoder values', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    assert.deepEqual(listAfter(readme, '--scheduler'), SCHEDULER_NAMES);
    assert.deepEqual(listAfter(readme, '--device'), DEVICE_NAMES);
    assert.deepEqual(listAfter(readme, '--kind'), ASSET_KINDS);
    assert.deepEqual(listAfter(readme, '--decoder'), DECODER_CHOICES);
  });
});
