// `npx tsx scripts/walkthrough-models.ts`: rewrites the model table in media/walkthrough/model.md
// from models/catalog.json (run it after changing the catalog; the unit tests fail until you do).
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadCatalog } from '../src/inference/models/catalog';
import { renderModelTable, withModelTable } from './lib/walkthrough-models';

const page = path.resolve(__dirname, '..', 'media', 'walkthrough', 'model.md');
const before = readFileSync(page, 'utf8');
const after = withModelTable(before, renderModelTable(loadCatalog().models));
if (after === before) {
  console.log(`${path.relative(process.cwd(), page)} is up to date`);
} else {
  writeFileSync(page, after);
  console.log(`rewrote the model table in ${path.relative(process.cwd(), page)}`);
}
