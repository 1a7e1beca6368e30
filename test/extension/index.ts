// Entry of the integration suite that runs inside a real VS Code extension host (code-server via
// test/harness/run-integration.ts, or desktop VS Code via `npm run test:electron`). esbuild bundles
// it to out/test/extension/index.js. The mocha set-up must stay the first import: it defines
// describe/it (and suite/test) before the suites below register their tests. Add suites as
// `import './x.test';` lines.
import { runSuites } from '../harness/extension-mocha';
import './smoke.test';
import './packaged.test';
import './walkthrough.test';
import './assets.test';
import './commands.test';
import './trust.test';
import './panel.test';
import './live.test';
import './save-quality.test';
import './references.test';
import './img2img.test';
import './models.test';
import './optimize.test';

export function run(): Promise<void> {
  return runSuites();
}
