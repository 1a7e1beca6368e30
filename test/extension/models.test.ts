// Model commands inside a real VS Code: Download Model pulls from a fake hub on 127.0.0.1 (set through
// nanoforge.hub.endpoint) into nanoforge.modelsFolder, Select Model lists what is installed, including
// the fixture model registered as a local folder, and selecting sets nanoforge.model.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from '../../src/extension/command-ids';
import { modelChoices, modelStore } from '../../src/extension/commands/models';
import { smallestDownload } from '../../src/extension/models-resolve';
import { writeDefaultModel } from '../../src/inference/models/default-model';
import type { Services } from '../../src/extension/services';
import { FakeHub } from '../fixtures/fake-hub';
import { services } from './shell-helpers';

const config = () => vscode.workspace.getConfiguration('nanoforge');
const KEYS = ['model', 'modelsFolder', 'hub.endpoint'] as const;

describe('models: commands in VS Code', function () {
  this.timeout(120_000);
  let s: Services;
  let hub: FakeHub;
  let root: string;
  let fixtureModel: string;
  const saved = new Map<string, unknown>();

  before(async () => {
    s = await services();
    fixtureModel = process.env.NANOFORGE_TEST_MODEL ?? '';
    assert.ok(fixtureModel, 'the harness passes the oracle model in NANOFORGE_TEST_MODEL');
    hub = await FakeHub.start();
    await hub.addRepo('nanoforge-test/oracle', { dir: fixtureModel });
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'nf-ext-models-'));
    for (const key of KEYS) saved.set(key, config().inspect(key)?.globalValue);
    await config().update('modelsFolder', root, vscode.ConfigurationTarget.Global);
    await config().update('hub.endpoint', hub.url, vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    for (const key of KEYS) await config().update(key, saved.get(key), vscode.ConfigurationTarget.Global);
    await hub?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('the first-use offer names the smallest catalog model and its size', () => {
    assert.match(smallestDownload(), /^the smallest, .+, is about \d+(\.\d+)? (MB|GB)$/);
  });

  it('Download Model pulls a repository into the models folder; Select Model lists and selects it', async () => {
    const pulled = await vscode.commands.executeCommand<{ model: { id: string; dir: string } } | undefined>(COMMANDS.downloadModel, 'nanoforge-test/oracle');
    assert.ok(pulled, 'the download finished');
    assert.equal(pulled.model.id, 'nanoforge-test--oracle');
    assert.equal(path.dirname(pulled.model.dir), root);
    for (const file of ['model_index.json', 'unet/model.onnx', 'tokenizer/vocab.json', 'nanoforge-model.json']) {
      assert.ok((await fs.stat(path.join(pulled.model.dir, file))).isFile(), file);
    }
    assert.ok(hub.requests.some((r) => r.server === 'cdn'), 'LFS files came through the redirect');
    // Then the worker prepares it for this machine: one optimized graph per session in the store's cache.
    const graphs = path.join(root, '.cache', 'onnx-graphs');
    let saved: string[] = [];
    for (const end = Date.now() + 60_000; saved.length < 3 && Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      saved = (await fs.readdir(graphs).catch(() => [] as string[])).filter((e) => !e.startsWith('.'));
    }
    assert.equal(saved.length, 3, 'text encoder, UNet and VAE decoder prepared after the download');
    const info = await s.worker().modelInfo(pulled.model.dir, 'cpu', s.storeDir());
    assert.deepEqual(info.loads.map((l) => l.graphCache), ['hit', 'hit'], 'the first load after the download opens the cached graphs');

    const choices = await modelChoices(s);
    const item = choices.find((c) => c.model?.id === 'nanoforge-test--oracle');
    assert.ok(item, choices.map((c) => c.label).join(', '));
    assert.match(item.description ?? '', /\d+(\.\d+)? [KM]B$/);
    assert.deepEqual(choices.slice(-2).map((c) => c.action), ['folder', 'download']);

    await vscode.commands.executeCommand(COMMANDS.selectModel, 'nanoforge-test--oracle');
    assert.equal(config().get('model'), 'nanoforge-test--oracle');
    const resolved = await s.resolveModel();
    assert.equal(resolved?.dir, pulled.model.dir);
  });

  it('Select Model lists the fixture model once registered as a local folder, and selecting it sets its path', async () => {
    const added = await modelStore(s).add(fixtureModel, 'fixture-oracle');
    assert.equal(added.origin, 'local');
    const choices = await modelChoices(s);
    const item = choices.find((c) => c.model?.id === 'fixture-oracle');
    assert.ok(item, choices.map((c) => c.label).join(', '));
    assert.match(item.description ?? '', /^local folder · /);
    assert.equal(item.detail, fixtureModel);
    await vscode.commands.executeCommand(COMMANDS.selectModel, 'fixture-oracle');
    assert.equal(config().get('model'), fixtureModel);
    assert.equal((await s.resolveModel())?.dir, fixtureModel);
    // Forgetting a local model never touches its folder.
    await modelStore(s).remove('fixture-oracle');
    assert.ok((await fs.stat(path.join(fixtureModel, 'unet', 'model.onnx'))).isFile());
  });

  it('nanoforge.model takes the id a folder was added under; empty, it means the default model', async () => {
    const store = modelStore(s);
    await store.add(fixtureModel, 'by-id');
    try {
      await config().update('model', 'by-id', vscode.ConfigurationTarget.Global);
      assert.deepEqual(await s.resolveModel(), { dir: fixtureModel, id: 'by-id' });
      // Empty: the first installed model (the download above sorts first), until a default is chosen.
      await config().update('model', '', vscode.ConfigurationTarget.Global);
      assert.equal((await s.resolveModel())?.id, 'nanoforge-test--oracle');
      await writeDefaultModel(store.root, 'by-id');
      assert.deepEqual(await s.resolveModel(), { dir: fixtureModel, id: 'by-id' });
    } finally {
      await writeDefaultModel(store.root, undefined);
      await store.remove('by-id');
    }
  });

  it('every model command is contributed and registered', async () => {
    const registered = await vscode.commands.getCommands(true);
    const contributed = (vscode.extensions.getExtension('nanoforge.nanoforge')?.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((c) => c.command);
    for (const id of [COMMANDS.downloadModel, COMMANDS.selectModel, COMMANDS.manageModels]) {
      assert.ok(registered.includes(id), `${id} registered`);
      assert.ok(contributed.includes(id), `${id} contributed`);
    }
  });
});
