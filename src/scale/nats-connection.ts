/** A NATS connection that keeps reconnecting (a restarted server is picked up again); failures to connect are NATS_UNAVAILABLE. */
import type { NatsConnection } from '@nats-io/transport-node';
import { FlowhoundError } from '../errors.js';

export async function connectNats(servers: string | string[]): Promise<NatsConnection> {
  const { connect } = await import('@nats-io/transport-node');
  try {
    return await connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  } catch (e) {
    throw new FlowhoundError('NATS_UNAVAILABLE', `NATS ${String(servers)}: cannot connect: ${(e as Error).message}`, { servers }, { cause: e });
  }
}
