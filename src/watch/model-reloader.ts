/**
 * Notices a new model in a model folder (DESIGN.md: the model store writes a
 * sibling folder and renames it into place, so `watch` never loads half a
 * model). `check()` compares the identity of `DIR/flowhound.json` (device,
 * inode, size, mtime) with the one last loaded and loads the folder when it
 * changed. While the folder is briefly absent between the store's two
 * renames, or a load fails, the caller keeps its old model: a failed
 * identity is not retried until it changes again, a missing folder is.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { isFlowhoundError } from '../errors.js';
import type { FlowhoundModel } from '../model/flowhound-model.js';
import { META_FILE } from '../model/model-meta.js';

export interface ModelReloader {
  /** Resolves with a newly loaded model, or null when nothing changed (or the folder is mid-swap). Rejects when a changed model fails to load. */
  check(): Promise<FlowhoundModel | null>;
}

export function readModelIdentity(dir: string): string | null {
  try {
    const st = statSync(join(dir, META_FILE));
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return null;
  }
}

export function createModelReloader(dir: string, load: (dir: string) => Promise<FlowhoundModel>, loadedIdentity: string | null = readModelIdentity(dir)): ModelReloader {
  let current = loadedIdentity;
  let failed: string | null = null;
  let busy = false;
  return {
    async check() {
      if (busy) return null;
      const id = readModelIdentity(dir);
      if (id === null || id === current || id === failed) return null;
      busy = true;
      try {
        const model = await load(dir);
        current = id;
        failed = null;
        return model;
      } catch (e) {
        // Mid-swap (folder absent between the renames): try again next time.
        if (isFlowhoundError(e) && e.code === 'MODEL_NOT_FOUND') return null;
        failed = id;
        throw e;
      } finally {
        busy = false;
      }
    },
  };
}
