// Where the real CLIP vocabulary (vocab.json + merges.txt) is for the fixture generators and the
// tokenizer tests: the copy kept in the repository, or $NANOFORGE_CLIP_DIR when set (to try another).
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The copy in the repository (test/fixtures/clip-tokenizer, MIT, see its README). */
export const REPO_CLIP_DIR = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'clip-tokenizer');

/** $NANOFORGE_CLIP_DIR, else the repository's copy; throws naming the folder and the missing file. */
export function clipVocabDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.NANOFORGE_CLIP_DIR || REPO_CLIP_DIR;
  const missing = ['vocab.json', 'merges.txt'].filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length === 0) return dir;
  const from = env.NANOFORGE_CLIP_DIR ? ' (from NANOFORGE_CLIP_DIR)' : ' (part of the repository: is the clone complete?)';
  throw new Error(`no CLIP vocabulary in ${dir}${from}: ${missing.join(' and ')} missing`);
}
