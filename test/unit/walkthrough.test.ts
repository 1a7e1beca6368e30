// The Getting Started walkthrough as package.json contributes it: its id is the one the extension
// opens, every page and picture it shows is in the repository (and so in the VSIX: media/** is
// packaged), every Nanoforge command a step runs or waits for exists, and the model page's table is
// the catalog's. The walkthrough in a real VS Code: test/extension/walkthrough.test.ts and test/e2e/.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { COMMANDS } from '../../src/extension/command-ids';
import { loadCatalog } from '../../src/inference/models/catalog';
import { renderModelTable, TABLE_END, TABLE_START, withModelTable } from '../../scripts/lib/walkthrough-models';

const ROOT = path.resolve(__dirname, '../..');
// walkthrough.ts imports `vscode`, which plain Node cannot load; its id is read from the source.
const WALKTHROUGH_SOURCE = readFileSync(path.join(ROOT, 'src/extension/walkthrough.ts'), 'utf8');

interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string; image?: string; altText?: string };
  completionEvents?: string[];
}

interface Manifest {
  contributes: { walkthroughs?: { id: string; title: string; steps: Step[] }[] };
}

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
const walkthroughs = manifest.contributes.walkthroughs ?? [];
const steps = walkthroughs.flatMap((w) => w.steps);
const ids = Object.values(COMMANDS) as string[];

/** `nanoforge.*` commands a step's buttons run (`command:id` links, arguments after `?`). */
function linkedCommands(step: Step): string[] {
  return [...step.description.matchAll(/\(command:(nanoforge\.[\w.]+)/g)].map((m) => m[1] ?? '');
}

describe('Getting Started walkthrough (package.json)', () => {
  it('is the one walkthrough, with the id the extension opens', () => {
    const id = /WALKTHROUGH_ID = '([^']+)'/.exec(WALKTHROUGH_SOURCE)?.[1];
    assert.deepEqual(walkthroughs.map((w) => w.id), [id]);
  });

  it('covers choosing a model, generating, references and directives, in that order', () => {
    assert.deepEqual(steps.map((s) => s.id).slice(0, 4), ['model', 'generate', 'reference', 'directive']);
    const model = steps[0]!;
    assert.deepEqual(linkedCommands(model), [COMMANDS.downloadModel, COMMANDS.selectModel]);
    assert.match(model.description, /fp16/);
    assert.match(model.description, /fp32/);
    assert.match(model.description, /licen[cs]e/i);
    assert.deepEqual(linkedCommands(steps[1]!), [COMMANDS.generateImage]);
  });

  it('every step runs and waits for commands that exist', () => {
    for (const step of steps) {
      const events = step.completionEvents ?? [];
      assert.ok(events.length > 0, `${step.id} has completion events`);
      for (const event of events) {
        assert.match(event, /^(onCommand:|onSettingChanged:|onContext:|onView:|onLink:|onStepSelected$)/, `${step.id}: ${event}`);
        const command = /^onCommand:(.+)$/.exec(event)?.[1];
        if (command) assert.ok(ids.includes(command), `${step.id} waits for ${command}, which is not contributed`);
      }
      for (const command of linkedCommands(step)) assert.ok(ids.includes(command), `${step.id} runs ${command}, which is not contributed`);
    }
  });

  it('every page and every picture a page shows is in the repository', () => {
    for (const step of steps) {
      const media = step.media.markdown ?? step.media.image ?? '';
      assert.ok(media.startsWith('media/'), `${step.id}: media under media/ (packaged in the VSIX)`);
      assert.ok(existsSync(path.join(ROOT, media)), `${step.id}: ${media} exists`);
      if (!step.media.markdown) continue;
      const markdown = step.media.markdown;
      const page = readFileSync(path.join(ROOT, markdown), 'utf8');
      for (const [, src] of page.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)) {
        const file = path.resolve(path.dirname(path.join(ROOT, markdown)), src ?? '');
        assert.ok(file.startsWith(path.join(ROOT, 'media') + path.sep) && existsSync(file), `${markdown} shows ${src}, which is not under media/`);
      }
    }
  });

  it("the model page's table is the catalog's (npx tsx scripts/walkthrough-models.ts rewrites it)", () => {
    const page = readFileSync(path.join(ROOT, 'media/walkthrough/model.md'), 'utf8');
    const table = renderModelTable(loadCatalog().models);
    assert.equal(page, withModelTable(page, table), 'the table differs from models/catalog.json');
    for (const m of loadCatalog().models.filter((e) => e.kind === 'pipeline')) {
      const row = table.split('\n').find((line) => line.includes(`\`${m.id}\``));
      assert.ok(row?.includes(m.precision) && row.includes(m.license.name), `${m.id}: precision and licence in its row`);
    }
    assert.ok(page.indexOf(TABLE_START) < page.indexOf(TABLE_END));
  });
});
