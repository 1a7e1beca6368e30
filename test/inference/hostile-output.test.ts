// Output that could be turned against its reader: prompts with terminal escape sequences replayed
// by `nanoforge info`, file names with control characters in error lines, labels and prompts with
// characters XML cannot hold in SVG and XMP. Terminals get visible escapes, XML gets only XML
// characters, and stored prompts still read back exactly.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { makePlaceholder } from '../../src/inference/image/placeholder';
import { pngMetadataChunks, readMetadata } from '../../src/inference/image/metadata';
import { insertChunks } from '../../src/inference/image/png-chunks';
import { isXmlChar } from '../../src/inference/safety/text';
import { runCli } from './cli-helpers';

// ESC sequences (clear screen, set the window title, BEL), an 8-bit CSI, a right-to-left override.
const HOSTILE_PROMPT = 'a fox\u001b[2J\u001b]0;pwned\u0007 \u009b31m red \u202eevil\u202c\r\nforged line';
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function allXmlChars(text: string): boolean {
  for (const ch of text) if (!isXmlChar(ch.codePointAt(0) ?? 0)) return false;
  return true;
}

describe('hostile output: terminals and XML', function () {
  this.timeout(60_000);
  let tmp: string;

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-hostile-output-'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('nanoforge info shows a prompt with escape sequences as visible text, and --json keeps it exactly', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 4, background: '#f00' } }).png().toBuffer();
    const file = path.join(tmp, 'escape.png');
    await fs.writeFile(file, insertChunks(png, pngMetadataChunks({ prompt: HOSTILE_PROMPT, seed: 3, generator: 'nanoforge test' })));
    const text = await runCli(['info', file]);
    assert.equal(text.code, 0, text.stderr);
    assert.ok(!RAW_CONTROL.test(text.stdout), JSON.stringify(text.stdout));
    assert.match(text.stdout, /prompt: +a fox\\x1b\[2J\\x1b\]0;pwned\\x07 \\x9b31m red \\u\{202e\}evil\\u\{202c\}\\x0d\\x0aforged line\n/);
    const json = await runCli(['info', file, '--json']);
    assert.ok(!RAW_CONTROL.test(json.stdout), JSON.stringify(json.stdout));
    assert.equal(JSON.parse(json.stdout).metadata.prompt, HOSTILE_PROMPT);
  });

  it('an error line naming a file with control characters stays one visible line', async () => {
    const r = await runCli(['info', path.join(tmp, 'no\u001b[31msuch\nfile.png')]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split('\n').length, 1, JSON.stringify(r.stderr));
    assert.ok(!RAW_CONTROL.test(r.stderr), JSON.stringify(r.stderr));
    assert.match(r.stderr, /no\\x1b\[31msuch\\x0afile\.png: no such file/);
  });

  it('a placeholder label with U+FFFF, U+FFFE, a lone surrogate and controls renders (those characters dropped) in every format', async () => {
    const label = 'Hero\uffff\ufffe\ud800\u0001 card';
    const svg = await makePlaceholder({ width: 200, height: 100, format: 'svg', label, prompt: 'p' });
    const text = Buffer.from(svg.bytes).toString('utf8');
    assert.ok(allXmlChars(text), 'the SVG holds a character outside XML');
    assert.match(text, />Hero card<\/text>/);
    assert.equal((await sharp(Buffer.from(svg.bytes)).metadata()).width, 200);
    for (const format of ['png', 'webp', 'jpeg'] as const) {
      const out = await makePlaceholder({ width: 200, height: 100, format, label });
      assert.equal(out.width, 200, format);
    }
  });

  it('a prompt with characters XML cannot hold is written to SVG and XMP as valid XML and reads back exactly', async () => {
    const prompt = 'sign \uffff here \ufffe and \ud800 there & <b> "q"';
    for (const format of ['svg', 'webp', 'jpeg', 'avif', 'png'] as const) {
      const out = await makePlaceholder({ width: 64, height: 64, format, prompt });
      if (format === 'svg') assert.ok(allXmlChars(Buffer.from(out.bytes).toString('utf8')), 'svg');
      assert.equal(readMetadata(out.bytes)?.prompt, prompt, format);
    }
  });
});
