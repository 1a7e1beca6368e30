// Crafted image files against every reader that sees workspace files: the hover's header reader
// (extension host), the core's metadata reader and `nanoforge info`. Decompression bombs, millions
// of chunks, lying ICO directories, endless XML false starts and invalid character references give
// "no metadata" (or the metadata) in bounded work, never an abort, a hang or a throw.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNanoforgeMetadata, readImageInfo } from '../../src/extension/references/image-header';
import { readMetadata } from '../../src/inference/image/metadata';
import { craftPng, icoOfOnePng, iTxtBomb, metadataJson, pngChunk, tEXt, tinyChunks, zTxtBomb } from '../fixtures/hostile-files';
import { deflateSync } from 'node:zlib';
import { MAX_PROBED_TEXT_BYTES, nodeProbe } from '../fixtures/node-probe';
import { runCli } from './cli-helpers';

const PROBE = path.resolve(__dirname, '../fixtures/read-image-header.ts');
const GIB = 1024 * 1024 * 1024;

function probe(file: string): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), PROBE, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('hostile image files', function () {
  this.timeout(60_000);
  let tmp: string;

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-hostile-images-'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  async function write(name: string, bytes: Buffer): Promise<string> {
    const file = path.join(tmp, name);
    await fs.writeFile(file, bytes);
    return file;
  }

  it('a 1 MB PNG whose zTXt inflates to 1 GiB is "no metadata" for the hover reader, without aborting', async () => {
    const file = await write('ztxt-bomb.png', craftPng([zTxtBomb('nanoforge', GIB)]));
    assert.ok((await fs.stat(file)).size < 1.2e6);
    const r = await probe(file);
    assert.equal(r.code, 0, `the reader process ended with ${r.code ?? r.signal}: ${r.stderr.split('\n').slice(0, 2).join(' ')}`);
    const out = JSON.parse(r.stdout) as { info: unknown; header: unknown; core: unknown; rssMB: number };
    assert.deepEqual([out.info, out.header, out.core], [{ format: 'png', width: 1, height: 1 }, null, null]);
  });

  it('a compressed iTXt bomb is "no metadata" too, and small compressed text still reads', async () => {
    const bomb = await probe(await write('itxt-bomb.png', craftPng([iTxtBomb('nanoforge', GIB)])));
    assert.equal(bomb.code, 0, bomb.stderr.split('\n')[0]);
    assert.equal(JSON.parse(bomb.stdout).header, null);
    const small = craftPng([pngChunk('zTXt', Buffer.concat([Buffer.from('nanoforge\0\0', 'latin1'), deflateSync(Buffer.from(metadataJson('a small zTXt'), 'latin1'))]))]);
    assert.equal(readNanoforgeMetadata(small)?.prompt, 'a small zTXt');
  });

  it('nanoforge info on a 48 MB PNG of four million tiny chunks stays small: only the chunks before the pixels, a bounded number', async () => {
    const file = await write('chunks.png', craftPng([tinyChunks(4_000_000), tEXt('nanoforge', metadataJson('after four million chunks'))]));
    const r = await runCli(['info', file], { env: { NODE_OPTIONS: '--max-old-space-size=192' } });
    assert.equal(r.code, 0, r.stderr.split('\n').slice(0, 3).join(' '));
    assert.match(r.stdout, /format:\s+png/);
    assert.match(r.stdout, /metadata:\s+none/);
    assert.equal(readMetadata(await fs.readFile(file)), undefined);
    assert.equal(readNanoforgeMetadata(await fs.readFile(file)), undefined);
  });

  it('nanoforge info on an ICO whose 65 535 entries all point at one many-chunk PNG answers at once', async () => {
    const png = craftPng([tinyChunks(50_000), tEXt('nanoforge', metadataJson('deep inside'))]);
    const file = await write('many.ico', icoOfOnePng(png, 65_535));
    const r = await runCli(['info', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /format:\s+ico \(16x16\)/);
    assert.equal(readMetadata(await fs.readFile(file)), undefined);
  });

  it('an XMP packet with a character reference outside Unicode (&#99999999;) is read, the reference kept as text', async () => {
    const json = metadataJson('x &#99999999; y &#xD800; z &#x41;').replace(/&/g, '&amp;').replace(/&amp;#/g, '&#');
    const xmp = Buffer.from(`RIFF\0\0\0\0WEBPVP8X<x:xmpmeta><nanoforge:settings>${json.replace(/"/g, '&quot;')}</nanoforge:settings></x:xmpmeta>`, 'latin1');
    const prompt = 'x &#99999999; y &#xD800; z A';
    assert.equal(readNanoforgeMetadata(xmp)?.prompt, prompt);
    assert.equal(readMetadata(xmp)?.prompt, prompt);
  });

  it('XML with endless false starts of <nanoforge:settings is scanned once (linear), giving no metadata', () => {
    for (const start of ['<nanoforge:settings ', '<nanoforge:settingsX', '<nanoforge:settings>']) {
      const text = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg">${start.repeat(60_000)}</svg>`, 'utf8');
      assert.equal(readNanoforgeMetadata(text), undefined, start);
      assert.equal(readMetadata(text), undefined, start);
      const webp = Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBPVP8X', 'latin1'), text]);
      assert.equal(readNanoforgeMetadata(webp), undefined, start);
      assert.equal(readMetadata(webp), undefined, start);
    }
  });

  it('a PNG claiming 2^31-1 × 2^31-1 pixels: the hover reads its header, info refuses it in one line, nothing decoded', async () => {
    const file = await write('huge.png', craftPng([], { width: 2 ** 31 - 1, height: 2 ** 31 - 1 }));
    assert.deepEqual(readImageInfo(await fs.readFile(file)), { format: 'png', width: 2 ** 31 - 1, height: 2 ** 31 - 1 });
    const r = await runCli(['info', file]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split('\n').length, 1);
    assert.match(r.stderr, /huge\.png is not an image sharp can read/);
  });

  it('a tsconfig.json larger than the probe limit is treated as unreadable, not read whole', async () => {
    const file = await write('tsconfig.json', Buffer.from(`{"compilerOptions":{"paths":{}},"pad":"${'x'.repeat(MAX_PROBED_TEXT_BYTES)}"}`));
    assert.equal(await nodeProbe.readText(file), undefined);
    const small = await write('small-tsconfig.json', Buffer.from('{"compilerOptions":{}}'));
    assert.equal(await nodeProbe.readText(small), '{"compilerOptions":{}}');
  });
});
