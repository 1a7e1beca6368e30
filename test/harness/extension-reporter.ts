// A spec-like mocha reporter for the extension host. The host's stdout does not reach the terminal
// that started code-server, so every line also goes (synchronously, so a crash loses nothing) to the
// results file the harness names in NANOFORGE_TEST_RESULTS and prints afterwards.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Mocha from 'mocha';

const { EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END, EVENT_TEST_FAIL, EVENT_TEST_PASS, EVENT_TEST_PENDING } =
  Mocha.Runner.constants;

export function resultsFile(): string {
  return process.env.NANOFORGE_TEST_RESULTS ?? path.join(os.tmpdir(), 'nanoforge-integration-results.txt');
}

export class ResultsReporter extends Mocha.reporters.Base {
  private depth = 0;
  private readonly file = resultsFile();
  private readonly failed: Array<{ title: string; error: unknown }> = [];

  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileSync(this.file, '');
    runner.on(EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => {
      if (suite.title) this.line(suite.title);
      this.depth += 1;
    });
    runner.on(EVENT_SUITE_END, () => {
      this.depth -= 1;
    });
    runner.on(EVENT_TEST_PASS, (test: Mocha.Test) => this.line(`✓ ${test.title} (${String(test.duration ?? 0)} ms)`));
    runner.on(EVENT_TEST_PENDING, (test: Mocha.Test) => this.line(`- ${test.title} (skipped)`));
    runner.on(EVENT_TEST_FAIL, (test: Mocha.Test, error: unknown) => {
      this.failed.push({ title: test.fullTitle(), error });
      this.line(`✗ ${this.failed.length}) ${test.title}`);
    });
    runner.once(EVENT_RUN_END, () => this.summary());
  }

  private summary(): void {
    const stats = this.stats;
    const counts = { passes: stats.passes, failures: stats.failures, pending: stats.pending };
    writeFileSync(`${this.file}.json`, JSON.stringify(counts));
    this.depth = 0;
    this.line('');
    this.line(`  ${stats.passes} passing`);
    if (stats.pending > 0) this.line(`  ${stats.pending} pending`);
    if (stats.failures > 0) this.line(`  ${stats.failures} failing`);
    this.failed.forEach(({ title, error }, index) => {
      this.line('');
      this.line(`  ${index + 1}) ${title}:`);
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      for (const row of text.split('\n')) this.line(`     ${row}`);
    });
  }

  private line(text: string): void {
    const row = `${'  '.repeat(Math.max(0, this.depth))}${text}`;
    appendFileSync(this.file, row + '\n');
    console.log(row);
  }
}
