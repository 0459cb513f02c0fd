/**
 * No import cycle in src/: every static `import`/`export ... from` of a
 * relative module (type-only imports included) is an edge; the test fails
 * naming each cycle. Dynamic `import()` is left out: it is how a module
 * loads another lazily, and it runs after both have been evaluated.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(process.cwd(), 'src');
const STATIC_IMPORT = /(?:^|[\n;])\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]/g;

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return listTs(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** Module → the modules it imports statically (paths relative to src/, `.ts`). */
function importGraph(files: ReadonlyMap<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [file, text] of files) {
    const deps = [...text.matchAll(STATIC_IMPORT)].map((m) => join(dirname(file), m[1]!).replace(/\.js$/, '.ts'));
    graph.set(file, deps);
  }
  return graph;
}

/** Strongly connected components of more than one module (or a module importing itself), by Tarjan's algorithm. */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)!.includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('import graph of src/', () => {
  const files = new Map(listTs(SRC).map((f) => [relative(SRC, f), readFileSync(f, 'utf8')] as const));
  const graph = importGraph(files);

  it('reads the imports of every module', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('ingest/read-input.ts')).toContain('ingest/read-options.ts');
    expect(graph.get('index.ts')!.length).toBeGreaterThan(30); // export ... from lines
    for (const [file, deps] of graph) for (const d of deps) expect([file, graph.has(d)]).toEqual([file, true]);
  });

  it('has no cycle', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('finds cycles through type-only, multi-line and re-export imports', () => {
    const fake = new Map([
      ['a.ts', "import type {\n  B,\n} from './b.js';"],
      ['b.ts', "export { c } from './sub/c.js';"],
      ['sub/c.ts', "import { a } from '../a.js';"],
      ['d.ts', "const lazy = () => import('./e.js');"],
      ['e.ts', "import { d } from './d.js';"],
    ]);
    expect(findCycles(importGraph(fake))).toEqual([['a.ts', 'b.ts', 'sub/c.ts']]);
  });
});
