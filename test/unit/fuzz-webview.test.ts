// Fuzz: the webview message validator (src/protocol/panel.ts), the gate for everything the panel's
// webview sends. On any value (and on near-valid messages with hostile fields) it never throws;
// what it accepts obeys every limit, and validating an accepted message again gives the same message.
import * as assert from 'node:assert/strict';
import { COPY_FORMATS, LIMITS, sizeProblem, targetPathProblem, validateWebviewMessage, type WebviewMessage } from '../../src/protocol/panel';
import { ASSET_KINDS } from '../../src/inference/tables';
import { fc, fuzz, printFuzzCount } from '../fixtures/fuzz';

const SUITE = 'webview message validator';
const RUNS = 2000;
const TYPES = ['ready', 'generate', 'cancel', 'save', 'saveAs', 'copy', 'browseTarget', 'clearHistory', 'rendered', 'live'];

const hostileValue = fc.oneof(
  fc.constantFrom(null, undefined, NaN, Infinity, -1, 0, 1, 2 ** 53, -0, 8, 16, 2048, 2056, 7.5, '', ' ', '\u0000', '__proto__', 'constructor', [], {}, true),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: -10, max: 5000 }),
  fc.double(),
  fc.constantFrom('../x.png', '/etc/passwd', 'C:\\x.png', '~/x.png', 'a/../../b.png', 'a/b.png', 'a\\..\\..\\b.png', 'dir/', 'x'.repeat(1100), 'ok.png', 'a\u0001b.png'),
);
const field = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: hostileValue });
const candidate = fc.record({ generationId: field(fc.constantFrom('0123456789abcdef', 'ffffffffffffffff')), index: field(fc.integer({ min: 0, max: 7 })) });
const request = fc.record({
  prompt: field(fc.string({ minLength: 1, maxLength: 50 })), negativePrompt: field(fc.string({ maxLength: 20 })), kind: field(fc.constantFrom(...ASSET_KINDS)),
  width: field(fc.integer({ min: 2, max: 256 }).map((n) => n * 8)), height: field(fc.integer({ min: 2, max: 256 }).map((n) => n * 8)),
  count: field(fc.integer({ min: 1, max: 8 })), steps: field(fc.integer({ min: 1, max: 100 })), seed: field(fc.option(fc.integer({ min: 0, max: 0xffffffff }))),
  guidanceScale: field(fc.double({ min: 0, max: 30, noNaN: true })), target: field(fc.constantFrom('', 'media/a.png', 'b.webp')),
}, { requiredKeys: ['prompt', 'negativePrompt', 'kind', 'width', 'height', 'count', 'steps', 'seed', 'target'] });
const typeField = (type: string) => field(fc.constant(type));
const target = field(fc.constantFrom('media/a.png', 'b.png'));
const generationId = field(fc.constantFrom('0123456789abcdef'));
const withExtra = <T extends object>(arb: fc.Arbitrary<T>) => fc.tuple(arb, fc.option(hostileValue, { freq: 4 })).map(([m, extra]) => (extra === null ? m : { ...m, extra }));
const nearValid = withExtra(fc.oneof(
  fc.record({ type: fc.oneof(typeField('ready'), typeField('cancel'), typeField('clearHistory')) }),
  fc.record({ type: typeField('generate'), request }),
  fc.record({ type: typeField('save'), candidate, target, quality: field(fc.constant('full')) }, { requiredKeys: ['type', 'candidate', 'target'] }),
  fc.record({ type: typeField('saveAs'), candidate }),
  fc.record({ type: typeField('copy'), candidate, as: field(fc.constantFrom(...COPY_FORMATS)), target }),
  fc.record({ type: typeField('browseTarget'), current: field(fc.constantFrom('', 'a.png')) }),
  fc.record({ type: typeField('rendered'), generationId, candidates: field(fc.integer({ min: 0, max: 8 })) }),
  fc.record({ type: typeField('live'), request: fc.oneof(request, fc.constant(null)) }),
));

function checkAccepted(m: WebviewMessage): void {
  assert.ok(TYPES.includes(m.type));
  const r = m.type === 'generate' || m.type === 'live' ? m.request : null;
  if (r) {
    assert.ok(r.prompt.trim() !== '' && r.prompt.length <= LIMITS.promptChars && r.negativePrompt.length <= LIMITS.promptChars);
    assert.ok(ASSET_KINDS.includes(r.kind));
    assert.equal(sizeProblem(r.width), undefined);
    assert.equal(sizeProblem(r.height), undefined);
    assert.ok(Number.isInteger(r.count) && r.count >= LIMITS.minCount && r.count <= LIMITS.maxCount);
    assert.ok(Number.isInteger(r.steps) && r.steps >= LIMITS.minSteps && r.steps <= LIMITS.maxSteps);
    assert.ok(r.seed === null || (Number.isInteger(r.seed) && r.seed >= 0 && r.seed <= LIMITS.maxSeed));
    assert.ok(r.guidanceScale === undefined || (r.guidanceScale >= 0 && r.guidanceScale <= LIMITS.maxGuidance));
    assert.equal(targetPathProblem(r.target), undefined);
  }
  if (m.type === 'save' || m.type === 'copy') assert.equal(targetPathProblem(m.target), undefined);
  if ('candidate' in m) assert.ok(/^[0-9a-f]{16}$/.test(m.candidate.generationId) && m.candidate.index >= 0 && m.candidate.index < LIMITS.maxCount);
}

describe(`fuzz: ${SUITE}`, () => {
  after(() => printFuzzCount(SUITE));

  it(`any value at all: never throws, a rejection is one line (${RUNS} cases)`, () => {
    fuzz(SUITE, fc.anything({ withNullPrototype: true, withObjectString: true, withBigInt: true, withDate: true, withMap: true, withTypedArray: true, withSparseArray: true, withBoxedValues: true }), (value) => {
      const result = validateWebviewMessage(value);
      if (result.ok) checkAccepted(result.message);
      else assert.ok(!result.reason.includes('\n') && result.reason.length < 400, result.reason);
    }, RUNS);
  });

  it(`near-valid messages with hostile fields: accepted ones obey every limit and validate again unchanged (${RUNS} cases)`, () => {
    let accepted = 0;
    fuzz(SUITE, nearValid, (value) => {
      const result = validateWebviewMessage(value);
      if (!result.ok) return;
      accepted++;
      checkAccepted(result.message);
      // The webview channel carries JSON, so compare the message as it travels (-0 arrives as 0).
      const travelled = JSON.parse(JSON.stringify(result.message)) as unknown;
      const again = validateWebviewMessage(travelled);
      assert.ok(again.ok);
      assert.deepEqual(again.message, travelled);
    }, RUNS);
    assert.ok(accepted > RUNS / 20, `only ${accepted} generated messages were valid: the generator would test little`);
  });
});
