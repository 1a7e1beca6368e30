// Builds every bundle the project ships or tests with. `node esbuild.mjs [--production] [--watch]`.
// Type-checking is separate (`npm run typecheck`), as in microsoft/vscode-extension-samples.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
// `--out-root DIR` writes the bundles under DIR (scripts/package.mjs stages a VSIX without touching dist/).
const outRootAt = process.argv.indexOf('--out-root');
const outRoot = outRootAt >= 0 ? process.argv[outRootAt + 1] : '.';

// Native packages are loaded from node_modules at run time, never bundled.
const nativeExternals = ['onnxruntime-node', 'sharp'];

/** @type {import('esbuild').BuildOptions[]} */
const targets = [
  { entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', external: ['vscode', ...nativeExternals] },
  { entryPoints: ['src/inference/worker/main.ts'], outfile: 'dist/worker.js', platform: 'node', format: 'cjs', external: nativeExternals },
  // One onnxruntime session per thread (src/inference/backend/thread-session.ts), beside worker.js and cli.js.
  { entryPoints: ['src/inference/backend/session-thread.ts'], outfile: 'dist/session-thread.js', platform: 'node', format: 'cjs', external: nativeExternals },
  { entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', external: nativeExternals, banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: ['webview-ui/main.ts'], outfile: 'dist/webview/main.js', platform: 'browser', format: 'iife' },
  { entryPoints: ['webview-ui/main.css'], outfile: 'dist/webview/main.css' },
  // The integration suite runs inside a real VS Code extension host (see test/harness/).
  { entryPoints: ['test/extension/index.ts'], outfile: 'out/test/extension/index.js', platform: 'node', format: 'cjs', external: ['vscode', 'mocha', ...nativeExternals] },
  { entryPoints: ['test/extension/bench/index.ts'], outfile: 'out/test/extension-bench/index.js', platform: 'node', format: 'cjs', external: ['vscode', ...nativeExternals] },
];


const common = { bundle: true, target: 'node20', sourcemap: !production, minify: production, logLevel: 'warning' };

const builds = targets
  .filter((t) => t.entryPoints.every((e) => existsSync(e)))
  .map((t) => ({ ...common, ...t, outfile: `${outRoot}/${t.outfile}`, target: t.platform === 'browser' ? 'es2022' : 'node20' }));

if (watch) {
  for (const options of builds) (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
