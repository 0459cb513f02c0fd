/** flowhound as a library: everything except src/cli/ (which prints and exits). */
export * from './errors.js';
export * from './types.js';
export * from './io/byte-source.js';
export * from './ingest/detect.js';
