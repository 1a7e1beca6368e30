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
    case 'number': return rule.min;
    case 'choice': return rule.choices[0];
    case 'boolean': return true;
  }
}

const everyField = Object.fromEntries(REQUEST_FIELD_NAMES.map((f) => [f, sampleValue(REQUEST_FIELDS[f].rule)])) as unknown as GenerationRequest;

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
    assert.equal(Object.keys(everyField).length, REQUEST_FIELD_NAMES.length);
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

  it('requires the optional fields a caller says it always sends, and picks request fields out of wider objects', () => {
    assert.throws(() => validateGenerationRequest(minimal, { require: ['count'] }), /request\.count must be an integer/);
    assert.deepEqual(requestFieldsOf({ prompt: 'p', mode: 'quick', target: 'a.png', steps: undefined, seed: 3 }), { prompt: 'p', seed: 3 });
  });
});

describe('the protocols take every field of the core request', () => {
  it('the webview protocol accepts each GenerationRequest field and returns it unchanged', () => {
    const form: PanelRequest = { ...everyField, kind: 'icon', negativePrompt: 'x', count: 1, steps: 1, seed: null, target: 'a.png' };
    assert.deepEqual(validateWebviewMessage({ type: 'generate', request: form }), { ok: true, message: { type: 'generate', request: form } });
  });

  it('the webview protocol reports a bad field with the core\'s message', () => {
    const form = { ...minimal, negativePrompt: '', count: 1, steps: 1, seed: 1, target: '', quality: 101 };
    assert.deepEqual(validateWebviewMessage({ type: 'generate', request: form }), { ok: false, reason: 'request.quality must be between 1 and 100, got 101' });
  });

  it('the worker protocol accepts each GenerationRequest field, and rejects a bad one with InvalidRequestError', () => {
    const request = { modelDir: '/m', device: 'cpu', ...everyField };
    assert.deepEqual(parseWorkerRequest({ type: 'generate', id: 4, request, previews: false }), { type: 'generate', id: 4, request, previews: false });
    assert.throws(() => parseWorkerRequest({ type: 'generate', id: 4, request: { ...request, fit: 'fill' } }),
      (e: Error & { field?: string }) => e.name === 'InvalidRequestError' && e.field === 'fit' && /generate\.request\.fit must be one of/.test(e.message));
  });
});
