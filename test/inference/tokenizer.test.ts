// CLIP tokenizer on the real vocabulary. Expected ids were derived from vocab.json/merges.txt with an
// independent reference of the slow HF CLIPTokenizer algorithm (byte-level BPE), plus the published check.
import * as assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadTokenizer, TokenizerError, type ClipTokenizer } from '../../src/inference';
import { clipVocabDir } from '../../scripts/lib/clip-vocab';

const VOCAB_DIR = clipVocabDir();
const BOS = 49406;
const EOS = 49407;

/** The ids between start and end (what the text itself became). */
function body(tokenizer: ClipTokenizer, text: string): number[] {
  const { ids } = tokenizer.encode(text);
  const end = ids.indexOf(EOS, 1);
  return ids.slice(1, end);
}

/** Every temp folder this file made, recorded before anything can fail, so `removeScratch` finds it. */
const scratch: string[] = [];

async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nanoforge-tok-'));
  scratch.push(dir);
  return dir;
}

async function removeScratch(): Promise<void> {
  for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** A temp tokenizer folder with the real vocab/merges and the given extra files. */
async function tokenizerDir(extra: Record<string, string>): Promise<string> {
  const dir = await scratchDir();
  await copyFile(path.join(VOCAB_DIR, 'vocab.json'), path.join(dir, 'vocab.json'));
  await copyFile(path.join(VOCAB_DIR, 'merges.txt'), path.join(dir, 'merges.txt'));
  for (const [name, text] of Object.entries(extra)) await writeFile(path.join(dir, name), text);
  return dir;
}

describe('CLIP tokenizer (real vocabulary)', () => {
  let tok: ClipTokenizer;
  before(async () => {
    tok = await loadTokenizer(VOCAB_DIR);
  });
  after(removeScratch);

  it('encodes the published check "a photo of a cat"', () => {
    const { ids, truncatedTokens } = tok.encode('a photo of a cat');
    assert.deepEqual(ids.slice(0, 7), [49406, 320, 1125, 539, 320, 2368, 49407]);
    assert.equal(ids.length, 77);
    assert.equal(truncatedTokens, 0);
    assert.deepEqual(tok.tokenize('a photo of a cat'), ['a</w>', 'photo</w>', 'of</w>', 'a</w>', 'cat</w>']);
  });

  it('reads special ids and size from the vocabulary', () => {
    assert.equal(tok.bosId, BOS);
    assert.equal(tok.eosId, EOS);
    assert.equal(tok.vocabSize, 49408);
    assert.equal(tok.maxLength, 77);
  });

  it('lower-cases, collapses whitespace and strips', () => {
    const expected = [320, 1125, 539, 320, 2368];
    assert.deepEqual(body(tok, '  A\tPHOTO  of\n\na Cat  '), expected);
    assert.deepEqual(body(tok, 'a\u00a0photo\u2003of a\u3000cat'), expected); // non-breaking / em / ideographic spaces
  });

  it('splits punctuation, single digits and symbol runs', () => {
    assert.deepEqual(body(tok, "A cat's toy, 2024!"), [320, 2368, 568, 5988, 267, 273, 271, 273, 275, 256]);
    assert.deepEqual(body(tok, '3.14 1,000,000'), [274, 269, 272, 275, 272, 267, 271, 271, 271, 267, 271, 271, 271]);
    assert.deepEqual(body(tok, '!!! ... ?!'), [995, 678, 2835]);
    assert.deepEqual(body(tok, 'pixel-art icon_of a (red) [house] {x}'),
      [13241, 268, 794, 5646, 318, 539, 320, 263, 736, 264, 314, 1212, 316, 346, 343, 348]);
  });

  it('keeps English contractions as their own tokens, also with curly apostrophes', () => {
    const expected = [585, 568, 649, 982, 889, 1200, 328, 880, 592, 1342, 797, 1896, 847, 713];
    assert.deepEqual(body(tok, "it's we're they've i'm you'll he'd don't"), expected);
    assert.deepEqual(body(tok, 'It\u2019s we\u2019re they\u2019ve I\u2019m you\u2019ll he\u2019d don\u2019t'), expected);
  });

  it('encodes non-ASCII letters and emoji through UTF-8 bytes', () => {
    assert.deepEqual(tok.tokenize('héllo 🐱 world'), ['h', 'Ã©', 'llo</w>', 'ðŁĲ±</w>', 'world</w>']);
    assert.deepEqual(body(tok, 'héllo 🐱 world'), [71, 3459, 19293, 22979, 1002]);
    assert.deepEqual(body(tok, 'naïve café 東京 Привет'),
      [1097, 35689, 563, 15304, 48338, 21078, 361, 26302, 16370, 29503, 110, 22176, 141, 480]);
    assert.deepEqual(body(tok, '👍🏽 ❤️'), [43722, 1752]);
    assert.deepEqual(body(tok, 'emojis 🚀🔥'), [27870, 22400, 3016]);
  });

  it('normalises like ftfy: NFC, full-width ASCII, ligatures', () => {
    assert.deepEqual(body(tok, 'cafe\u0301'), body(tok, 'café')); // combining acute → precomposed
    assert.deepEqual(body(tok, 'ＣＡＴ！'), body(tok, 'cat!'));
    assert.deepEqual(body(tok, '\ufb01sh'), body(tok, 'fish'));
    assert.deepEqual(body(tok, 'a\u0000 cat\u0007\ufeff'), body(tok, 'a cat')); // control characters dropped
  });

  it('maps written special tokens to their ids', () => {
    assert.deepEqual(body(tok, 'x'), [343]);
    assert.deepEqual(tok.encode('<|startoftext|>x').ids.slice(0, 3), [BOS, BOS, 343]);
    assert.deepEqual(tok.encode('x<|endoftext|>').ids.slice(0, 3), [BOS, 343, EOS]);
  });

  it('encodes the empty prompt as start, end and padding', () => {
    const { ids, truncatedTokens } = tok.encode('   ');
    assert.deepEqual(ids.slice(0, 2), [BOS, EOS]);
    assert.equal(ids.length, 77);
    assert.equal(truncatedTokens, 0);
  });

  it('truncates long prompts to 77 ids, keeps the end token and counts what was cut', () => {
    const long = tok.encode('a '.repeat(100));
    assert.equal(long.ids.length, 77);
    assert.equal(long.ids[0], BOS);
    assert.equal(long.ids[76], EOS);
    assert.ok(long.ids.slice(1, 76).every((id) => id === 320));
    assert.equal(long.truncatedTokens, 25);

    const exact = tok.encode('a '.repeat(75));
    assert.equal(exact.truncatedTokens, 0);
    assert.equal(exact.ids[76], EOS);
    const oneOver = tok.encode('a '.repeat(76));
    assert.equal(oneOver.truncatedTokens, 1);
    // BPE pieces count, not words: each digit is a token.
    assert.equal(tok.encode('1'.repeat(80)).truncatedTokens, 5);
  });

  it('pads SD 1.x style with the end token when no pad token is configured', () => {
    const ids = tok.encode('a cat').ids;
    assert.deepEqual(ids.slice(0, 4), [BOS, 320, 2368, EOS]);
    assert.ok(ids.slice(4).every((id) => id === EOS));
    assert.equal(tok.padId, EOS);
  });

  it('pads SD 2.x / SD-Turbo style with "!" (id 0) from tokenizer_config.json', async () => {
    const dir = await tokenizerDir({ 'tokenizer_config.json': JSON.stringify({ pad_token: '!', model_max_length: 77 }) });
    const turbo = await loadTokenizer(dir);
    const ids = turbo.encode('a cat').ids;
    assert.equal(turbo.padId, 0);
    assert.deepEqual(ids.slice(0, 5), [BOS, 320, 2368, EOS, 0]);
    assert.ok(ids.slice(4).every((id) => id === 0));
  });

  it('reads AddedToken objects, special_tokens_map.json and model_max_length', async () => {
    const dir = await tokenizerDir({
      'tokenizer_config.json': JSON.stringify({ model_max_length: 16, pad_token: { __type: 'AddedToken', content: '<|endoftext|>' } }),
      'special_tokens_map.json': JSON.stringify({ pad_token: '!' }),
    });
    const short = await loadTokenizer(dir);
    assert.equal(short.padId, EOS); // tokenizer_config.json wins over special_tokens_map.json
    const { ids, truncatedTokens } = short.encode('a '.repeat(20));
    assert.equal(ids.length, 16);
    assert.equal(ids[15], EOS);
    assert.equal(truncatedTokens, 6);

    const mapOnly = await tokenizerDir({ 'special_tokens_map.json': JSON.stringify({ pad_token: '!' }) });
    assert.equal((await loadTokenizer(mapOnly)).padId, 0);
  });

  it('ignores the "unset" model_max_length sentinel', async () => {
    const dir = await tokenizerDir({ 'tokenizer_config.json': JSON.stringify({ model_max_length: 1e30 }) });
    assert.equal((await loadTokenizer(dir)).maxLength, 77);
  });
});

describe('CLIP tokenizer errors name the file', () => {
  after(removeScratch);

  async function expectError(dir: string, file: string, pattern: RegExp): Promise<void> {
    await assert.rejects(loadTokenizer(dir), (err: unknown) => {
      assert.ok(err instanceof TokenizerError, String(err));
      assert.equal(err.file, path.join(dir, file));
      assert.ok(err.message.includes(path.join(dir, file)), err.message);
      assert.match(err.message, pattern);
      return true;
    });
  }

  it('missing vocab.json', async () => {
    const dir = await scratchDir();
    await copyFile(path.join(VOCAB_DIR, 'merges.txt'), path.join(dir, 'merges.txt'));
    await expectError(dir, 'vocab.json', /is missing/);
  });

  it('missing merges.txt', async () => {
    const dir = await scratchDir();
    await copyFile(path.join(VOCAB_DIR, 'vocab.json'), path.join(dir, 'vocab.json'));
    await expectError(dir, 'merges.txt', /is missing/);
  });

  it('malformed merges.txt, with the line number', async () => {
    const dir = await tokenizerDir({ 'merges.txt': '#version: 0.2\ni n\nt h e\n' });
    await expectError(dir, 'merges.txt', /line 3/);
  });

  it('vocab.json that is not JSON, or has bad ids', async () => {
    const broken = await tokenizerDir({ 'vocab.json': '{"a": 1,' });
    await expectError(broken, 'vocab.json', /not valid JSON/);
    const badId = await tokenizerDir({ 'vocab.json': '{"a": "one"}' });
    await expectError(badId, 'vocab.json', /expected an integer/);
  });

  it('a vocabulary without the special tokens', async () => {
    const dir = await tokenizerDir({ 'vocab.json': '{"a</w>": 0}' });
    await expectError(dir, 'vocab.json', /start token "<\|startoftext\|>"/);
  });

  it('tokenizer_config.json that is not JSON', async () => {
    const dir = await tokenizerDir({ 'tokenizer_config.json': 'pad_token: "!"' });
    await expectError(dir, 'tokenizer_config.json', /not valid JSON/);
  });
});
