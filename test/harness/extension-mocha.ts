// Mocha set-up for the integration suite that runs inside the VS Code extension host.
// Importing this module creates the Mocha instance and defines the test globals (bdd: describe/it,
// and tdd: suite/test) so that the suite files imported after it can register their tests at
// import time. test/extension/index.ts must import it first.
import Mocha from 'mocha';
import { ResultsReporter, resultsFile } from './extension-reporter';
import { integrationGrep } from './test-grep';

// The harness's scope (NANOFORGE_TEST_SCOPE) and the person's NANOFORGE_TEST_GREP, as one pattern.
const grep = integrationGrep(process.env);
const mocha = new Mocha({
  ui: 'bdd',
  color: false,
  timeout: Number(process.env.NANOFORGE_TEST_TIMEOUT_MS ?? 60_000),
  reporter: ResultsReporter,
  ...(grep ? { grep } : {}),
});
// Both interfaces, so suites may use describe/it or VS Code's customary suite/test.
Mocha.interfaces.tdd(mocha.suite);
mocha.suite.emit('pre-require', globalThis, 'nanoforge-integration', mocha);

/** Runs every suite imported so far; rejects when any test failed (the workbench then exits 1). */
export function runSuites(): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed; see ${resultsFile()}`));
        else resolve();
      });
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
