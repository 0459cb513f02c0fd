/** The subject of a (family, partition) of a records stream: `<stream>.<family>.<partition>`. */
import type { PartitionFamily } from './route-records.js';

export function recordSubject(stream: string, family: PartitionFamily, partition: number): string {
  return `${stream}.${family}.${partition}`;
}
