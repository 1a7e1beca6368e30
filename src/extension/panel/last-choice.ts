// The kind, size and target of the panel's last generation in this workspace (workspaceState), so
// that "Generate Image" from the palette opens the panel where the user left off.
import type * as vscode from 'vscode';
import { sizeProblem, targetPathProblem, type PanelInit, type PanelRequest } from '../../protocol/panel';
import { ASSET_KINDS, type AssetKind } from '../../inference/tables';

export const LAST_CHOICE_KEY = 'nanoforge.panel.lastChoice';

/** What is remembered: each part only when it is usable (the target workspace-relative, '' left out). */
export type LastChoice = Pick<PanelInit, 'kind' | 'width' | 'height' | 'target'>;

/**
 * The stored choice, each field checked as the form checks it: the state may come from an older
 * version of the extension, and a bad field is dropped on its own rather than spoiling the rest.
 */
export function parseLastChoice(raw: unknown): LastChoice {
  if (typeof raw !== 'object' || raw === null) return {};
  const { kind, width, height, target } = raw as Record<string, unknown>;
  const sizeOk = typeof width === 'number' && typeof height === 'number' && sizeProblem(width) === undefined && sizeProblem(height) === undefined;
  return {
    ...(typeof kind === 'string' && (ASSET_KINDS as readonly string[]).includes(kind) ? { kind: kind as AssetKind } : {}),
    ...(sizeOk ? { width, height } : {}),
    ...(typeof target === 'string' && target !== '' && targetPathProblem(target) === undefined ? { target } : {}),
  };
}

export function readLastChoice(state: vscode.Memento): LastChoice {
  return parseLastChoice(state.get(LAST_CHOICE_KEY));
}

/** Called when the panel starts a generation; the request has passed the protocol's validation. */
export function rememberLastChoice(state: vscode.Memento, request: PanelRequest): Thenable<void> {
  const { kind, width, height, target } = request;
  return state.update(LAST_CHOICE_KEY, { kind, width, height, ...(target ? { target } : {}) });
}
