/**
 * The journal of emitted findings beside `watch --state FILE`
 * (`FILE.emitted`): one JSON line `{"id","end","count"}` per finding,
 * appended with one write(2) as soon as the sinks have taken a batch of
 * findings, before anything else happens; before the sinks write, the same
 * lines with `"pending":true` are appended (write-ahead), so a run killed
 * between the write and that append leaves a pending line that nothing
 * follows: the next run prints that finding again marked `redelivered`
 * (it may or may not have reached stdout); a write that failed (EPIPE)
 * appends them with `"unwritten":true`, voiding the pending lines. It covers the findings emitted
 * since the last checkpoint: a run killed before its next checkpoint
 * replays from that checkpoint and recognises them here. A checkpoint
 * holds every entry, so the journal is emptied after each one.
 *
 * A kill in the middle of an append leaves a torn last line: it is
 * ignored (a torn pending line: that finding was not written yet; a torn
 * written line: its pending line stands). Any
 * other line that is not an entry is a STATE_INVALID error naming the
 * file and line.
 *
 * The append is not fsynced: it survives the process being killed (the
 * bytes are in the kernel), not the machine losing power.
 */
import { appendFileSync, readFileSync, truncateSync } from 'node:fs';
import { FlowhoundError } from '../errors.js';
import { type EmittedEntry, plainEmittedEntry, readEmittedEntry } from './emitted-findings.js';

export interface EmittedJournal {
  readonly path: string;
  append(entries: readonly EmittedEntry[]): void;
  /** The entries, oldest first (a torn last line left out). */
  read(): EmittedEntry[];
  /** Empties the journal (after a checkpoint that holds every entry). */
  clear(): void;
}

export function emittedJournalPath(statePath: string): string {
  return `${statePath}.emitted`;
}

export function openEmittedJournal(path: string): EmittedJournal {
  return {
    path,
    append(entries) {
      if (entries.length === 0) return;
      let text = '';
      for (const e of entries) text += `${JSON.stringify(plainEmittedEntry(e))}\n`;
      try {
        appendFileSync(path, text);
      } catch (e) {
        throw new FlowhoundError('STATE_INVALID', `${path}: cannot append to the emitted-findings journal: ${(e as Error).message}`, { file: path }, { cause: e });
      }
    },
    read() {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw new FlowhoundError('STATE_INVALID', `${path}: cannot read the emitted-findings journal: ${(e as Error).message}`, { file: path }, { cause: e });
      }
      const lines = text.split('\n');
      // The part after the last newline: empty, or a line torn by a kill mid-append.
      lines.pop();
      return lines.map((line, i) => parseEntry(line, path, i + 1));
    },
    clear() {
      try {
        truncateSync(path, 0);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new FlowhoundError('STATE_INVALID', `${path}: cannot empty the emitted-findings journal: ${(e as Error).message}`, { file: path }, { cause: e });
      }
    },
  };
}

function parseEntry(line: string, path: string, lineNo: number): EmittedEntry {
  let entry: EmittedEntry | null = null;
  try {
    entry = readEmittedEntry(JSON.parse(line));
  } catch {
    // reported below
  }
  if (entry === null) {
    throw new FlowhoundError('STATE_INVALID', `${path}:${lineNo}: not an emitted-findings journal entry; delete the state file and this journal to start from the beginning`, { file: path, line: lineNo });
  }
  return entry;
}
