/**
 * The HTML report in a real browser: Debian's headless Chromium driven by
 * playwright-core. Reports made from the lab captures are loaded from a
 * fake origin (every request is intercepted and recorded); the tests check
 * the console, each section's series and rows from the DOM, sorting and
 * filtering the incidents table by clicking, and that nothing is fetched.
 * A capture whose DNS names and HTTP Host headers carry HTML and script
 * (scripts/make-report-xss-capture.mjs) must show them as text with no
 * injected script running — checked with the page's CSP and with CSP
 * bypassed (so escaping alone is what is tested).
 *
 * Skipped, with a message, only when /usr/bin/chromium is absent (.ci/run installs it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Finding } from '../../src/types.js';
import { makeReport } from '../helpers/make-report.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`SKIPPED report browser tests: ${CHROMIUM} not found (install Debian's chromium; .ci/run does)`);
const describeBrowser = haveChromium ? describe : describe.skip;

const LAB = join(process.cwd(), 'fixtures', 'lab');
const ORIGIN = 'http://report.flowhound.test';

async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

interface Opened {
  page: Page;
  errors: string[];
  requests: string[];
}

/** Opens `html` as ORIGIN/report.html; every other request is recorded and aborted. */
async function open(browser: Browser, html: string, bypassCSP = false): Promise<Opened> {
  const context = await browser.newContext({ bypassCSP, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url === `${ORIGIN}/report.html`) return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
    requests.push(url);
    return route.abort();
  });
  await page.goto(`${ORIGIN}/report.html`);
  return { page, errors, requests };
}

function groupKeys(findings: Finding[]): Set<string> {
  return new Set(findings.map((f) => f.src ?? `→ ${f.dst ?? '*'}`));
}

