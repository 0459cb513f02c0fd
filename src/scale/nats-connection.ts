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

/** Drains `nc` (pending publishes go out), waiting at most `ms` (a server that is away never answers), then closes it. */
export async function closeNats(nc: NatsConnection, ms = 5000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([nc.drain().catch(() => undefined), late]);
  clearTimeout(timer);
  if (!nc.isClosed()) await nc.close().catch(() => undefined);
}
