/** The README documents every detector setting with its default, and the exit code of --fail-on. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_FINDINGS } from '../../src/cli/analyze.js';
import { SETTING_SPECS } from '../../src/config/settings.js';
import { OUTPUT_FORMATS } from '../../src/sink/sink.js';

const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');

describe('README detectors section', () => {
  it.each(SETTING_SPECS.map((s) => [s.flag, s] as const))('documents --%s with its default and source', (_flag, s) => {
    const row = readme.split('\n').find((l) => l.startsWith(`| \`--${s.flag}\` |`));
    expect(row).toBeDefined();
    expect(row).toContain(`| ${s.default} |`);
    expect(row).toContain(s.source.split(' ')[0]!);
  });

  it('documents the output formats and the --fail-on exit code', () => {
    for (const f of OUTPUT_FORMATS) expect(readme).toContain(`\`${f}\``);
    expect(readme).toMatch(new RegExp(`\\| ${EXIT_FINDINGS} \\| ran, and a finding at or above`));
  });
});
