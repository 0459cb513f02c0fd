/**
 * The `--config FILE` loader: a JSON or YAML mapping from setting names (the
 * same kebab-case names as the flags, e.g. `scan-vertical-ports: 20`; the
 * camelCase names are accepted too) to numbers. Unknown keys and bad values
 * are refused with the file, the key and the problem.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { FlowhoundError } from '../errors.js';
import { checkSettingValue, findSettingSpec, type Settings } from './settings.js';

/** Reads and validates a config file; returns the settings it sets. */
export function loadConfigFile(path: string): Partial<Settings> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FlowhoundError('CONFIG_INVALID', `${path}: cannot read the config file: ${(e as Error).message}`, { file: path }, { cause: e });
  }
  return parseConfigText(text, path);
}

/** Parses config text (JSON or YAML); `file` names it in errors. */
export function parseConfigText(text: string, file: string): Partial<Settings> {
  const doc = parseDocument(text, { prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0]?.line;
    throw new FlowhoundError('CONFIG_INVALID', `${file}${line ? `:${line}` : ''}: not valid YAML/JSON: ${first.message.split('\n')[0]}`, line ? { file, line } : { file });
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new FlowhoundError('CONFIG_INVALID', `${file}: expected a mapping of setting names to numbers, got ${Array.isArray(data) ? 'a list' : typeof data}`, { file });
  }
  const out: Partial<Settings> = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const spec = findSettingSpec(key);
    if (!spec) throw new FlowhoundError('CONFIG_INVALID', `${file}: unknown setting "${key}" (see 'flowhound analyze --help' for the settings)`, { file, key });
    const problem = checkSettingValue(spec, value);
    if (problem) throw new FlowhoundError('CONFIG_INVALID', `${file}: setting "${key}": ${problem}`, { file, key });
    out[spec.name] = value as number;
  }
  return out;
}
