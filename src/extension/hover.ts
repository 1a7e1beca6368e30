// Hover on an asset reference or a directive: a bounded thumbnail (never upscaled), dimensions and
// file size read from the header here in the host, Nanoforge's stored prompt/seed, and links to
// Open / Regenerate / Reveal — or, for a missing file, where it would go and a Generate link.
import * as vscode from 'vscode';
import { readImageInfo, readNanoforgeMetadata, thumbnailSize, type ImageInfo, type NanoforgeMetadata } from './references/image-header';
import { inferDefaults } from './references/infer';
import { COMMANDS, type DirectiveCommandArgs, type ReferenceCommandArgs } from './command-ids';
import type { Directive } from './references/directives';
import { directiveCommandArgs, directivesIn, lookupReferenceAt, REFERENCE_SELECTOR, resolveDirectiveTarget, type ResolvedReference } from './reference-lookup';
import { unwritableReason } from './naming';
import type { Services } from './services';
import { errorMessage } from '../inference/errors';
import { formatBytes } from '../inference/models/disk';
import { mimeTypeOf } from '../inference/tables';

export type HoverServices = Pick<Services, 'log' | 'settings'>;

/**
 * VS Code 1.100 caps a hover at 250 px high (a quarter of the editor, at least 250): a 256 px
 * thumbnail pushed the size, prompt and Open · Regenerate · Reveal below the fold, behind a scrollbar.
 */
const THUMBNAIL_MAX = 128;
/** Larger files are linked by URI instead of inlined as a data: URI. */
const INLINE_LIMIT = 1024 * 1024;
const READ_LIMIT = 32 * 1024 * 1024;
const ENABLED_COMMANDS = ['vscode.open', 'revealInExplorer', COMMANDS.generateForReference, COMMANDS.regenerateReference, COMMANDS.generateVariations, COMMANDS.generateFromDirective];

/** Escapes what would start emphasis, code, links, HTML or tables inside a line of prose. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|~]/g, '\\$&').replace(/\r?\n/g, ' ');
}

/** A code span; backslash escapes are literal inside one, so only backticks are replaced. */
export function codeSpan(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\r?\n/g, ' ')}\``;
}

export function commandLink(title: string, command: string, args: unknown, tooltip: string): string {
  return `[${title}](command:${command}?${encodeURIComponent(JSON.stringify(args))} "${tooltip.replace(/"/g, "'")}")`;
}

function thumbnail(bytes: Uint8Array, info: ImageInfo, uri: vscode.Uri): string {
  const { width, height } = thumbnailSize(info.width, info.height, THUMBNAIL_MAX);
  const src = bytes.byteLength <= INLINE_LIMIT ? `data:${mimeTypeOf(info.format)};base64,${Buffer.from(bytes).toString('base64')}` : uri.toString();
  return `![preview](${src}|width=${width},height=${height})`;
}

function metadataLines(meta: NanoforgeMetadata): string[] {
  const facts = [
    meta.seed !== undefined ? `seed ${meta.seed}` : undefined,
    meta.steps !== undefined ? `${meta.steps} steps` : undefined,
    typeof meta.modelId === 'string' ? meta.modelId : undefined,
    typeof meta.kind === 'string' ? meta.kind : undefined,
    typeof meta.strength === 'number' ? `strength ${meta.strength}` : undefined,
  ].filter((f): f is string => f !== undefined);
  return [`*Prompt:* ${escapeMarkdown(meta.prompt)}`, ...(facts.length ? [escapeMarkdown(facts.join(' · '))] : [])];
}

/**
 * `regenerate` is undefined for a file Nanoforge could not write back (a .gif, a .bmp); `variations`
 * is the link to image-to-image from this file (reference hovers only).
 */
async function existingHover(ref: ResolvedReference, regenerate: string | undefined, variations?: string): Promise<string[]> {
  const stat = await vscode.workspace.fs.stat(ref.target);
  const bytes = stat.size <= READ_LIMIT ? await vscode.workspace.fs.readFile(ref.target) : undefined;
  const info = bytes && readImageInfo(bytes);
  const meta = bytes && readNanoforgeMetadata(bytes);
  const facts = [info ? `${info.width} × ${info.height} px` : undefined, info?.format.toUpperCase(), formatBytes(stat.size)].filter(Boolean).join(' · ');
  const parts: string[] = [];
  if (bytes && info) parts.push(thumbnail(bytes, info, ref.target));
  parts.push(`${codeSpan(vscode.workspace.asRelativePath(ref.target))} — ${escapeMarkdown(facts)}`);
  // Prompt and settings as one paragraph (a Markdown line break), to keep the hover short.
  if (meta) parts.push(metadataLines(meta).join('  \n'));
  parts.push([
    commandLink('Open', 'vscode.open', [ref.target.toString()], 'Open the image'),
    regenerate,
    variations,
    commandLink('Reveal', 'revealInExplorer', [ref.target.toString()], 'Reveal in the Explorer'),
  ].filter(Boolean).join(' · '));
  return parts;
}

