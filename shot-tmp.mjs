import { chromium } from 'playwright-core';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu','--disable-background-networking'] });
const p = await b.newPage({ viewport: { width: 1280, height: 900 } });
p.on('console', (m) => console.log('console', m.type(), m.text()));
p.on('pageerror', (err) => console.log('pageerror', err.message));
await p.goto('file://' + process.argv[2]);
const mode = process.argv[4] ?? 'top';
if (mode === 'sections') {
  for (const id of ['summary','timeline','incidents','scans','dns','exposure','model']) {
    const el = p.locator('#' + id);
    if (id === 'incidents') await p.locator('#incidents button.expand').first().click().catch(() => {});
    await el.screenshot({ path: process.argv[3].replace('.png', `-${id}.png`) });
  }
} else await p.screenshot({ path: process.argv[3], fullPage: mode === 'full' });
await b.close();
