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
