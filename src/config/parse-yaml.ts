/**
 * The one YAML/JSON parse of flowhound's own files (`--config`, `--rules`),
 * bounded against hostile input:
 *
 * 1. The file is read only up to `maxBytes` (a larger file is refused before
 *    it is parsed: the parse tree costs about 100 times the text).
 * 2. Syntax errors name the file and line.
 * 3. Aliases are expanded at most `MAX_ALIAS_COUNT` times per document (the
 *    `yaml` package's own bound, which throws a bare ReferenceError); an
 *    alias bomb ("billion laughs") is refused as an error naming the file.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { FlowhoundError, type FlowhoundErrorCode } from '../errors.js';

/** Alias expansions allowed per document: a real settings or rules file has a handful. */
export const MAX_ALIAS_COUNT = 100;

/** Reads a settings/rules file of at most `maxBytes`; `what` names it in errors ("config file"). */
export function readBoundedText(path: string, maxBytes: number, code: FlowhoundErrorCode, what: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new FlowhoundError(code, `${path}: cannot read the ${what}: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FlowhoundError(code, `${path}: the ${what} is not a regular file`, { file: path });
    if (st.size > maxBytes) {
      throw new FlowhoundError(code, `${path}: the ${what} is ${st.size} bytes, more than the ${maxBytes} allowed`, { file: path, sizeBytes: st.size, maxBytes });
    }
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, null);
      if (n === 0) break;
      got += n;
    }
    return buf.toString('utf8', 0, got);
  } finally {
    closeSync(fd);
  }
}

/** Parses YAML or JSON text into plain data; every failure is a FlowhoundError `code` naming `file`. */
export function parseYamlText(text: string, file: string, code: FlowhoundErrorCode, options: { uniqueKeys?: boolean } = {}): unknown {
  const doc = loadYaml().parseDocument(text, { prettyErrors: false, uniqueKeys: options.uniqueKeys ?? true });
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0]?.line;
    throw new FlowhoundError(code, `${file}${line ? `:${line}` : ''}: not valid YAML/JSON: ${first.message.split('\n')[0]}`, line ? { file, line } : { file });
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    if (/alias/i.test(msg)) {
      throw new FlowhoundError(code, `${file}: YAML aliases expand too far (more than ${MAX_ALIAS_COUNT} alias expansions: an alias bomb?); refused`, { file }, { cause: e });
    }
    throw new FlowhoundError(code, `${file}: cannot read the YAML: ${msg.split('\n')[0]}`, { file }, { cause: e });
  }
}

let yamlModule: typeof import('yaml') | null = null;

/** The `yaml` package, loaded on the first parse (its load costs more than Node's start-up; most runs read no settings file). */
function loadYaml(): typeof import('yaml') {
  yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yamlModule;
}
