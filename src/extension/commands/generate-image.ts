// "Nanoforge: Generate Image": prompt → kind → size → target, then the generator panel, or in quick
// mode (`nanoforge.usePanel: false`) a cancellable progress notification that saves the first candidate.
import * as vscode from 'vscode';
import { requestFieldsOf, type GenerationRequest } from '../../inference/request';
import type { AssetKind } from '../../inference/types';
import { generateToFile } from '../generation';
import { defaultTargetPath } from '../naming';
import { GeneratorPanel } from '../panel/generator-panel';
import { COMMANDS } from '../command-ids';
import type { Services } from '../services';
import { askKind, askPrompt, askSize, chooseTarget } from './inputs';

/**
 * Optional arguments (History re-run, links, tests): any GenerationRequest field; prompt, kind,
 * size and target are asked for when missing, the others pass through to the generation.
 */
export type GenerateImageArgs = Partial<Omit<GenerationRequest, 'count' | 'format'>> & {
  /** Workspace-relative path or URI. */
  target?: string | vscode.Uri;
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

async function generateImage(services: Services, args: GenerateImageArgs = {}): Promise<vscode.Uri | undefined> {
  const explicit = args.prompt === undefined; // asked interactively ⇒ the user started it
  if (!(await services.trust.allowGeneration(explicit ? 'command' : 'indirect'))) return undefined;
  const p = await plan(services, args);
  if (!p) return undefined;
  const mode = args.mode ?? (services.settings().usePanel ? 'panel' : 'quick');
  if (mode === 'panel') {
    GeneratorPanel.show(services, { prompt: p.prompt, kind: p.kind, width: p.width, height: p.height, target: p.target });
    return undefined;
  }
  return generateToFile(services, { ...requestFieldsOf(args), ...p });
}

export function registerGenerateImage(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.generateImage, (args?: GenerateImageArgs) =>
    generateImage(services, args && typeof args === 'object' && !(args instanceof vscode.Uri) ? args : {}),
  );
}
