// The palette label of a contributed command ("Nanoforge: Generate Image"), read from the
// manifest so the UI tests follow renames; undefined while the command is not contributed.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../harness/paths';

interface CommandContribution {
  command: string;
  title: string;
  category?: string;
}

export function commandTitle(id: string): { title: string; label: string } | undefined {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { contributes?: { commands?: CommandContribution[] } };
  const entry = manifest.contributes?.commands?.find((c) => c.command === id);
  if (!entry) return undefined;
  return { title: entry.title, label: entry.category ? `${entry.category}: ${entry.title}` : entry.title };
}
