// Mocha root hooks for the UI tests: one workbench session for the run, a screenshot of every
// failing test, and everything stopped at the end (also when a test fails).
import type { Context, RootHookObject } from 'mocha';
import { closeSession, session, startSession } from './session';

export const mochaHooks: RootHookObject = {
  async beforeAll(this: Context) {
    this.timeout(300_000); // a cold code-server install takes about a minute
    await startSession();
  },
  async afterEach(this: Context) {
    const test = this.currentTest;
    if (test?.state === 'failed') {
      const name = `FAILED-${test.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`;
      console.log(`[e2e] screenshot of the failure: ${await session().workbench.screenshot(name)}`);
    }
  },
  async afterAll() {
    await closeSession();
  },
};
