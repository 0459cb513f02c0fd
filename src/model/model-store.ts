/**
 * Atomic model folders. A model is written into a sibling temporary folder
 * (`.NAME.tmp-PID-N`) and renamed into place; an existing folder is first
 * renamed away (`.NAME.old-PID-N`), the new one renamed in, and the old one
 * deleted. A reader therefore sees the old model or the new one, never half
 * of either (between the two renames the folder is briefly absent: readers
 * retry on MODEL_NOT_FOUND).
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

let counter = 0;

export async function writeModelFolderAtomically(dir: string, write: (tmpDir: string) => Promise<void>): Promise<void> {
  const target = resolve(dir);
  const parent = dirname(target);
  const name = basename(target);
  mkdirSync(parent, { recursive: true });
  counter++;
  const tmp = join(parent, `.${name}.tmp-${process.pid}-${counter}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    await write(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  if (existsSync(target)) {
    const old = join(parent, `.${name}.old-${process.pid}-${counter}`);
    renameSync(target, old);
    renameSync(tmp, target);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(tmp, target);
  }
}
