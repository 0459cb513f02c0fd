/**
 * Checkpoints in a JetStream KV bucket: a value larger than one message
 * (512 KiB parts) is written in parts under a new generation, then a small
 * manifest naming them (the manifest is the commit), then the previous
 * generation's parts are purged. A crash at any point leaves the old
 * checkpoint or the new one whole.
 */
import type { KV } from '@nats-io/kv';
import { FlowhoundError } from '../errors.js';
import type { CheckpointStore } from './record-log.js';

/** A checkpoint part at most (below NATS' default 1 MiB payload). */
const CHECKPOINT_PART_BYTES = 512 * 1024;

export function createKvCheckpoints(kv: KV): CheckpointStore {
  const dec = new TextDecoder();
  const manifestOf = async (key: string): Promise<{ parts: string[] } | null> => {
    const e = await kv.get(key);
    if (e === null || e.operation !== 'PUT' || e.value.length === 0) return null;
    return JSON.parse(dec.decode(e.value)) as { parts: string[] };
  };
  return {
    async load(key) {
      const manifest = await manifestOf(key);
      if (manifest === null) return null;
      const parts: Uint8Array[] = [];
      for (const k of manifest.parts) {
        const p = await kv.get(k);
        if (p === null || p.operation !== 'PUT') throw new FlowhoundError('STATE_INVALID', `checkpoint ${key}: part ${k} is missing`, { key });
        parts.push(p.value);
      }
      return Buffer.concat(parts);
    },
    async save(key, value) {
      const previous = await manifestOf(key);
      // New parts under a new generation, then the manifest (the commit), then the old parts go.
      const gen = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
      const parts: string[] = [];
      for (let i = 0, n = 0; i < value.length || n === 0; i += CHECKPOINT_PART_BYTES, n++) {
        const k = `${key}.${gen}.${n}`;
        parts.push(k);
        await kv.put(k, value.subarray(i, i + CHECKPOINT_PART_BYTES));
      }
      await kv.put(key, new TextEncoder().encode(JSON.stringify({ parts })));
      for (const k of previous?.parts ?? []) await kv.purge(k).catch(() => undefined);
    },
  };
}
