/**
 * Tests that read the third-party traffic in ../shared/data (CI has it beside
 * the checkout) use these: they run when the folder is there and are skipped,
 * visibly, only when it is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SHARED_DATA_DIR = resolve(process.cwd(), '..', 'shared', 'data');
export const hasSharedData = existsSync(join(SHARED_DATA_DIR, 'MANIFEST.md'));

export function sharedData(...parts: string[]): string {
  return join(SHARED_DATA_DIR, ...parts);
}

/**
 * `describe` when ../shared/data is present. When it is absent the block's body
 * is not even run (it may stat the files), and one skipped test says why.
 */
export function describeWithSharedData(name: string, body: () => void): void {
  if (hasSharedData) {
    describe(name, body);
    return;
  }
  describe.skip(name, () => {
    it(`needs ${SHARED_DATA_DIR}`, () => undefined);
  });
}

/** Every Zeek test trace of ../shared/data/zeek-conformance that has a trace.pcap: its folder name and bytes. */
export function zeekTestTraces(): { dir: string; bytes: Uint8Array }[] {
  const root = sharedData('zeek-conformance');
  const traces: { dir: string; bytes: Uint8Array }[] = [];
  for (const dir of readdirSync(root).sort()) {
    const file = join(root, dir, 'trace.pcap');
    if (existsSync(file)) traces.push({ dir, bytes: new Uint8Array(readFileSync(file)) });
  }
  return traces;
}
