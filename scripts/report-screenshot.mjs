#!/usr/bin/env node
// Writes docs/report.png: the top of the HTML report of a lab capture, as
// headless Chromium shows it (the same browser and flags as
// test/report/report-browser.test.ts). Run `npm run build` first.
// Usage: node scripts/report-screenshot.mjs [CAPTURE] [OUT.png]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const capture = process.argv[2] ?? 'fixtures/lab/rate-spike.pcap';
const out = process.argv[3] ?? join(root, 'docs', 'report.png');
const dir = mkdtempSync(join(tmpdir(), 'fh-shot-'));
const html = join(dir, 'report.html');
const r = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'analyze', capture, '--report', html, '--output', 'jsonl', '--out', join(dir, 'f.jsonl'), '-q'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const page = await browser.newPage({ viewport: { width: 1200, height: 1500 }, deviceScaleFactor: 1 });
await page.goto(`file://${html}`);
await page.screenshot({ path: out, clip: { x: 0, y: 0, width: 1200, height: 1500 } });
await browser.close();
rmSync(dir, { recursive: true, force: true });
console.log(`wrote ${out} (${Math.round(statSync(out).size / 1024)} KiB)`);
