// "Nanoforge: Generate Image": opens the generator panel at once (prompt focused, the workspace's last
// kind, size and target filled in), or in quick mode (`nanoforge.usePanel: false`) asks prompt → kind →
// size → target and saves the first candidate under a cancellable progress notification.
import * as vscode from 'vscode';
import { requestFieldsOf, type GenerationRequest } from '../../inference/request';
import type { AssetKind } from '../../inference/types';
import { activeFolder, generateToFile, resolveTarget } from '../generation';
import { defaultTargetPath } from '../naming';
import { GeneratorPanel, type GeneratorPanelInit } from '../panel/generator-panel';
import { readLastChoice } from '../panel/last-choice';
import { COMMANDS } from '../command-ids';
import type { Services } from '../services';
import { askKind, askPrompt, askSize, chooseTarget } from './inputs';

/**
 * Optional arguments (History re-run, links, tests): any GenerationRequest field. The panel is
 * pre-filled with those it shows; quick mode asks for a missing prompt, kind, size or target, and
 * the other fields pass through to the generation.
 */
export type GenerateImageArgs = Partial<Omit<GenerationRequest, 'count' | 'format' | 'initImage'>> & {
  /** Workspace-relative path or URI. */
  target?: string | vscode.Uri;
  /** Image-to-image from this workspace file (read and checked by the host). */
  startImage?: vscode.Uri;
  mode?: 'panel' | 'quick';
};

interface Plan {
  prompt: string;
  kind: AssetKind;
  width: number;
  height: number;
  target: vscode.Uri;
}

async function plan(services: Services, args: GenerateImageArgs): Promise<Plan | undefined> {
  const settings = services.settings();
  const prompt = args.prompt ?? (await askPrompt(services.history.recentPrompts()));
  if (!prompt) return undefined;
  await services.history.rememberPrompt(prompt);
  const kind = args.kind ?? (await askKind());
  if (!kind) return undefined;
  const preset = settings.defaultSizes[kind];
  const size = args.width && args.height ? { width: args.width, height: args.height } : await askSize(preset);
  if (!size) return undefined;
  const suggested = defaultTargetPath(settings.outputFolder, settings.namingPattern, { prompt, kind, ...size, format: settings.format });
  const target = await chooseTarget(args.target, suggested, 'generated images');
  if (!target) return undefined;
  return { prompt, kind, ...size, target };
}

/** A new panel starts from the last kind, size and target used in this workspace's panel. */
function lastChoiceInit(services: Services): GeneratorPanelInit {
  const { target, ...rest } = readLastChoice(services.context.workspaceState);
  const uri = target === undefined ? undefined : resolveTarget(target, activeFolder());
  return { ...rest, ...(uri ? { target: uri } : {}) };
}

/** No questions: what the caller gave goes into the form, the user types the rest there. */
async function openPanel(services: Services, args: GenerateImageArgs): Promise<void> {
  if (args.prompt !== undefined) await services.history.rememberPrompt(args.prompt);
  // A target from a caller is checked as before (chooseTarget says why it refuses one).
  const target = args.target === undefined ? undefined : await chooseTarget(args.target, '', 'generated images');
  if (args.target !== undefined && !target) return;
  const given: GeneratorPanelInit = {
    ...(args.prompt === undefined ? {} : { prompt: args.prompt }),
    ...(args.kind === undefined ? {} : { kind: args.kind }),
    ...(args.width && args.height ? { width: args.width, height: args.height } : {}),
    ...(target ? { target } : {}),
    ...(args.startImage ? { startImage: args.startImage } : {}),
    ...(args.strength === undefined ? {} : { strength: args.strength }),
  };
  // An open panel keeps its form as the user left it; only what the caller gave replaces fields.
  GeneratorPanel.show(services, GeneratorPanel.current ? given : { ...lastChoiceInit(services), ...given });
}

async function generateImage(services: Services, args: GenerateImageArgs = {}): Promise<vscode.Uri | undefined> {
  const explicit = args.prompt === undefined; // asked interactively ⇒ the user started it
  if (!(await services.trust.allowGeneration(explicit ? 'command' : 'indirect'))) return undefined;
  const mode = args.mode ?? (services.settings().usePanel ? 'panel' : 'quick');
  if (mode === 'panel') {
    await openPanel(services, args);
    return undefined;
  }
  const p = await plan(services, args);
  if (!p) return undefined;
  const { initImage: _bytes, ...fields } = requestFieldsOf(args);
  return generateToFile(services, { ...fields, ...p, ...(args.startImage instanceof vscode.Uri ? { startImage: args.startImage } : {}) });
}

export function registerGenerateImage(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.generateImage, (args?: GenerateImageArgs) =>
    generateImage(services, args && typeof args === 'object' && !(args instanceof vscode.Uri) ? args : {}),
  );
}
