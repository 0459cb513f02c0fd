import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordBatch, Schema, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { isFlowhoundError } from '../../src/errors.js';
import { buildFeatureTable, createArrowFeatureSink } from '../../src/sink/arrow.js';
import { FEATURE_SCHEMA_VERSION, FEATURES } from '../../src/window/feature-schema.js';
import { isArrowFile, readFeatureArrow } from '../../src/window/read-feature-arrow.js';
import { readFeatureWindows } from '../../src/window/read-feature-windows.js';
import { collectFeatureWindows } from '../../src/window/windower.js';
import { iterate, makeBenignTraffic } from '../model/records.js';

const tmp = mkdtempSync(join(tmpdir(), 'flowhound-arrow-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectArrowError(fn: () => unknown, mentions: string): void {
  try {
    fn();
  } catch (e) {
    expect(isFlowhoundError(e)).toBe(true);
    expect((e as { code: string }).code).toBe('ARROW_BAD_SCHEMA');
    expect((e as Error).message).toContain(mentions);
    return;
  }
  throw new Error('expected ARROW_BAD_SCHEMA');
}

describe('Arrow feature files', () => {
  it('round-trips windows, and the schema matches the documented feature list', async () => {
    const { windows } = await collectFeatureWindows(iterate(makeBenignTraffic(1_700_000_000, 120, 3)), { windowSec: 10 });
    const path = join(tmp, 'w.arrow');
    const sink = createArrowFeatureSink(path, 10);
    sink.write(windows.slice(0, 5));
    sink.write(windows.slice(5));
    expect(await sink.close()).toBe(windows.length);
    expect(isArrowFile(path)).toBe(true);

    // Read with apache-arrow directly: the schema is the documented one.
    const table = tableFromIPC(readFileSync(path));
    expect(table.numRows).toBe(windows.length);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['window_start_sec', 'proto', 'port', ...FEATURES.map((f) => f.name)]);
    expect(table.schema.fields.map((f) => String(f.type))).toEqual(['Float64', 'Utf8', 'Int32', ...FEATURES.map(() => 'Float64')]);
    expect(table.schema.metadata.get('flowhound.feature_schema_version')).toBe(String(FEATURE_SCHEMA_VERSION));
    expect(table.schema.metadata.get('flowhound.window_sec')).toBe('10');
    const modelsDoc = readFileSync(join(process.cwd(), 'docs', 'models.md'), 'utf8');
    for (const f of FEATURES) {
      expect(table.schema.fields.find((x) => x.name === f.name)!.metadata.get('unit')).toBe(f.unit);
      expect(modelsDoc).toContain(`| \`${f.name}\` |`); // documented in docs/models.md's feature table
    }

    // train's input path: Arrow files are recognized by their magic and read as they are.
    const viaInputs = await readFeatureWindows([path], { read: { maxInvalid: 25, onWarning: () => {} } });
    expect(viaInputs.arrowInputs).toEqual([path]);
    expect(viaInputs.windowSec).toBe(10);
    expect(viaInputs.windows.length).toBe(windows.length);
    await expect(readFeatureWindows([path], { window: { windowSec: 60 }, read: { maxInvalid: 25, onWarning: () => {} } })).rejects.toThrow('windows of 10 s, but this run uses 60 s windows');

    const back = readFeatureArrow(path);
    expect(back.windowSec).toBe(10);
    expect(back.windows.map((w) => [w.startSec, w.proto, w.port, ...w.values])).toEqual(windows.map((w) => [w.startSec, w.proto, w.port, ...w.values]));
  });

  it('refuses files that are not flowhound feature files', async () => {
    const junk = join(tmp, 'junk.arrow');
    writeFileSync(junk, 'ARROW1 but then nothing useful');
    expectArrowError(() => readFeatureArrow(junk), 'not a readable Arrow IPC file');
    const { windows } = await collectFeatureWindows(iterate(makeBenignTraffic(1_700_000_000, 30, 4)), { windowSec: 10 });
    // The same columns under another schema version: refused.
    const table = buildFeatureTable(windows, 10);
    const schema = new Schema(table.schema.fields, new Map([...table.schema.metadata, ['flowhound.feature_schema_version', '7']]));
    const otherPath = join(tmp, 'other.arrow');
    writeFileSync(otherPath, tableToIPC(new Table([new RecordBatch(schema, table.batches[0]!.data)]), 'file'));
    expectArrowError(() => readFeatureArrow(otherPath), 'feature schema version 7');
    expect(isArrowFile(join(tmp, 'missing.arrow'))).toBe(false);
  });
});
