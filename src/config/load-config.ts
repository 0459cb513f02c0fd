/**
 * The `--config FILE` loader: a JSON or YAML mapping from setting names (the
 * same kebab-case names as the flags, e.g. `scan-vertical-ports: 20`; the
 * camelCase names are accepted too) to numbers, plus the output settings
 * `report` (a path for the HTML report) and `min-severity`, `since`, `until`
 * (finding filters, as the flags take them). Unknown keys and bad values are
 * refused with the file, the key and the problem.
 */
import { FlowhoundError } from '../errors.js';
import { parseYamlText, readBoundedText } from './parse-yaml.js';
import { isSeverity } from '../score/severity.js';
import type { Severity } from '../types.js';
import { checkSettingValue, findSettingSpec, type Settings } from './settings.js';

/** Output settings a config file may hold beside the detector settings (flags override them). */
export interface OutputConfig {
  /** `report`: write the HTML report to this path. */
  report?: string;
  minSeverity?: Severity;
  /** `since` / `until` as written (parsed like the flags). */
  since?: string;
  until?: string;
}

const OUTPUT_KEYS = new Set(['report', 'min-severity', 'since', 'until']);

/** A settings file names a few dozen numbers: 1 MiB is far beyond any real one. */
export const MAX_CONFIG_BYTES = 1 << 20;

/** Reads and validates a config file; returns the settings it sets. */
export function loadConfigFile(path: string): Partial<Settings> {
  return parseConfigText(readBoundedText(path, MAX_CONFIG_BYTES, 'CONFIG_INVALID', 'config file'), path);
}

/** The output settings of a config file (report path, filters). */
export function loadOutputConfig(path: string): OutputConfig {
  return parseOutputConfig(readBoundedText(path, MAX_CONFIG_BYTES, 'CONFIG_INVALID', 'config file'), path);
}

export function parseOutputConfig(text: string, file: string): OutputConfig {
  const data: unknown = parseYamlText(text, file, 'CONFIG_INVALID');
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return {};
  const out: OutputConfig = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (!OUTPUT_KEYS.has(key)) continue;
    if (key === 'min-severity') {
      if (!isSeverity(value)) throw new FlowhoundError('CONFIG_INVALID', `${file}: setting "${key}": expected info, low, medium, high or critical, got ${JSON.stringify(value)}`, { file, key });
      out.minSeverity = value;
      continue;
    }
    if (typeof value !== 'string' && !(key !== 'report' && typeof value === 'number')) {
      throw new FlowhoundError('CONFIG_INVALID', `${file}: setting "${key}": expected ${key === 'report' ? 'a file path' : 'a time'}, got ${JSON.stringify(value)}`, { file, key });
    }
    if (key === 'report') out.report = value as string;
    else if (key === 'since') out.since = String(value);
    else out.until = String(value);
  }
  return out;
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
    if (OUTPUT_KEYS.has(key)) continue;
    const spec = findSettingSpec(key);
    if (!spec) throw new FlowhoundError('CONFIG_INVALID', `${file}: unknown setting "${key}" (see 'flowhound analyze --help' for the settings)`, { file, key });
    const problem = checkSettingValue(spec, value);
    if (problem) throw new FlowhoundError('CONFIG_INVALID', `${file}: setting "${key}": ${problem}`, { file, key });
    out[spec.name] = value as number;
  }
  return out;
}
