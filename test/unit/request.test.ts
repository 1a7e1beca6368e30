// The one GenerationRequest validator, and proof that the webview and worker protocols take every
// field the core declares (no whitelist of their own), so a new field is a change in request.ts only.
import { strict as assert } from 'node:assert';
import { InvalidRequestError } from '../../src/inference/errors';
import { REQUEST_FIELD_NAMES, REQUEST_FIELDS, REQUEST_LIMITS, requestFieldsOf, validateGenerationRequest, type FieldRule, type GenerationRequest } from '../../src/inference/request';
import { parseWorkerRequest } from '../../src/inference/worker/protocol';
import { validateWebviewMessage, type PanelRequest } from '../../src/protocol/panel';

const minimal: GenerationRequest = { prompt: 'a red fox', kind: 'icon', width: 64, height: 64 };

/** A value every rule of its type accepts and the panel form allows too. */
function sampleValue(rule: FieldRule): unknown {
  switch (rule.type) {
    case 'text': return 'x';
    case 'pixels': return 64;
    case 'integer': return rule.min;
    case 'number': return rule.minExclusive ? rule.max : rule.min;
    case 'choice': return rule.choices[0];
    case 'boolean': return true;
    case 'bytes': return new Uint8Array([137, 80, 78, 71]);
  }
}

/**
 * Every field, but `layout` (a start image drawn from a layout) and `initImage` (a given start image)
 * exclude each other, so each appears in one of the two.
 */
const withEvery = (drop: keyof GenerationRequest): GenerationRequest =>
  Object.fromEntries(REQUEST_FIELD_NAMES.filter((f) => f !== drop).map((f) => [f, sampleValue(REQUEST_FIELDS[f].rule)])) as unknown as GenerationRequest;
const everyField = withEvery('layout');
const everyFieldWithLayout = withEvery('initImage');

function rejection(raw: unknown, where?: string): InvalidRequestError {
  try {
    validateGenerationRequest(raw, where === undefined ? {} : { where });
  } catch (error) {
    assert.ok(error instanceof InvalidRequestError, String(error));
    return error;
  }
  return assert.fail(`accepted ${JSON.stringify(raw)}`);
}

describe('validateGenerationRequest', () => {
  it('returns exactly the fields it was given, for a minimal request and one with every field', () => {
    assert.deepEqual(validateGenerationRequest({ ...minimal }), minimal);
    assert.deepEqual(validateGenerationRequest({ ...everyField }), everyField);
    assert.deepEqual(validateGenerationRequest({ ...everyFieldWithLayout }), everyFieldWithLayout);
    assert.deepEqual(new Set([...Object.keys(everyField), ...Object.keys(everyFieldWithLayout)]), new Set(REQUEST_FIELD_NAMES));
  });

  const bad: [Partial<Record<keyof GenerationRequest, unknown>> & Record<string, unknown>, string, RegExp][] = [
    [{ prompt: 7 }, 'prompt', /^request\.prompt must be a string$/],
    [{ prompt: ' \n' }, 'prompt', /^request\.prompt is empty$/],
    [{ prompt: 'x'.repeat(REQUEST_LIMITS.promptChars + 1) }, 'prompt', /is 2001 characters; at most 2000/],
    [{ negativePrompt: 'a\u0000b' }, 'negativePrompt', /NUL/],
    [{ kind: 'banner' }, 'kind', /^request\.kind must be one of icon, placeholder, mockup, illustration, photo$/],
    [{ width: '64' }, 'width', /^request\.width must be a number$/],
    [{ height: 64.5 }, 'height', /must be a whole number/],
    [{ width: 9000 }, 'width', /must be between 1 and 8192, got 9000/],
    [{ width: 8000, height: 8000 }, 'width', /8000×8000 is 64\.0 MP, above the maximum of 40 MP/],
    [{ format: 'gif' }, 'format', /must be one of png, webp, avif, jpeg, ico, svg/],
    [{ fit: 'fill' }, 'fit', /must be one of cover, contain, stretch/],
    [{ transparent: 'yes' }, 'transparent', /must be true or false/],
    [{ quality: 0 }, 'quality', /between 1 and 100, got 0/],
    [{ count: 9 }, 'count', /^request\.count must be between 1 and 8, got 9$/],
    [{ count: '2' }, 'count', /must be an integer/],
    [{ seed: 2 ** 32 }, 'seed', /between 0 and 4294967295/],
    [{ steps: 0 }, 'steps', /between 1 and 100, got 0/],
    [{ guidanceScale: Number.POSITIVE_INFINITY }, 'guidanceScale', /must be a number between 0 and 100/],
    [{ scheduler: 'pndm' }, 'scheduler', /must be one of euler, euler-ancestral, lcm, ddim/],
    [{ initImage: 'logo.png' }, 'initImage', /^request\.initImage must be the bytes of an image file \(a Uint8Array\)$/],
    [{ initImage: new Uint8Array(0) }, 'initImage', /^request\.initImage is empty \(0 bytes\)$/],
    [{ initImage: new Uint8Array(REQUEST_LIMITS.maxInitImageBytes + 1) }, 'initImage', /is 33554433 bytes; at most 33554432 \(32 MB\)/],
    [{ initImage: new Uint8Array(4), strength: 0 }, 'strength', /^request\.strength must be a number greater than 0 and at most 1, got 0$/],
    [{ initImage: new Uint8Array(4), strength: 1.01 }, 'strength', /greater than 0 and at most 1, got 1\.01/],
    [{ initImage: new Uint8Array(4), strength: Number.NaN }, 'strength', /greater than 0 and at most 1, got NaN/],
    [{ strength: 0.5 }, 'strength', /^request: strength applies to image-to-image only; give a start image or a layout with it$/],
    [{ keepAlpha: true }, 'keepAlpha', /^request: keepAlpha applies to image-to-image only/],
    [{ keepAlpha: 'yes', initImage: new Uint8Array(4) }, 'keepAlpha', /must be true or false/],
    [{ layout: ' ' }, 'layout', /^request\.layout is empty$/],
    [{ layout: 'header;'.repeat(80) }, 'layout', /is 560 characters; at most 500/],
    [{ layout: 'header', initImage: new Uint8Array(4) }, 'layout', /^request: a layout draws its own start image; give either a start image or a layout, not both$/],
    [{ output: { width: 64 } }, 'output', /^request: unexpected field 'output'$/],
  ];
  for (const [patch, field, message] of bad) {
    it(`rejects ${JSON.stringify(patch).slice(0, 60)}, naming ${field}`, () => {
      const error = rejection({ ...minimal, ...patch });
      assert.equal(error.field, field);
      assert.match(error.message, message);
    });
  }

  it('reports missing required fields and non-objects, with or without a name for the object', () => {
    const { prompt: _prompt, ...noPrompt } = minimal;
    assert.match(rejection(noPrompt).message, /^request\.prompt must be a string/);
    // No kind is a request too: the prompt goes to the model as written (nanoforge generate without --kind).
    const { kind: _kind, ...noKind } = minimal;
    assert.deepEqual(validateGenerationRequest(noKind), noKind);
    assert.match(rejection({ ...minimal, steps: 0 }, '').message, /^steps must be between/);
    assert.match(rejection({ ...minimal, steps: 0 }, 'generate.request').message, /^generate\.request\.steps/);
    assert.match(rejection(null).message, /request must be an object/);
    assert.match(rejection([minimal]).message, /request must be an object/);
  });

  it('takes strength and keepAlpha with a start image or with a layout', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    assert.deepEqual(validateGenerationRequest({ ...minimal, initImage: bytes, strength: 1, keepAlpha: false }), { ...minimal, initImage: bytes, strength: 1, keepAlpha: false });
    assert.deepEqual(validateGenerationRequest({ ...minimal, layout: 'header; grid', strength: 0.001 }), { ...minimal, layout: 'header; grid', strength: 0.001 });
  });

  it('requires the optional fields a caller says it always sends, and picks request fields out of wider objects', () => {
    assert.throws(() => validateGenerationRequest(minimal, { require: ['count'] }), /request\.count must be an integer/);
    assert.deepEqual(requestFieldsOf({ prompt: 'p', mode: 'quick', target: 'a.png', steps: undefined, seed: 3 }), { prompt: 'p', seed: 3 });
  });
});

