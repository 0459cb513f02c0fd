import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_SETTINGS, resolveSettings, SETTING_SPECS } from '../../src/config/settings.js';

describe('resolveSettings', () => {
  it('holds every setting in spec order, defaults overlaid by the layers in turn', () => {
    const s = resolveSettings({ scanVerticalPorts: 7, idBucketSec: 60 }, { idBucketSec: 120 });
    expect(Object.keys(s)).toEqual(SETTING_SPECS.map((spec) => spec.name));
    expect(s.scanVerticalPorts).toBe(7);
    expect(s.idBucketSec).toBe(120);
    expect(s.scanWindowSec).toBe(DEFAULT_SETTINGS.scanWindowSec);
  });

  it('returns a new object each time and leaves the defaults frozen and unchanged', () => {
    const a = resolveSettings({ scanVerticalPorts: 7 });
    const b = resolveSettings();
    expect(a).not.toBe(b);
    expect(b).toEqual(DEFAULT_SETTINGS);
    expect(Object.isFrozen(DEFAULT_SETTINGS)).toBe(true);
    expect(DEFAULT_SETTINGS.scanVerticalPorts).toBe(SETTING_SPECS.find((spec) => spec.name === 'scanVerticalPorts')?.default);
  });
});

describe('settings objects as the detectors read them', () => {
  // Detectors read settings on per-record paths; an object in dictionary mode
  // makes each read a hash lookup (96c82cd). V8 tells with %HasFastProperties,
  // asked in a child process of the built module (the flag is V8's own).
  it('have fast properties, the defaults and a resolved object alike', () => {
    const module = pathToFileURL(resolve('dist/config/settings.js')).href;
    const child = `
      const { DEFAULT_SETTINGS, resolveSettings } = await import(${JSON.stringify(module)});
      console.log(JSON.stringify([%HasFastProperties(DEFAULT_SETTINGS), %HasFastProperties(resolveSettings({ scanVerticalPorts: 7 }))]));
    `;
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', child], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([true, true]);
  });
});
