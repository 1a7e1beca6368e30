// Which integration tests run, as one RegExp for mocha's `grep` (mocha takes a single pattern).
// Two filters meet here: the harness's scope (run-integration.ts: the packaged-VSIX suite only
// against a VSIX, everything else from source) and the person's own NANOFORGE_TEST_GREP. The scope
// used to travel in NANOFORGE_TEST_GREP too, so the harness overwrote whatever the person set.

export interface TestGrepEnv {
  /** The harness's scope, a regex on the full test title. */
  NANOFORGE_TEST_SCOPE?: string;
  /** '1': run the tests the scope does NOT match. */
  NANOFORGE_TEST_SCOPE_INVERT?: string;
  /** The person's filter, a regex on the full title (e.g. `smoke`, `^generator panel`). */
  NANOFORGE_TEST_GREP?: string;
  /** '1': run the tests NANOFORGE_TEST_GREP does NOT match. */
  NANOFORGE_TEST_GREP_INVERT?: string;
}

function lookahead(name: string, source: string, invert: boolean): string {
  try {
    new RegExp(source);
  } catch (error) {
    throw new Error(`${name} is not a valid regular expression (${error instanceof Error ? error.message : String(error)}): ${source}`);
  }
  // Anywhere in the title; a `^` in the pattern still means the start of the title.
  return `(?${invert ? '!' : '='}[\\s\\S]*?(?:${source}))`;
}

/** Both filters as one pattern, or undefined when neither is set (run everything). */
export function integrationGrep(env: TestGrepEnv): RegExp | undefined {
  const parts: string[] = [];
  if (env.NANOFORGE_TEST_SCOPE) parts.push(lookahead('NANOFORGE_TEST_SCOPE', env.NANOFORGE_TEST_SCOPE, env.NANOFORGE_TEST_SCOPE_INVERT === '1'));
  if (env.NANOFORGE_TEST_GREP) parts.push(lookahead('NANOFORGE_TEST_GREP', env.NANOFORGE_TEST_GREP, env.NANOFORGE_TEST_GREP_INVERT === '1'));
  return parts.length > 0 ? new RegExp(`^${parts.join('')}`) : undefined;
}
