// Command ids live in one module (src/extension/command-ids.ts): package.json contributes exactly
// those, its menus name only those, and no other source file spells one as a literal.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { COMMANDS, PANEL_TEST_COMMAND } from '../../src/extension/command-ids';

const ROOT = path.resolve(__dirname, '../..');

interface Manifest {
  contributes: { commands: { command: string }[]; menus: Record<string, { command: string }[]> };
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

describe('command ids', () => {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
  const ids = Object.values(COMMANDS) as string[];

  it('package.json contributes exactly the commands of command-ids.ts', () => {
    assert.deepEqual(manifest.contributes.commands.map((c) => c.command).sort(), [...ids].sort());
  });

  it('every menu entry names one of them', () => {
    for (const [menu, entries] of Object.entries(manifest.contributes.menus)) {
      for (const entry of entries) assert.ok(ids.includes(entry.command), `${menu}: ${entry.command}`);
    }
  });

  it('no other file under src/ or webview-ui/ spells a command id', () => {
    const owner = path.join(ROOT, 'src/extension/command-ids.ts');
    const offenders: string[] = [];
    for (const file of [...sourceFiles(path.join(ROOT, 'src')), ...sourceFiles(path.join(ROOT, 'webview-ui'))]) {
      if (file === owner) continue;
      const text = readFileSync(file, 'utf8');
      for (const id of [...ids, PANEL_TEST_COMMAND]) if (text.includes(`'${id}'`) || text.includes(`"${id}"`)) offenders.push(`${path.relative(ROOT, file)}: ${id}`);
    }
    assert.deepEqual(offenders, []);
  });
});
