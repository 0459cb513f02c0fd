/**
 * TensorFlow.js backend selection (DESIGN.md "Features and models").
 *
 * 1. `node`: `@tensorflow/tfjs-node`, an optional dependency whose install
 *    downloads libtensorflow; imported dynamically, so its absence is not an
 *    error unless `--backend node` forces it.
 * 2. `wasm`: `@tensorflow/tfjs-backend-wasm`, its .wasm binaries loaded from
 *    the installed package's dist/ folder on disk (nothing is fetched).
 * 3. `cpu`: `@tensorflow/tfjs-backend-cpu`, pure JavaScript, always there.
 *
 * Training needs the gradients and chained tensor methods that the
 * `@tensorflow/tfjs` umbrella registers on the shared tfjs-core (tfjs-core's
 * Node bundle alone has neither); it is imported once, on first selection.
 *
 * Without a preference the first that initializes wins. A forced backend
 * that cannot start is a BACKEND_UNAVAILABLE error. tfjs is put in PROD mode
 * so that it does not print to the console (the library never prints).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { FlowhoundError } from '../errors.js';

import { BACKEND_NAMES, type BackendName } from './backend-names.js';

export { BACKEND_NAMES, type BackendName, isBackendName } from './backend-names.js';

/** tfjs's registry names for flowhound's backend names. */
const TF_NAMES: Record<BackendName, string> = { node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

const require = createRequire(import.meta.url);
const registeredBackends = new Set<BackendName>();

/** The folder holding tfjs-backend-wasm's .wasm files, resolved from the installed package. */
export function locateWasmDir(): string {
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
}

async function registerBackend(name: BackendName): Promise<void> {
  if (registeredBackends.has(name)) return;
  if (name === 'node') {
    // A variable specifier: the package is optional and usually absent.
    const specifier = '@tensorflow/tfjs-node';
    await import(specifier);
  } else if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(`${locateWasmDir()}/`);
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
  }
  registeredBackends.add(name);
}

async function tryBackend(name: BackendName): Promise<unknown> {
  try {
    await registerBackend(name);
    const ok = await tf.setBackend(TF_NAMES[name]);
    if (!ok) return new Error(`tfjs could not initialize the ${TF_NAMES[name]} backend`);
    await tf.ready();
    return null;
  } catch (e) {
    return e;
  }
}

let current: BackendName | null = null;
let umbrella: Promise<unknown> | null = null;

/** Imports the tfjs umbrella package once: it registers every gradient and chained op on the tfjs-core in use. */
function registerTrainingSupport(): Promise<unknown> {
  umbrella ??= import('@tensorflow/tfjs');
  return umbrella;
}

/**
 * Makes one backend the active one and returns its name: `preferred`, or the
 * first of node, wasm, cpu that starts.
 */
export async function selectBackend(preferred?: BackendName): Promise<BackendName> {
  tf.env().set('PROD', true);
  await registerTrainingSupport();
  if (preferred) {
    if (current === preferred && tf.getBackend() === TF_NAMES[preferred]) return preferred;
    const err = await tryBackend(preferred);
    if (err) {
      throw new FlowhoundError('BACKEND_UNAVAILABLE', `backend ${preferred} is not available: ${describeError(err)}${preferred === 'node' ? ' (install @tensorflow/tfjs-node, which downloads libtensorflow)' : ''}`, { backend: preferred }, { cause: err });
    }
    current = preferred;
    return preferred;
  }
  if (current && tf.getBackend() === TF_NAMES[current]) return current;
  const failures: string[] = [];
  for (const name of BACKEND_NAMES) {
    const err = await tryBackend(name);
    if (!err) {
      current = name;
      return name;
    }
    failures.push(`${name}: ${describeError(err)}`);
  }
  throw new FlowhoundError('BACKEND_UNAVAILABLE', `no TensorFlow.js backend could start (${failures.join('; ')})`);
}

/** The backend selected last, or null before any selection. */
export function getSelectedBackend(): BackendName | null {
  return current;
}

function describeError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0] ?? msg;
}
