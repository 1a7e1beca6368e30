// The project's own import graph, read with the TypeScript parser: which file imports which, and
// whether only for types. test/unit/structure.test.ts uses it to prove that every file under src/
// and webview-ui/ is reachable from an entry point and that src/ has no import cycle;
// `npx tsx scripts/lib/module-graph.ts` prints the same findings.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** What ships: the extension host, the image worker (and its session threads), the CLI and the webview (see esbuild.mjs). */
export const ENTRY_POINTS = [
  'src/extension/extension.ts',
  'src/inference/worker/main.ts',
  'src/inference/backend/session-thread.ts',
  'src/cli/main.ts',
  'webview-ui/main.ts',
  'webview-ui/main.css',
] as const;

/** Files that are read by people, not imported: documentation beside the code. */
const NOT_MODULES = /\.md$/;

export interface ImportEdge {
  /** Repository-relative path of the imported file. */
  to: string;
  /** `import type`, `export type`, or an `import('…')` type query: erased from the bundles. */
  typeOnly: boolean;
}

export type ModuleGraph = Map<string, ImportEdge[]>;

function relative(file: string): string {
  return path.relative(REPO_ROOT, file).split(path.sep).join('/');
}

/** `declare module 'x'` files of ours (types for an untyped package) by the package they describe. */
function ambientModules(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of ['src', 'webview-ui'].flatMap(filesUnder).filter((f) => f.endsWith('.d.ts'))) {
    for (const m of readFileSync(path.join(REPO_ROOT, file), 'utf8').matchAll(/^declare module ['"]([^'"]+)['"]/gm)) {
      if (m[1]) found.set(m[1], path.join(REPO_ROOT, file));
    }
  }
  return found;
}

let ambient: Map<string, string> | undefined;

/**
 * A relative specifier resolved the way esbuild and tsc resolve ours (no path aliases in tsconfig);
 * a package resolves to our own declaration of it when we keep one, else to nothing.
 */
function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return (ambient ??= ambientModules()).get(specifier);
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`${relative(from)}: cannot resolve '${specifier}'`);
}

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // `import './x'` runs the module
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  // `import { type A, type B } from` is erased too; a default or namespace import is not.
  return !clause.name && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0
    && bindings.elements.every((e) => e.isTypeOnly);
}

/** Every local import of one TypeScript file. */
export function importsOf(file: string): ImportEdge[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (specifier: string, typeOnly: boolean): void => {
    const target = resolveLocal(file, specifier);
    if (target) edges.push({ to: relative(target), typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, isTypeOnlyImport(node));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) add(arg.text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** The graph of every file reachable from `entries` (repository-relative paths). */
export function buildModuleGraph(entries: readonly string[] = ENTRY_POINTS): ModuleGraph {
  const graph: ModuleGraph = new Map();
  const pending = entries.map((e) => e);
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (graph.has(file)) continue;
    const edges = file.endsWith('.ts') ? importsOf(path.join(REPO_ROOT, file)) : [];
    graph.set(file, edges);
    for (const edge of edges) if (!graph.has(edge.to)) pending.push(edge.to);
  }
  return graph;
}

/** Every file below `dir` (repository-relative), documentation left out. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string): void => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const child = path.join(abs, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && !NOT_MODULES.test(entry.name)) out.push(relative(child));
    }
  };
  walk(path.join(REPO_ROOT, dir));
  return out.sort();
}

/** Files under `dirs` that no entry point reaches. */
export function unreachableFiles(graph: ModuleGraph, dirs: readonly string[] = ['src', 'webview-ui']): string[] {
  return dirs.flatMap(filesUnder).filter((f) => !graph.has(f));
}

/**
 * Import cycles among the files whose path starts with `prefix`, each as the list of files around
 * it (first file repeated at the end). Type-only edges count: a cycle of types still means two
 * files that cannot be understood, moved or tested one without the other.
 */
export function importCycles(graph: ModuleGraph, prefix = 'src/'): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const { to } of graph.get(file) ?? []) {
      if (!to.startsWith(prefix)) continue;
      const seen = state.get(to);
      if (seen === 'open') cycles.push([...stack.slice(stack.indexOf(to)), to]);
      else if (seen === undefined) visit(to);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...graph.keys()].sort()) if (file.startsWith(prefix) && !state.has(file)) visit(file);
  return cycles;
}

if (require.main === module) {
  const graph = buildModuleGraph();
  const unreachable = unreachableFiles(graph);
  const cycles = importCycles(graph);
  process.stdout.write(`${graph.size} files reachable from ${ENTRY_POINTS.join(', ')}\n`);
  process.stdout.write(`unreachable (${unreachable.length}):\n${unreachable.map((f) => `  ${f}`).join('\n')}\n`);
  process.stdout.write(`import cycles in src/ (${cycles.length}):\n${cycles.map((c) => `  ${c.join(' → ')}`).join('\n')}\n`);
  process.exitCode = unreachable.length + cycles.length > 0 ? 1 : 0;
}
