/**
 * The registrable domain of a DNS name (`a.b.example.co.uk` → `example.co.uk`)
 * by the Public Suffix List, through `tldts`, which is loaded on the first
 * call: its suffix tables cost more to load than Node's own start-up, and
 * runs without DNS names never need them.
 */
import { createRequire } from 'node:module';

type Tldts = typeof import('tldts');
type DomainOptions = Parameters<Tldts['getDomain']>[1];

let tldts: Tldts | null = null;

/** tldts' getDomain (null when the name has no registrable domain). */
export function getRegistrableDomain(name: string, options?: DomainOptions): string | null {
  tldts ??= createRequire(import.meta.url)('tldts') as Tldts;
  return tldts.getDomain(name, options);
}