describe('the protocols take every field of the core request', () => {
  it('the webview protocol accepts each GenerationRequest field but the start image\'s bytes, and returns it unchanged', () => {
    // The webview names a start image (startImage: a workspace path or a candidate); the host reads the bytes.
    const { initImage: _bytes, ...fields } = everyField;
    for (const request of [fields, everyFieldWithLayout]) {
      const form: PanelRequest = { ...request, kind: 'icon', negativePrompt: 'x', count: 1, steps: 1, seed: null, target: 'a.png', ...(request === fields ? { startImage: { path: 'img/a.png' } } : {}) };
      assert.deepEqual(validateWebviewMessage({ type: 'generate', request: form }), { ok: true, message: { type: 'generate', request: form } });
    }
    assert.deepEqual(validateWebviewMessage({ type: 'generate', request: { ...fields, kind: 'icon', negativePrompt: '', count: 1, steps: 1, seed: null, target: '', initImage: [1, 2] } }),
      { ok: false, reason: 'request.initImage: the panel names its start image (startImage: a workspace file or a candidate); the host reads the bytes' });
  });

  it('the webview protocol reports a bad field with the core\'s message', () => {
    const form = { ...minimal, negativePrompt: '', count: 1, steps: 1, seed: 1, target: '', quality: 101 };
    assert.deepEqual(validateWebviewMessage({ type: 'generate', request: form }), { ok: false, reason: 'request.quality must be between 1 and 100, got 101' });
  });

  it('the worker protocol accepts each GenerationRequest field, and rejects a bad one with InvalidRequestError', () => {
    for (const fields of [everyField, everyFieldWithLayout]) {
      const request = { modelDir: '/m', device: 'cpu', ...fields };
      assert.deepEqual(parseWorkerRequest({ type: 'generate', id: 4, request, previews: false }), { type: 'generate', id: 4, request, previews: false });
    }
    const request = { modelDir: '/m', device: 'cpu', ...everyField };
    assert.throws(() => parseWorkerRequest({ type: 'generate', id: 4, request: { ...request, fit: 'fill' } }),
      (e: Error & { field?: string }) => e.name === 'InvalidRequestError' && e.field === 'fit' && /generate\.request\.fit must be one of/.test(e.message));
  });
});
