/** features → train (from the Arrow file) → model inspect, through the yargs command modules. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { featuresCommand } from '../../src/cli/features.js';
import { modelCommand } from '../../src/cli/model.js';
import { trainCommand } from '../../src/cli/train.js';
import { FEATURES } from '../../src/window/feature-schema.js';

const tmp = mkdtempSync(join(tmpdir(), 'flowhound-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const realOut = process.stdout.write;
  const realErr = process.stderr.write;
  process.stdout.write = ((c: string | Uint8Array) => {
    stdout += String(c);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => {
    stderr += String(c);
    return true;
  }) as typeof process.stderr.write;
  try {
    await yargs(argv).command(featuresCommand).command(trainCommand).command(modelCommand).strict().fail((msg, e) => {
      throw e ?? new Error(msg);
    }).parseAsync();
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
  }
  return { stdout, stderr };
}

describe('features, train and model inspect commands', () => {
  it('writes an Arrow file, trains from it, and inspects the model', async () => {
    const arrow = join(tmp, 'w.arrow');
    const f = await run(['features', 'fixtures/lab/benign-1.pcap', 'fixtures/lab/benign-2.pcap', '-o', arrow]);
    expect(f.stderr).toMatch(/flowhound features: \d+ windows \(10 s, \d+ ports\)/);
    expect(statSync(arrow).size).toBeGreaterThan(0);

    const dir = join(tmp, 'model');
    const t = await run(['train', arrow, '--out', dir, '--kind', 'dense', '--epochs', '3', '--backend', 'cpu', '--seed', '4']);
    expect(t.stderr).toContain(`wrote ${dir} (dense) on backend cpu`);
    expect(t.stderr).toMatch(/dense: final loss [\d.]+, per-port thresholds for \d+ ports; overall threshold [\d.e+-]+/);

    const i = await run(['model', 'inspect', dir]);
    expect(i.stdout).toContain('kinds          dense');
    expect(i.stdout).toContain('feature schema version 2');
    expect(i.stdout).toContain(`trained on     ${arrow}`);
    expect(i.stdout).toContain('seed 4');
    expect(i.stdout).toMatch(/tcp\/80\s+\d+/);
    for (const feature of FEATURES) expect(i.stdout).toContain(feature.name);
  });
});
