// What the panel remembers of its last generation (workspaceState) and what it gives back: each
// field only when the form would accept it.
import { strict as assert } from 'node:assert';
import type * as vscode from 'vscode';
import { LAST_CHOICE_KEY, parseLastChoice, readLastChoice, rememberLastChoice } from '../../src/extension/panel/last-choice';
import type { PanelRequest } from '../../src/protocol/panel';

/** A Memento over a Map, as VS Code's workspaceState behaves for JSON values. */
function memento(): vscode.Memento & { values: Map<string, unknown> } {
  const values = new Map<string, unknown>();
  return {
    values,
    keys: () => [...values.keys()],
    get: <T>(key: string, fallback?: T) => (values.has(key) ? (JSON.parse(JSON.stringify(values.get(key))) as T) : fallback),
    update: async (key: string, value: unknown) => { values.set(key, value); },
  } as vscode.Memento & { values: Map<string, unknown> };
}

const REQUEST: PanelRequest = {
  prompt: 'a red fox', negativePrompt: '', kind: 'placeholder', width: 640, height: 360, count: 4, steps: 4, seed: null, target: 'img/hero.webp',
};

describe('panel: last kind, size and target', () => {
  it('remembers kind, size and target of a request, not its prompt or seed', async () => {
    const state = memento();
    await rememberLastChoice(state, { ...REQUEST, seed: 7 });
    assert.deepEqual(state.values.get(LAST_CHOICE_KEY), { kind: 'placeholder', width: 640, height: 360, target: 'img/hero.webp' });
    assert.deepEqual(readLastChoice(state), { kind: 'placeholder', width: 640, height: 360, target: 'img/hero.webp' });
  });

  it('an empty target ("let the host pick") forgets the previous one', async () => {
    const state = memento();
    await rememberLastChoice(state, REQUEST);
    await rememberLastChoice(state, { ...REQUEST, kind: 'icon', width: 64, height: 64, target: '' });
    assert.deepEqual(readLastChoice(state), { kind: 'icon', width: 64, height: 64 });
  });

  it('nothing stored gives nothing', () => {
    assert.deepEqual(readLastChoice(memento()), {});
    for (const raw of [undefined, null, 42, 'icon', []]) assert.deepEqual(parseLastChoice(raw), {}, JSON.stringify(raw));
  });

  it('drops each field the form would refuse, keeping the others', () => {
    assert.deepEqual(parseLastChoice({ kind: 'banner', width: 64, height: 64, target: 'a.png' }), { width: 64, height: 64, target: 'a.png' });
    assert.deepEqual(parseLastChoice({ kind: 'icon', width: 100, height: 64 }), { kind: 'icon' }, 'not a multiple of 8');
    assert.deepEqual(parseLastChoice({ kind: 'icon', width: 64 }), { kind: 'icon' }, 'half a size');
    assert.deepEqual(parseLastChoice({ kind: 'icon', width: '64', height: '64' }), { kind: 'icon' });
    assert.deepEqual(parseLastChoice({ kind: 'icon', width: 8192, height: 64 }), { kind: 'icon' }, 'above the form limit');
    for (const target of ['../outside.png', '/etc/passwd.png', 'C:/x.png', '~/x.png', 'folder/', 'a\u0000b.png', 7]) {
      assert.deepEqual(parseLastChoice({ kind: 'mockup', target }), { kind: 'mockup' }, JSON.stringify(target));
    }
  });
});
