import { strict as assert } from 'node:assert';
import { presetFor } from '../../src/inference/image/presets';
import { DEFAULT_SETTINGS, parseSize, readSettings, type ConfigurationLike } from '../../src/extension/settings';

function config(values: Record<string, unknown>): ConfigurationLike {
  return { get: <T>(key: string) => values[key] as T | undefined };
}

describe('settings reader', () => {
  it('returns the documented defaults for an empty configuration', () => {
    const { settings, problems } = readSettings(config({}));
    assert.deepEqual(settings, DEFAULT_SETTINGS);
    assert.deepEqual(problems, []);
  });

  it('reads valid values', () => {
    const { settings, problems } = readSettings(config({
      model: ' /models/sd-turbo ', device: 'cuda', format: 'webp', overwrite: 'never', usePanel: false,
      'diagnostics.enabled': false, 'diagnostics.severity': 'error', 'worker.idleTimeoutSeconds': 0,
      outputFolder: './img/gen/', namingPattern: '{kind}-{slug}', directiveTag: '@asset',
      defaultSizes: { icon: '32', mockup: '1024x768' }, saveQuality: 'full',
    }));
    assert.deepEqual(problems, []);
    assert.equal(settings.model, '/models/sd-turbo');
    assert.equal(settings.device, 'cuda');
    assert.equal(settings.format, 'webp');
    assert.equal(settings.overwrite, 'never');
    assert.equal(settings.usePanel, false);
    assert.equal(settings.saveQuality, 'full');
    assert.deepEqual(settings.diagnostics, { enabled: false, severity: 'error' });
    assert.equal(settings.worker.idleTimeoutSeconds, 0);
    assert.equal(settings.outputFolder, 'img/gen');
    assert.equal(settings.namingPattern, '{kind}-{slug}');
    assert.equal(settings.directiveTag, '@asset');
    assert.deepEqual(settings.defaultSizes.icon, { width: 32, height: 32 });
    assert.deepEqual(settings.defaultSizes.mockup, { width: 1024, height: 768 });
    assert.deepEqual(settings.defaultSizes.placeholder, DEFAULT_SETTINGS.defaultSizes.placeholder);
  });

  it('falls back per field and names each bad value', () => {
    const { settings, problems } = readSettings(config({
      device: 'tpu', format: 'gif', overwrite: true, usePanel: 'yes', 'worker.idleTimeoutSeconds': -5,
      outputFolder: '../outside', namingPattern: 'sub/{slug}.png', defaultSizes: { icon: 'huge', banner: '10x10' }, saveQuality: 'best',
    }));
    assert.equal(settings.device, 'auto');
    assert.equal(settings.format, 'png');
    assert.equal(settings.overwrite, 'ask');
    assert.equal(settings.usePanel, true);
    assert.equal(settings.worker.idleTimeoutSeconds, 300);
    assert.equal(settings.outputFolder, 'assets/generated');
    assert.equal(settings.namingPattern, '{slug}.{format}');
    assert.deepEqual(settings.defaultSizes.icon, DEFAULT_SETTINGS.defaultSizes.icon);
    assert.equal(settings.saveQuality, 'auto');
    assert.equal(problems.length, 10);
    for (const key of ['device', 'format', 'overwrite', 'usePanel', 'saveQuality', 'idleTimeoutSeconds', 'outputFolder', 'namingPattern', 'defaultSizes.icon', 'banner']) {
      assert.ok(problems.some((p) => p.includes(key)), `no problem mentions ${key}: ${problems.join(' | ')}`);
    }
  });

  it('refuses absolute output folders on both platforms', () => {
    assert.equal(readSettings(config({ outputFolder: '/etc' })).settings.outputFolder, 'assets/generated');
    assert.equal(readSettings(config({ outputFolder: 'C:\\temp' })).settings.outputFolder, 'assets/generated');
  });

  it('an empty directive tag keeps the default', () => {
    assert.equal(readSettings(config({ directiveTag: '  ' })).settings.directiveTag, '@image');
  });
});

describe('parseSize', () => {
  const table: [unknown, { width: number; height: number } | undefined][] = [
    ['64x64', { width: 64, height: 64 }], ['800X600', { width: 800, height: 600 }], ['32', { width: 32, height: 32 }],
    [' 16 x 9 ', { width: 16, height: 9 }], ['1024×768', { width: 1024, height: 768 }], [48, { width: 48, height: 48 }],
    ['0x10', undefined], ['5000x10', undefined], ['64x', undefined], ['-5', undefined], ['1.5x2', undefined], [null, undefined],
  ];
  for (const [input, expected] of table) it(`${JSON.stringify(input)}`, () => assert.deepEqual(parseSize(input), expected));
});

describe('default sizes have one source', () => {
  it('package.json, the settings reader and the CLI presets give every kind the same default size', () => {
    const pkg = require('../../package.json') as { contributes: { configuration: { properties: Record<string, { default?: unknown }> } | { properties: Record<string, { default?: unknown }> }[] } };
    const configs = Array.isArray(pkg.contributes.configuration) ? pkg.contributes.configuration : [pkg.contributes.configuration];
    const contributed = configs.map((c) => c.properties['nanoforge.defaultSizes']?.default).find((d) => d !== undefined) as Record<string, string>;
    for (const kind of ['icon', 'placeholder', 'mockup', 'illustration', 'photo'] as const) {
      const [w, h] = presetFor(kind).defaultSize;
      assert.equal(contributed[kind], `${w}x${h}`, `package.json default for ${kind}`);
      assert.deepEqual(DEFAULT_SETTINGS.defaultSizes[kind], { width: w, height: h }, `settings default for ${kind}`);
    }
  });
});