describeBrowser('HTML report in headless Chromium', () => {
  let browser: Browser;
  let lab: { html: string; findings: Finding[] };

  beforeAll(async () => {
    browser = await launch();
    lab = await makeReport(['rate-spike.pcap', 'scan-vertical.pcap', 'scan-horizontal.pcap', 'dns-tunnel-iodine.pcap', 'icmp-tunnel-ptunnel.pcap'].map((f) => join(LAB, f)));
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('lab report: no console errors, nothing fetched, every section with its series and rows', async () => {
    const { page, errors, requests } = await open(browser, lab.html);
    for (const id of ['summary', 'timeline', 'incidents', 'scans', 'dns', 'exposure', 'model']) {
      expect(await page.locator(`section#${id} > h2`).count()).toBe(1);
    }
    // Summary: findings by kind match what the detectors found.
    const kinds = new Map<string, number>();
    for (const f of lab.findings) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
    const summaryKinds = await page.$$eval('#summary-kinds tbody tr', (rows) => rows.map((r) => [r.cells[0]!.textContent, Number(r.cells[1]!.textContent)]));
    expect(new Map(summaryKinds as [string, number][])).toEqual(kinds);
    // Timeline: one lane mark per kind at least; the flood's pps chart with the threshold and the spike band.
    const laneKinds = await page.$$eval('svg.lanes rect.mark', (rs) => [...new Set(rs.map((r) => r.getAttribute('data-kind')))].sort());
    expect(laneKinds).toEqual([...kinds.keys()].sort());
    const flood = page.locator('.rate-chart[data-target="10.77.0.20:8080/tcp"]');
    expect(await flood.count()).toBe(1);
    expect(Number(await flood.getAttribute('data-spikes'))).toBeGreaterThanOrEqual(1);
    expect(await flood.locator('path.series').count()).toBe(1);
    expect(await flood.locator('rect.spike').count()).toBeGreaterThanOrEqual(1);
    expect(await flood.locator('.threshold text').textContent()).toBe('20 pps threshold');
    // The control stream (10 pps) never crosses the dashed line: its chart, if drawn, has no spike band.
    const control = page.locator('.rate-chart[data-target="10.77.0.30:5140/udp"]');
    if ((await control.count()) > 0) expect(await control.getAttribute('data-spikes')).toBe('0');
    // Incidents: one row per source.
    const sources = await page.$$eval('#incidents-table tr.incident', (rs) => rs.map((r) => r.getAttribute('data-source')));
    expect(new Set(sources)).toEqual(groupKeys(lab.findings));
    // Scans: the vertical scan's ports over time, the horizontal scan's hosts.
    const vscan = page.locator('.scan-chart[data-kind="scan.vertical"][data-src="10.77.0.66"]').first();
    expect(Number(await vscan.getAttribute('data-points'))).toBeGreaterThan(100);
    expect(await vscan.locator('circle.pt').count()).toBe(Number(await vscan.getAttribute('data-points')));
    expect(await page.locator('.scan-chart[data-kind="scan.horizontal"] circle.pt').count()).toBeGreaterThanOrEqual(25);
    // DNS: iodine's domain marked as a tunnel, with its record types.
    const iodine = page.locator('#dns-table tr.domain[data-domain="lab.example"]');
    expect(await iodine.getAttribute('data-tunnel')).toBe('yes');
    expect(await iodine.textContent()).toContain('NULL');
    // Exposure: the SSH server the ptunnel proxy talks to.
    expect(await page.locator('#exposure-table tr.exposed[data-host="10.77.0.30"][data-port="22"]').count()).toBe(1);
    // Model: this report ran without one and says why.
    expect(await page.locator('#model-none').textContent()).toBe('no model used: none (--no-model)');
    // Printed: no filters or buttons, the charts stay.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.filters').isVisible()).toBe(false);
    expect(await page.locator('nav').isVisible()).toBe(false);
    expect(await flood.locator('svg').isVisible()).toBe(true);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });

  test('with a self-baseline, each judged port\'s score over time against its threshold', async () => {
    const { html, modelNote } = await makeReport([join(LAB, 'beacon.pcap')], { kind: 'self' });
    const { page, errors, requests } = await open(browser, html);
    expect(modelNote).toMatch(/^self-baseline learned from the input/);
    expect(await page.locator('#model-used').textContent()).toContain('self-baseline learned from the input');
    const charts = page.locator('#model .model-chart');
    expect(await charts.count()).toBeGreaterThanOrEqual(1);
    const windows = await charts.evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('data-windows'))));
    expect(windows.every((n) => n > 0)).toBe(true);
    expect(await charts.first().locator('path.series').count()).toBe(1);
    expect(await charts.first().locator('.threshold text').textContent()).toBe('threshold');
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });

  test('incidents table sorts and filters by clicking', async () => {
    const { page, errors } = await open(browser, lab.html);
    const visible = () => page.$$eval('#incidents-table tr.incident', (rs) => rs.filter((r) => !r.hidden).map((r) => ({ src: r.getAttribute('data-source')!, count: Number(r.getAttribute('data-count')), sev: Number(r.getAttribute('data-sev')), kinds: r.getAttribute('data-kinds')!, hosts: r.getAttribute('data-hosts')! })));
    const all = await visible();
    expect(all.length).toBeGreaterThanOrEqual(3);

    await page.click('#incidents-table th[data-sort="count"]');
    const asc = (await visible()).map((r) => r.count);
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    await page.click('#incidents-table th[data-sort="count"]');
    const desc = (await visible()).map((r) => r.count);
    expect(desc).toEqual([...asc].sort((a, b) => b - a));
    expect(await page.getAttribute('#incidents-table th[data-sort="count"]', 'aria-sort')).toBe('descending');
    await page.click('#incidents-table th[data-sort="source"]');
    const bySource = (await visible()).map((r) => r.src);
    expect(bySource).toEqual([...bySource].sort((a, b) => a.localeCompare(b)));

    // Expanding a row shows its findings.
    const first = page.locator('#incidents-table tr.incident').first();
    const n = Number(await first.getAttribute('data-count'));
    await first.locator('button.expand').click();
    const detail = page.locator('#incidents-table tr.incident + tr.detail').first();
    expect(await detail.isVisible()).toBe(true);
    expect(await detail.locator('tr.finding').count()).toBe(n);

    // Kind filter.
    await page.selectOption('#f-kind', 'tunnel.dns');
    const dnsRows = await visible();
    const expectDns = new Set(lab.findings.filter((f) => f.kind === 'tunnel.dns').map((f) => f.src ?? `→ ${f.dst}`));
    expect(new Set(dnsRows.map((r) => r.src))).toEqual(expectDns);
    expect(await page.textContent('#f-status')).toBe(`${expectDns.size} of ${all.length} incidents shown`);
    await page.selectOption('#f-kind', '');
    // Severity filter: high and above (rank 3).
    await page.selectOption('#f-sev', '3');
    const high = await visible();
    expect(high.length).toBeGreaterThan(0);
    expect(high.every((r) => r.sev >= 3)).toBe(true);
    expect(high.length).toBe(all.filter((r) => r.sev >= 3).length);
    await page.selectOption('#f-sev', '0');
    // Host filter.
    await page.fill('#f-host', '10.77.0.66');
    const scanner = await visible();
    expect(scanner.length).toBeGreaterThan(0);
    expect(scanner.length).toBe(all.filter((r) => r.hosts.includes('10.77.0.66')).length);
    await page.fill('#f-host', '');
    // Time filter: from after the last finding leaves nothing; the whole span leaves everything.
    const lastEnd = Math.max(...lab.findings.map((f) => f.end));
    await page.fill('#f-from', new Date((lastEnd + 60) * 1000).toISOString().slice(0, 19));
    expect(await visible()).toEqual([]);
    const firstTs = Math.min(...lab.findings.map((f) => f.ts));
    await page.fill('#f-from', new Date((firstTs - 1) * 1000).toISOString().slice(0, 19));
    expect((await visible()).length).toBe(all.length);
    expect(errors).toEqual([]);
  });

  test('HTML and script in DNS names and HTTP Host headers are shown as text and never run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fh-xss-'));
    const pcap = join(dir, 'xss-names.pcap');
    execFileSync(process.execPath, [join(process.cwd(), 'scripts', 'make-report-xss-capture.mjs'), pcap]);
    const { html, findings } = await makeReport([pcap]);
    expect(findings.some((f) => f.kind === 'tunnel.dns' && JSON.stringify(f.evidence).includes('<img src=x onerror=__fhpwned=1>'))).toBe(true);
    for (const bypassCSP of [false, true]) {
      const { page, errors, requests } = await open(browser, html, bypassCSP);
      await page.waitForTimeout(200);
      expect(await page.evaluate(() => (globalThis as { __fhpwned?: unknown }).__fhpwned)).toBeUndefined();
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('svg[onload], [onerror]').count()).toBe(0);
      expect(await page.locator('script').count()).toBe(1);
      // The names are on the page as text: in the DNS samples and in the finding's evidence.
      const samples = await page.$$eval('#dns-table ul.samples li', (ls) => ls.map((l) => l.textContent));
      expect(samples.some((s) => s?.startsWith('<img src=x onerror=__fhpwned=1>-'))).toBe(true);
      const domains = await page.$$eval('#dns-table tr.domain', (rs) => rs.map((r) => r.getAttribute('data-domain')));
      expect(domains.some((d) => d?.includes('</script><script>__fhpwned=2</script>'))).toBe(true);
      expect(domains.some((d) => d?.includes('"><svg onload=__fhpwned=3>'))).toBe(true);
      const evidence = await page.$$eval('pre.evidence', (ps) => ps.map((p) => p.textContent ?? '').join('\n'));
      expect(evidence).toContain('<img src=x onerror=__fhpwned=1>');
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      await page.context().close();
    }
  });
});
