/**
 * A build of another commit of this repository, for the scripts that compare
 * this checkout with it (compare-findings.mjs, detector-cpu.mjs): extracted
 * with `git archive` into $TMPDIR/flowhound-ref-COMMIT and built there once
 * with this checkout's node_modules.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The folder of COMMIT's build (made when missing); exits 2 when that build does not run. `who` names the calling script in messages. */
export function referenceBuild(root, commit, who) {
  const dir = join(tmpdir(), `flowhound-ref-${commit}`);
  if (!existsSync(join(dir, 'dist/cli/main.js'))) {
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`building the reference ${commit} in ${dir}\n`);
    execFileSync('sh', ['-c', `git -C '${root}' archive ${commit} | tar -x -C '${dir}'`], { stdio: 'inherit' });
    linkNodeModules(root, dir);
    execFileSync('node', [join(dir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  }
  linkNodeModules(root, dir);
  checkRuns(dir, who);
  return dir;
}

/**
 * The reference shares this checkout's node_modules through a symlink to its
 * real path, so a worktree whose node_modules is itself a link does not leave
 * the reference pointing at a folder that is later removed.
 */
function linkNodeModules(root, dir) {
  const link = join(dir, 'node_modules');
  const target = realpathSync(resolve(root, 'node_modules'));
  if (existsSync(join(link, 'typescript/bin/tsc'))) return;
  rmSync(link, { force: true, recursive: false });
  symlinkSync(target, link);
}

/** A reference that cannot start would fill a cache with its failures: stop instead. */
function checkRuns(dir, who) {
  try {
    const probe = join(dir, 'fixtures/exports/argus-benign-1.csv');
    const args = existsSync(probe) ? ['analyze', probe, '--output', 'jsonl', '--quiet'] : ['--help'];
    execFileSync(process.execPath, [join(dir, 'dist/cli/main.js'), ...args], { stdio: 'ignore' });
  } catch (e) {
    process.stderr.write(`${who}: the reference build in ${dir} does not run (${e.message.split('\n')[0]}); remove the folder to rebuild it\n`);
    process.exit(2);
  }
}
