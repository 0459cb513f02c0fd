/**
 * The user docs document every detector setting with its default and source,
 * every output format, and the exit code of --fail-on. A setting added to
 * SETTING_SPECS without a row in docs/ (or with another default) fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_FINDINGS } from '../../src/cli/analyze.js';
import { SETTING_SPECS } from '../../src/config/settings.js';
import { OUTPUT_FORMATS } from '../../src/sink/sink.js';

const docsDir = join(process.cwd(), 'docs');
const docs = readdirSync(docsDir)
  .filter((f) => f.endsWith('.md'))
  .map((f) => readFileSync(join(docsDir, f), 'utf8'))
  .join('\n');
const docLines = docs.split('\n');
const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');

/** The cells of the first table row in docs/ that documents `--flag`. */
function settingRow(flag: string): string[] | undefined {
  const line = docLines.find((l) => l.startsWith(`| \`--${flag}\` |`));
  return line?.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, '').trim());
}

describe('docs/ settings table', () => {
  it.each(SETTING_SPECS.map((s) => [s.flag, s] as const))('documents --%s with its default and source', (flag, s) => {
    const cells = settingRow(flag);
    expect(cells).toBeDefined();
    expect(cells![1]).toBe(String(s.default));
    expect(cells![3]).toBe(s.source);
  });

  it('finds a missing setting or a wrong default', () => {
    expect(settingRow('no-such-setting')).toBeUndefined();
    const s = SETTING_SPECS[0]!;
    expect(settingRow(s.flag)![1]).not.toBe(String(s.default + 1));
  });

  it('documents the output formats and the --fail-on exit code', () => {
    for (const f of OUTPUT_FORMATS) expect(docs).toContain(`\`${f}\``);
    expect(readme).toMatch(new RegExp(`\\| ${EXIT_FINDINGS} \\| ran, and a finding at or above`));
  });
});
