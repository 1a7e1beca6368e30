// `tsx test/harness/run-packaged.ts`: builds the VSIX for this machine's platform with
// `npm run package`, installs it into a fresh code-server profile and runs the smoke and
// "packaged VSIX" suites against it (one real generation through the installed package).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './paths';

function main(): number {
  const target = `${process.platform}-${process.arch}`;
  const { name, version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const vsix = path.join(REPO_ROOT, `${name}-${version}-${target}.vsix`);
  const pack = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'package.mjs'), '--target', target], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (pack.status !== 0 || !existsSync(vsix)) {
    console.error(`[harness] packaging for ${target} failed (exit ${String(pack.status)})`);
    console.log('packaged: 0 passed, 1 failed');
    return 1;
  }
  const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, 'run-integration.ts'), '--vsix', vsix], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  return run.status ?? 1;
}

process.exit(main());