function missingHover(ref: ResolvedReference, plan: string, generate: string): string[] {
  const where = codeSpan(vscode.workspace.asRelativePath(ref.target));
  if (ref.refused) return [`${where} — missing`, `Outside the workspace: ${escapeMarkdown(ref.refused)}`];
  // The generate command refuses such a name, so no Generate link leads to that refusal.
  const unwritable = unwritableReason(ref.target.path);
  if (unwritable) return [`${where} — missing`, `Nanoforge cannot generate it: ${escapeMarkdown(unwritable)}.`];
  return [`${where} — missing · ${generate}`, plan];
}

function referenceArgs(document: vscode.TextDocument, ref: ResolvedReference): ReferenceCommandArgs {
  return { uri: document.uri.toString(), line: ref.line, character: ref.match.start };
}

async function referenceHover(document: vscode.TextDocument, ref: ResolvedReference): Promise<string[]> {
  const args = referenceArgs(document, ref);
  if (ref.exists) {
    const writable = unwritableReason(ref.target.path) === undefined;
    return existingHover(ref, writable ? commandLink('Regenerate', COMMANDS.regenerateReference, args, 'Generate a new version (asks before replacing)') : undefined,
      commandLink('Variations', COMMANDS.generateVariations, args, 'Open the generator with this image as the start image'));
  }
  const lines = Array.from({ length: Math.min(document.lineCount, ref.line + 4) }, (_, i) => document.lineAt(i).text);
  const d = inferDefaults(lines, ref.line, ref.match);
  const size = d.size ? ` ${d.size.width}×${d.size.height}` : '';
  const plan = `Would generate ${d.kind}${size}: *${escapeMarkdown(d.prompt.prompt)}*`;
  return missingHover(ref, plan, commandLink('Generate', COMMANDS.generateForReference, args, 'Generate this image with Nanoforge'));
}

async function directiveHover(document: vscode.TextDocument, d: Directive, services: HoverServices): Promise<string[]> {
  if (d.error) return [`**Nanoforge directive:** ${escapeMarkdown(d.error)}`];
  const ref = await resolveDirectiveTarget(document, d);
  const args: DirectiveCommandArgs | undefined = await directiveCommandArgs(document, d, ref, services);
  const layout = d.layout === undefined ? '' : ` from the layout ${codeSpan(d.layout)}`;
  const spec = `${d.kind ?? 'image'}${d.width ? ` ${d.width}×${d.height}` : ''}${layout}: *${escapeMarkdown(d.prompt)}*`;
  if (!args) return [`**Nanoforge directive** — ${spec}`, ref?.refused ? escapeMarkdown(ref.refused) : ''];
  const link = (title: string) => commandLink(title, COMMANDS.generateFromDirective, args, `${title} from this directive`);
  if (ref?.exists) return [`**Nanoforge directive** — ${spec}`, ...(await existingHover(ref, link('Regenerate')))];
  const target = codeSpan(vscode.workspace.asRelativePath(vscode.Uri.parse(args.target)));
  return [`**Nanoforge directive** — ${spec}`, `${target} — missing · ${link('Generate')}`];
}

export class ImageHoverProvider implements vscode.HoverProvider {
  constructor(private readonly services: HoverServices) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    try {
      const tag = this.services.settings().directiveTag;
      const directive = document.lineAt(position.line).text.includes(tag)
        ? directivesIn(document, tag, position.line).find((d) => position.character >= d.range.start && position.character <= d.range.end)
        : undefined;
      if (directive) return this.hover(await directiveHover(document, directive, this.services), new vscode.Range(position.line, directive.range.start, position.line, directive.range.end), token);
      const ref = await lookupReferenceAt(document, position);
      if (!ref || token.isCancellationRequested) return undefined;
      const range = new vscode.Range(ref.line, ref.match.start, ref.line, ref.match.end);
      return this.hover(await referenceHover(document, ref), range, token);
    } catch (err) {
      // A hover must never throw into the editor; the log says what went wrong.
      this.services.log.warn(`hover on ${document.uri.toString()}:${position.line + 1}: ${errorMessage(err)}`);
      return undefined;
    }
  }

  private hover(parts: string[], range: vscode.Range, token: vscode.CancellationToken): vscode.Hover | undefined {
    if (token.isCancellationRequested) return undefined;
    const md = new vscode.MarkdownString(parts.filter(Boolean).join('\n\n'));
    md.isTrusted = { enabledCommands: ENABLED_COMMANDS };
    return new vscode.Hover(md, range);
  }
}

export function registerHover(services: HoverServices): vscode.Disposable {
  return vscode.languages.registerHoverProvider(REFERENCE_SELECTOR, new ImageHoverProvider(services));
}
