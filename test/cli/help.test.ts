/**
 * Help fits a screen and shows examples; tuning flags only with --help-all;
 * no help text cites documents users do not have. Real child processes of
 * the built CLI (dist/, made by `npm run build` before the tests).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { SETTING_SPECS } from '../../src/config/settings.js';

const MAIN = resolve('dist/cli/main.js');
/** A screen: 100 columns, 50 lines. */
const COLUMNS = 100;
const SCREEN_LINES = 50;

function help(args: string[]): string {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, COLUMNS: String(COLUMNS) } });
  expect(r.status).toBe(0);
  return r.stdout;
}

const COMMANDS = ['', 'analyze', 'flows', 'features', 'train', 'model', 'model inspect', 'watch', 'conformance', 'ship', 'findings'];

describe('help', () => {
  it.each(COMMANDS)('flowhound %s --help fits a screen, shows examples and cites no internal documents', (command) => {
    const text = help([...command.split(' ').filter(Boolean), '--help']);
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(SCREEN_LINES);
    expect(text).toContain('Examples:');
    expect(text).not.toMatch(/DESIGN\.md|brief/i);
  });

  it('analyze and watch list every detector setting under Detector tuning only with --help-all', () => {
    for (const command of ['analyze', 'watch']) {
      const short = help([command, '--help']);
      const all = help([command, '--help-all']);
      expect(all).toContain('Detector tuning');
      expect(short).not.toContain('Detector tuning');
      expect(short).toContain(`${command} --help-all`);
      for (const s of SETTING_SPECS) {
        expect(all).toContain(`--${s.flag} `);
        expect(short).not.toContain(`--${s.flag} `);
      }
      expect(all).not.toMatch(/DESIGN\.md|brief/i);
    }
  });
});
