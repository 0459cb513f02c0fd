/**
 * Tests that read the third-party traffic in ../shared/data (CI has it beside
 * the checkout) use these: they run when the folder is there and are skipped,
 * visibly, only when it is absent.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SHARED_DATA_DIR = resolve(process.cwd(), '..', 'shared', 'data');
export const hasSharedData = existsSync(join(SHARED_DATA_DIR, 'MANIFEST.md'));

export function sharedData(...parts: string[]): string {
  return join(SHARED_DATA_DIR, ...parts);
}

/** `describe` when ../shared/data is present, a visibly skipped block otherwise. */
export const describeWithSharedData: jest.Describe = hasSharedData ? describe : describe.skip;
