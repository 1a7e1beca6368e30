// Every command id Nanoforge registers, and the arguments the commands that other features link to
// take. package.json's contributions are checked against COMMANDS (test/unit/commands.test.ts);
// nothing else in src/ spells a `nanoforge.*` command id. Types only besides the ids: no `vscode`.
import type { GenerationRequest } from '../inference/request';

export const COMMANDS = Object.freeze({
  generateImage: 'nanoforge.generateImage',
  generateForReference: 'nanoforge.generateForReference',
  regenerateReference: 'nanoforge.regenerateReference',
  generateVariations: 'nanoforge.generateVariations',
  generateFromDirective: 'nanoforge.generateFromDirective',
  insertPlaceholder: 'nanoforge.insertPlaceholder',
  showHistory: 'nanoforge.showHistory',
  clearHistory: 'nanoforge.clearHistory',
  downloadModel: 'nanoforge.downloadModel',
  selectModel: 'nanoforge.selectModel',
  manageModels: 'nanoforge.manageModels',
  optimizeModel: 'nanoforge.optimizeModel',
  getStarted: 'nanoforge.getStarted',
} as const);

export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];

/** Registered only outside Production mode: the integration tests drive the generator panel with it. */
export const PANEL_TEST_COMMAND = 'nanoforge.test.generatorPanel';

/**
 * Arguments of generateForReference, regenerateReference and generateVariations, as hover links and
 * the quick fix send them (JSON: command links carry them in a URI).
 */
export interface ReferenceCommandArgs {
  /** The document's URI (Uri.toString()). */
  uri: string;
  line: number;
  /** Zero-based, anywhere on the path. */
  character: number;
  prompt?: string;
  mode?: 'panel' | 'quick';
}

/**
 * Arguments of generateFromDirective, as the directive CodeLens and hover send them. A directive
 * without `-> path` and without a reference below it gets its target from nanoforge.outputFolder +
 * nanoforge.namingPattern before it is sent.
 */
export type DirectiveCommandArgs = Pick<GenerationRequest, 'prompt'> & Partial<Pick<GenerationRequest, 'kind' | 'width' | 'height' | 'seed' | 'layout'>> & {
  /** Absolute target URI (Uri.toString()), already resolved by the resolvers. */
  target: string;
  /** The document containing the directive. */
  documentUri: string;
  /** The directive's zero-based line. */
  line: number;
};
