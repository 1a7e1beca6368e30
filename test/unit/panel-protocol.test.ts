import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { contentSecurityPolicy, makeNonce, renderPanelHtml } from '../../src/extension/panel/html';
import { LIMITS, targetPathProblem, validateWebviewMessage, type PanelRequest } from '../../src/protocol/panel';

const goodRequest: PanelRequest = {
  prompt: 'a red fox, flat icon', negativePrompt: '', kind: 'icon', width: 256, height: 256,
  count: 4, steps: 2, seed: 42, target: 'media/fox.png',
};
const candidate = { generationId: '0123456789abcdef', index: 1 };

function reason(raw: unknown): string {
  const result = validateWebviewMessage(raw);
  assert.equal(result.ok, false, 'expected a rejection');
  return result.ok ? '' : result.reason;
}

describe('validateWebviewMessage', () => {
  it('accepts every well-formed message and returns exactly its fields', () => {
    const messages = [
      { type: 'ready' }, { type: 'cancel' }, { type: 'clearHistory' },
      { type: 'generate', request: goodRequest },
      { type: 'generate', request: { ...goodRequest, seed: null, guidanceScale: 7.5, target: '' } },
      { type: 'save', candidate, target: 'media/fox.png' },
      { type: 'saveAs', candidate },
      { type: 'copy', candidate, as: 'markdown', target: 'media/fox.png' },
      { type: 'browseTarget', current: '' },
      { type: 'rendered', generationId: candidate.generationId, candidates: 4 },
      { type: 'live', request: goodRequest },
      { type: 'live', request: null },
      { type: 'save', candidate, target: 'media/fox.png', quality: 'full' },
    ];
    for (const m of messages) {
      const result = validateWebviewMessage(JSON.parse(JSON.stringify(m)));
      assert.deepEqual(result, { ok: true, message: m });
    }
  });

  it('checks a Live edit as strictly as a generate, and turns Live off only with null', () => {
    assert.match(reason({ type: 'live' }), /request must be an object/);
    assert.match(reason({ type: 'live', request: { ...goodRequest, count: 9 } }), /count must be between 1 and 8/);
    assert.match(reason({ type: 'live', request: { ...goodRequest, target: '../x.png' } }), /leaves the workspace/);
    assert.match(reason({ type: 'live', request: null, extra: 1 }), /unexpected field 'extra'/);
    assert.match(reason({ type: 'save', candidate, target: 'a.png', quality: 'best' }), /save.quality must be 'full'/);
  });

  it('rejects non-objects and unknown types, naming the type', () => {
    assert.match(reason(null), /not an object/);
    assert.match(reason('generate'), /not an object/);
    assert.match(reason([{ type: 'ready' }]), /not an object/);
    assert.match(reason({}), /no string "type"/);
    assert.match(reason({ type: 7 }), /no string "type"/);
    assert.match(reason({ type: 'runShell', command: 'rm -rf /' }), /unknown message type "runShell"/);
    assert.match(reason({ type: '__proto__' }), /unknown message type/);
  });

  it('rejects missing fields and wrong types, naming the field', () => {
    assert.match(reason({ type: 'generate' }), /request must be an object/);
    const { prompt: _omit, ...noPrompt } = goodRequest;
    assert.match(reason({ type: 'generate', request: noPrompt }), /request\.prompt must be a string/);
    assert.match(reason({ type: 'generate', request: { ...goodRequest, prompt: '   ' } }), /prompt is empty/);
    assert.match(reason({ type: 'generate', request: { ...goodRequest, count: '4' } }), /count must be an integer/);
    assert.match(reason({ type: 'generate', request: { ...goodRequest, count: 9 } }), /count must be between 1 and 8, got 9/);
    assert.match(reason({ type: 'generate', request: { ...goodRequest, count: 0 } }), /count must be between 1 and 8/);
    assert.match(reason({ type: 'generate', request: { ...goodRequest, steps: 101 } }), /steps must be between 1 and 100/);
    assert.match(reason({ type: 'generate', request: { ...goodRequest, steps: 2.5 } }), /steps must be an integer/);
    assert.match(reason({ type: 'generate', request: { ...goodRequest, width: 100 } }), /width must be a multiple of 8/);
    assert.match(reason({ type: 'generate', request: { ...goodRequest, height: 4096 } }), /height must be between 16 and 2048/);
    assert.match(reason({ type: 'generate', request: { ...goodRequest, width: '256' } }), /width must be a number/);
    assert.match(reason({ type: 'generate', request: { ...goodRequest, kind: 'virus' } }), /kind must be one of icon/);
    assert.match(reason({ type: 'generate', request: { ...goodRequest, seed: -1 } }), /seed must be between 0 and 4294967295/);
    assert.match(reason({ type: 'generate', request: { ...goodRequest, guidanceScale: Number.NaN } }), /guidanceScale/);
    assert.match(reason({ type: 'generate', request: { ...goodRequest, extra: 1 } }), /unexpected field 'extra'/);
    assert.match(reason({ type: 'cancel', now: true }), /cancel: unexpected field 'now'/);
    assert.match(reason({ type: 'save', candidate: { generationId: '../../etc', index: 0 }, target: 'a.png' }), /not a generation id/);
    assert.match(reason({ type: 'save', candidate: { ...candidate, index: 8 }, target: 'a.png' }), /index must be between 0 and 7/);
    assert.match(reason({ type: 'save', candidate }), /save\.target must be a string/);
    assert.match(reason({ type: 'copy', candidate, as: 'html', target: '' }), /copy\.as must be one of dataUri, markdown, img/);
  });

  it('rejects target paths that leave the workspace', () => {
    for (const target of ['../outside.png', 'a/../../outside.png', '/etc/passwd', 'C:\\Windows\\x.png', '\\\\server\\share\\x.png', '~/x.png', '..\\x.png']) {
      assert.match(reason({ type: 'save', candidate, target }), /save\.target .* (leaves the workspace|must be relative)/, target);
    }
    assert.match(reason({ type: 'generate', request: { ...goodRequest, target: 'a\u0007b.png' } }), /control characters/);
    assert.match(reason({ type: 'browseTarget', current: 'media/' }), /names a folder/);
    assert.equal(targetPathProblem('media/../icons/fox.png'), undefined);
    assert.equal(targetPathProblem('./fox.png'), undefined);
  });

  it('rejects huge payloads before reading them', () => {
    const huge = 'x'.repeat(LIMITS.maxMessageChars + 1);
    assert.match(reason({ type: 'ready', pad: huge }), /message is \d+ characters; at most 16384/);
    assert.match(reason({ type: 'generate', request: { ...goodRequest, prompt: 'y'.repeat(LIMITS.promptChars + 1) } }), /prompt is 2001 characters; at most 2000/);
    assert.match(reason({ type: 'save', candidate, target: `${'d/'.repeat(600)}x.png` }), /at most 1024/);
  });

  it('turns hostile objects into a rejection instead of an exception', () => {
    const cyclic: Record<string, unknown> = { type: 'ready' };
    cyclic.self = cyclic;
    assert.match(reason(cyclic), /unreadable message/);
    const getter = { type: 'generate', get request(): never { throw new Error('boom'); } };
    assert.match(reason(getter), /unreadable message \(boom\)/);
  });
});

