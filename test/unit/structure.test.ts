// The shape of the code base: every file under src/ and webview-ui/ is reachable from an entry
// point (the extension host, the image worker, the CLI, the webview), and src/ has no import
// cycle, counting type-only imports. The import graph comes from scripts/lib/module-graph.ts.
import { strict as assert } from 'node:assert';
import { buildModuleGraph, ENTRY_POINTS, filesUnder, importCycles, unreachableFiles } from '../../scripts/lib/module-graph';

describe('code structure', () => {
  const graph = buildModuleGraph();

  it('every file under src/ and webview-ui/ is reachable from an entry point', () => {
    assert.deepEqual(unreachableFiles(graph), [], `not reachable from ${ENTRY_POINTS.join(', ')}`);
    // A graph that reached nothing would pass the check above vacuously.
    assert.ok(graph.size >= filesUnder('src').length, `${graph.size} files in the graph`);
  });

  it('src/ has no import cycle', () => {
    assert.deepEqual(importCycles(graph).map((c) => c.join(' → ')), []);
  });

  it('file names are kebab-case', () => {
    const offenders = [...filesUnder('src'), ...filesUnder('webview-ui')].filter((f) => !/^[a-z0-9.-]+$/.test(f.split('/').pop() ?? ''));
    assert.deepEqual(offenders, []);
  });

  it('the graph sees type-only imports and cycles (the checks above can fail)', () => {
    const edges = graph.get('src/inference/types.ts') ?? [];
    assert.ok(edges.some((e) => e.to === 'src/inference/request.ts' && e.typeOnly), JSON.stringify(edges));
    const cyclic = new Map([['src/a.ts', [{ to: 'src/b.ts', typeOnly: true }]], ['src/b.ts', [{ to: 'src/a.ts', typeOnly: false }]]]);
    assert.deepEqual(importCycles(cyclic), [['src/a.ts', 'src/b.ts', 'src/a.ts']]);
    assert.deepEqual(unreachableFiles(new Map(), ['webview-ui']).length, filesUnder('webview-ui').length);
  });
});
