/**
 * The nightly recipes of docs/recipes.md, run as written: the cron line and
 * the systemd service's ExecStart, in cron's and systemd's minimal
 * environment, with the recipe's paths swapped for temporary folders. Night
 * one finds an empty model folder (a cold start, not a failure); night two
 * reads the next day's logs in the same dated folder and warm-starts from
 * night one's model. The Dockerfile's build context is checked too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createRandom } from '../hostile/hostile-corpus.js';

const ROOT = process.cwd();
const recipes = readFileSync(join(ROOT, 'docs', 'recipes.md'), 'utf8');

/** The fenced code blocks of a language. */
function blocks(lang: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g');
  for (let m = re.exec(recipes); m !== null; m = re.exec(recipes)) out.push(m[1]!);
  return out;
}

/** `spanSec` of ordinary Zeek conn.log traffic starting at `startSec` (three services), gzipped, as Zeek rotates it. */
function connLogGz(startSec: number, spanSec: number, seed: number): Buffer {
  const rand = createRandom(seed);
  const fields = 'ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents';
  const types = 'time string addr port addr port enum string interval count count string bool bool count string count count count count set[string]';
  const lines = ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn', '#open\t2026-01-01-00-00-00', `#fields\t${fields.replace(/ /g, '\t')}`, `#types\t${types.replace(/ /g, '\t')}`];
  const services: [number, string, string][] = [[443, 'tcp', 'ssl'], [53, 'udp', 'dns'], [22, 'tcp', 'ssh']];
  for (let t = startSec, i = 0; t < startSec + spanSec; t += 1 + rand() * 4, i++) {
    const [port, proto, service] = services[i % 3]!;
    const ob = 100 + Math.floor(rand() * 900);
    const rb = 200 + Math.floor(rand() * 5000);
    lines.push([t.toFixed(6), `C${seed}x${i}`, `10.0.0.${2 + (i % 40)}`, 30000 + (i % 20000), '10.0.1.10', port, proto, service, (rand() * 2).toFixed(6), ob, rb, 'SF', 'T', 'T', 0, proto === 'tcp' ? 'ShADadFf' : 'Dd', 4, ob + 160, 4, rb + 160, '-'].join('\t'));
  }
  lines.push('#close\t2026-01-01-02-00-00');
  return gzipSync(`${lines.join('\n')}\n`);
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'flowhound-recipes-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The recipe's paths, swapped for the test's folders. */
function localize(cmd: string): string {
  return cmd
    .replaceAll('/opt/flowhound', ROOT)
    .replaceAll('/opt/zeek/logs', join(tmp, 'zeek-logs'))
    .replaceAll('/var/lib/flowhound', join(tmp, 'lib'))
    .replaceAll('/var/log/flowhound', join(tmp, 'log'));
}

function runSh(cmd: string, path: string): { code: number | null; out: string } {
  const r = spawnSync('/bin/sh', ['-c', cmd], { env: { PATH: path, HOME: tmp, SHELL: '/bin/sh', LANG: 'C.UTF-8' }, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('docs/recipes.md nightly recipes, run as written', () => {
  it('cron on the first night (empty model folder), then the systemd service on the next day: cold start, then a warm start from itself', () => {
    const cron = blocks('cron');
    expect(cron).toHaveLength(1);
    const cronLine = cron[0]!.trim();
    // m h dom mon dow user command; cron turns \% into %.
    const cronCmd = cronLine.split(/\s+/).slice(6).join(' ');
    expect(cronLine.split(/\s+/).slice(0, 6)).toEqual(['15', '2', '*', '*', '*', 'zeek']);
    expect(cronCmd).not.toMatch(/\bnpx\b/);
    expect(cronCmd).toContain('--warm-start /var/lib/flowhound/models/nightly');

    const ini = blocks('ini');
    const service = ini.find((b) => b.includes('[Service]'))!;
    const timer = ini.find((b) => b.includes('[Timer]'))!;
    expect(service).not.toContain('[Timer]');
    expect(timer).not.toContain('[Service]');
    const execStart = /^ExecStart=(.*)$/m.exec(service)![1]!;
    expect(execStart).toContain('--warm-start /var/lib/flowhound/models/nightly');

    // Yesterday's folder, as the recipe's own `date -u -d yesterday +%F` names it.
    const day = spawnSync('/bin/sh', ['-c', 'date -u -d yesterday +%F'], { encoding: 'utf8' }).stdout.trim();
    const logs = join(tmp, 'zeek-logs', day);
    mkdirSync(logs, { recursive: true });
    mkdirSync(join(tmp, 'lib', 'models'), { recursive: true });
    mkdirSync(join(tmp, 'log'), { recursive: true });
    const d1 = Date.parse(`${day}T00:00:00Z`) / 1000 - 86400;
    // Twenty minutes a night keeps the test's training short (and earns the few-windows warning).
    writeFileSync(join(logs, 'conn.00:00:00-01:00:00.log.gz'), connLogGz(d1, 600, 1));
    writeFileSync(join(logs, 'conn.01:00:00-02:00:00.log.gz'), connLogGz(d1 + 3600, 600, 2));

    // Night one: cron's environment (PATH=/usr/bin:/bin), the line with cron's \% unescaped.
    const night1 = runSh(localize(cronCmd.replaceAll('\\%', '%')), '/usr/bin:/bin');
    const trainLog = readFileSync(join(tmp, 'log', 'train.log'), 'utf8');
    expect([night1.code, trainLog]).toEqual([0, expect.stringContaining('holds no model yet; training from scratch (a cold start)')]);
    expect(trainLog).toMatch(/warning: trained on only \d+ windows/);
    const model = join(tmp, 'lib', 'models', 'nightly');
    expect(existsSync(join(model, 'flowhound.json'))).toBe(true);
    const first = JSON.parse(readFileSync(join(model, 'flowhound.json'), 'utf8')) as { training: { firstWindowSec: number; warmStartFrom: string | null } };
    expect(first.training.warmStartFrom).toBeNull();

    // Night two: the next day's logs in the folder, systemd's service line (%% is %).
    rmSync(logs, { recursive: true });
    mkdirSync(logs);
    writeFileSync(join(logs, 'conn.00:00:00-01:00:00.log.gz'), connLogGz(d1 + 86400, 1200, 3));
    const night2 = runSh(localize(execStart.replaceAll('%%', '%')), '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    expect([night2.code, night2.out]).toEqual([0, expect.stringContaining('warm start from the previous model in this folder')]);
    const second = JSON.parse(readFileSync(join(model, 'flowhound.json'), 'utf8')) as { training: { firstWindowSec: number; warmStartFrom: string | null } };
    expect(second.training.firstWindowSec).toBeGreaterThanOrEqual(first.training.firstWindowSec + 86400 - 3600);
    expect(second.training.warmStartFrom).not.toBeNull();

    const inspect = runSh(`/usr/bin/node ${join(ROOT, 'dist', 'cli', 'main.js')} model inspect ${model}`, '/usr/bin:/bin');
    expect(inspect.code).toBe(0);
    expect(inspect.out).toContain('warm start from the previous model in this folder');
    expect(inspect.out).not.toContain(`warm start from ${model}`);
  });

  it('the Dockerfile builds from files in the repository and runs the built CLI', () => {
    const docker = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter(Boolean);
    for (const m of docker.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of m[1]!.split(/\s+/)) {
        expect([src, existsSync(join(ROOT, src))]).toEqual([src, true]);
        expect(ignored).not.toContain(src);
      }
    }
    expect(docker).toMatch(/RUN npm ci/);
    // The image runs the CLI through its shebang, which carries the CLI's V8 flags.
    expect(docker).toContain('ENTRYPOINT ["/app/dist/cli/main.js"]');
    const main = join(ROOT, 'dist', 'cli', 'main.js');
    expect(statSync(main).mode & 0o111).toBe(0o111);
    expect(readFileSync(main, 'utf8').split('\n')[0]).toMatch(/^#!\/usr\/bin\/env -S node( --[\w-]+=\w+)*$/);
  });
});