describe('panel HTML and CSP', () => {
  const options = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: 'bm9uY2Vub25jZW5vbmNl', scriptUri: 'https://x/main.js', styleUri: 'https://x/main.css' };

  it('allows nothing by default, scripts only by nonce, images only from the webview, data: and blob:', () => {
    const directives = contentSecurityPolicy(options).split('; ');
    assert.deepEqual(directives, [
      "default-src 'none'",
      `img-src ${options.cspSource} data: blob:`,
      `style-src ${options.cspSource} 'nonce-${options.nonce}'`,
      `font-src ${options.cspSource}`,
      `script-src 'nonce-${options.nonce}'`,
    ]);
    assert.doesNotMatch(contentSecurityPolicy(options), /unsafe-inline|unsafe-eval|\*/);
  });

  it('puts the nonce on the one script and the stylesheet, and nothing inline', () => {
    const html = renderPanelHtml(options);
    assert.equal(html.match(/<script /g)?.length, 1);
    assert.match(html, /<script nonce="bm9uY2Vub25jZW5vbmNl" src="https:\/\/x\/main.js"><\/script>/);
    assert.match(html, /<link rel="stylesheet" nonce="bm9uY2Vub25jZW5vbmNl" href="https:\/\/x\/main.css">/);
    assert.doesNotMatch(html, /<style|\sstyle="|\son[a-z]+=/);
  });

  it('makes a fresh 18-byte nonce from the random source each time', () => {
    const a = makeNonce(randomBytes);
    const b = makeNonce(randomBytes);
    assert.notEqual(a, b);
    assert.equal(Buffer.from(a, 'base64').length, 18);
    assert.equal(makeNonce((n) => new Uint8Array(n).fill(255)), '////////////////////////');
  });
});
