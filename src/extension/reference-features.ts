// The reference features in one call for `activate`: hover previews, directive CodeLens,
// missing-asset diagnostics and their quick fix.
import * as vscode from 'vscode';
import { registerCodeLens } from './codelens';
import { registerDiagnostics } from './diagnostics';
import { registerHover } from './hover';
import { registerQuickFix } from './quickfix';
import type { Services } from './services';

export function registerReferenceFeatures(services: Services): vscode.Disposable {
  return vscode.Disposable.from(registerHover(services), registerCodeLens(services), registerDiagnostics(services), registerQuickFix(services));
}
