// Mocha root hooks for the UI tests: one workbench session for the run, and everything stopped at
// the end (also when a test fails). Suites call screenshotIfFailed() first in their afterEach, since
// root afterEach hooks run only after the suite's own clean-up has closed the evidence.
import type { Context, RootHookObject } from 'mocha';
import { closeSession, startSession } from './session';

export const mochaHooks: RootHookObject = {
  async beforeAll(this: Context) {
    this.timeout(300_000); // a cold code-server install takes about a minute
    await startSession();
  },
  async afterAll() {
    await closeSession();
  },
};
