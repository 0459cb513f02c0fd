/**
 * Detector settings from flags: defaults, then `--config`, then flags,
 * each flag value checked against its SETTING_SPECS entry.
 */
import { loadConfigFile } from '../config/load-config.js';
import { checkSettingValue, resolveSettings, SETTING_SPECS, type Settings } from '../config/settings.js';
import { UsageError } from './usage-error.js';

/** Settings from defaults, then the config file, then flags. */
export function settingsFromArgs(args: Record<string, unknown>, configFile: string | undefined): Settings {
  const fromConfig = configFile ? loadConfigFile(configFile) : {};
  const fromFlags: Partial<Settings> = {};
  for (const s of SETTING_SPECS) {
    const v = args[s.flag];
    if (v === undefined) continue;
    const problem = checkSettingValue(s, v);
    if (problem) throw new UsageError(`--${s.flag}: ${problem}`);
    fromFlags[s.name] = v as number;
  }
  return resolveSettings(fromConfig, fromFlags);
}
