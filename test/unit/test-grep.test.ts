// The integration suite's test filter: the harness's scope and the person's NANOFORGE_TEST_GREP
// combine (both must hold); neither overrides the other.
import * as assert from 'node:assert/strict';
import { integrationGrep, type TestGrepEnv } from '../../test/harness/test-grep';

const TITLES = [
  'integration harness smoke opens the fixture workspace as the only folder',
  'integration harness smoke loads the Nanoforge extension and activates it',
  'packaged VSIX generates a 32x32 PNG through the installed worker and native modules',
  'directives: generate for reference writes the file a directive names',
  'generator panel opens with the prompt from the selection',
];

function selected(env: TestGrepEnv): number[] {
  const grep = integrationGrep(env);
  return TITLES.flatMap((t, i) => (!grep || grep.test(t) ? [i] : []));
}

const FROM_SOURCE: TestGrepEnv = { NANOFORGE_TEST_SCOPE: '^packaged VSIX ', NANOFORGE_TEST_SCOPE_INVERT: '1' };
const AGAINST_VSIX: TestGrepEnv = { NANOFORGE_TEST_SCOPE: '^(integration harness|packaged VSIX) ' };

describe('integration test filter (NANOFORGE_TEST_GREP inside the extension host)', () => {
  it('runs everything without filters, and only the harness scope when the person sets none', () => {
    assert.deepEqual(selected({}), [0, 1, 2, 3, 4]);
    assert.deepEqual(selected(FROM_SOURCE), [0, 1, 3, 4]);
    assert.deepEqual(selected(AGAINST_VSIX), [0, 1, 2]);
  });

  it("NANOFORGE_TEST_GREP narrows the harness's scope instead of being replaced by it", () => {
    assert.deepEqual(selected({ ...FROM_SOURCE, NANOFORGE_TEST_GREP: 'smoke' }), [0, 1]);
    assert.deepEqual(selected({ ...FROM_SOURCE, NANOFORGE_TEST_GREP: 'directive' }), [3]);
    assert.deepEqual(selected({ ...FROM_SOURCE, NANOFORGE_TEST_GREP: '^generator panel' }), [4]);
    // The scope still holds: a grep for the packaged suite finds nothing in a run from source.
    assert.deepEqual(selected({ ...FROM_SOURCE, NANOFORGE_TEST_GREP: 'packaged' }), []);
    assert.deepEqual(selected({ ...AGAINST_VSIX, NANOFORGE_TEST_GREP: 'PNG' }), [2]);
  });

  it('NANOFORGE_TEST_GREP_INVERT=1 inverts only the person\'s pattern', () => {
    assert.deepEqual(selected({ ...FROM_SOURCE, NANOFORGE_TEST_GREP: 'smoke', NANOFORGE_TEST_GREP_INVERT: '1' }), [3, 4]);
  });

  it('an invalid pattern is an error naming the variable', () => {
    assert.throws(() => integrationGrep({ NANOFORGE_TEST_GREP: 'a(' }), /^Error: NANOFORGE_TEST_GREP is not a valid regular expression .*: a\($/);
  });
});
