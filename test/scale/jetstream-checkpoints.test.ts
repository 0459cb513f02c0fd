/**
 * Lane checkpoints in a JetStream KV bucket (real nats-server): a value
 * larger than one message goes in parts with a manifest written last; a
 * newer checkpoint replaces it whole and the old parts are purged; a lane
 * checkpoint round-trips through its gzipped encoding, and a damaged one is
 * STATE_INVALID naming its key.
 */
import { randomBytes } from 'node:crypto';
import { createKvCheckpoints } from '../../src/scale/jetstream-checkpoints.js';
import { decodeLaneCheckpoint, encodeLaneCheckpoint, LANE_CHECKPOINT_VERSION, type LaneCheckpoint } from '../../src/scale/lane-checkpoint.js';
import { haveNatsServer, startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';

const describeNats = haveNatsServer ? describe : describe.skip;
if (!haveNatsServer) console.warn('SKIPPED: nats-server is not installed: the KV checkpoint test did not run');

describeNats('KV checkpoints (real nats-server)', () => {
  let server: TestNatsServer;
  beforeAll(async () => {
    server = await startNatsServer();
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('stores a value of several parts, replaces it whole, purges the old parts', async () => {
    const { connect } = await import('@nats-io/transport-node');
    const { jetstream } = await import('@nats-io/jetstream');
    const { Kvm } = await import('@nats-io/kv');
    const nc = await connect({ servers: server.url });
    try {
      const kv = await new Kvm(jetstream(nc)).create('T_CHECKPOINTS', { history: 1 });
      const store = createKvCheckpoints(kv);
      expect(await store.load('dst.3')).toBeNull();
      const big = randomBytes(1_300_000);
      await store.save('dst.3', big);
      expect(Buffer.from((await store.load('dst.3')) as Uint8Array).equals(big)).toBe(true);
      const keys = async (): Promise<string[]> => {
        const out: string[] = [];
        for await (const k of await kv.keys()) out.push(k);
        return out.sort();
      };
      expect((await keys()).filter((k) => k.startsWith('dst.3.'))).toHaveLength(3);
      const small = randomBytes(1000);
      await store.save('dst.3', small);
      expect(Buffer.from((await store.load('dst.3')) as Uint8Array).equals(small)).toBe(true);
      expect((await keys()).filter((k) => k.startsWith('dst.3.'))).toHaveLength(1);
    } finally {
      await nc.close();
    }
  }, 60_000);
});

describe('lane checkpoint encoding', () => {
  it('round-trips, and a damaged one names its key', () => {
    const c: LaneCheckpoint = { version: LANE_CHECKPOINT_VERSION, seq: 42, driver: { format: 'x' }, unflushed: true, emitted: [{ id: 'f-1', end: 2, count: 3 }], files: { 'conn.log:1:2:0': { flows: [[-1, 9]] } } };
    expect(decodeLaneCheckpoint('src.1', encodeLaneCheckpoint(c))).toEqual(c);
    expect(() => decodeLaneCheckpoint('src.1', new Uint8Array([1, 2, 3]))).toThrow(/checkpoint src\.1: unreadable/);
    expect(decodeLaneCheckpoint('src.1', null)).toBeNull();
  });
});
