/**
 * The `--config FILE` loader: a JSON or YAML mapping from setting names (the
 * same kebab-case names as the flags, e.g. `scan-vertical-ports: 20`; the
 * camelCase names are accepted too) to numbers. Unknown keys and bad values
 * are refused with the file, the key and the problem.
 */
import { FlowhoundError } from '../errors.js';
import { parseYamlText, readBoundedText } from './parse-yaml.js';
import { checkSettingValue, findSettingSpec, type Settings } from './settings.js';

/** A settings file names a few dozen numbers: 1 MiB is far beyond any real one. */
export const MAX_CONFIG_BYTES = 1 << 20;

/** Reads and validates a config file; returns the settings it sets. */
export function loadConfigFile(path: string): Partial<Settings> {
  return parseConfigText(readBoundedText(path, MAX_CONFIG_BYTES, 'CONFIG_INVALID', 'config file'), path);
}

/** Parses config text (JSON or YAML); `file` names it in errors. */
export function parseConfigText(text: string, file: string): Partial<Settings> {
  const data: unknown = parseYamlText(text, file, 'CONFIG_INVALID');
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
