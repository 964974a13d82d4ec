import {
  backoffMs,
  idempotencyKey,
  STEP_RETRY_DEFAULTS,
} from '../../lib/engine/step-policy';

describe('a step retry policy', () => {
  const policy = {
    ...STEP_RETRY_DEFAULTS,
    attempts: 10,
    initialIntervalMs: 1_000,
    backoffCoefficient: 2,
    maxIntervalMs: 5_000,
  };

  it('waits the initial interval, then each wait times the coefficient, up to the maximum', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(policy, n))).toEqual([
      1_000, 2_000, 4_000, 5_000, 5_000,
    ]);
  });

  it('spreads a wait by the jitter on both sides, never past the maximum', () => {
    const jittered = { ...policy, jitter: 0.5 };
    expect(backoffMs(jittered, 2, () => 0)).toBe(1_000);
    expect(backoffMs(jittered, 2, () => 0.5)).toBe(2_000);
    expect(backoffMs(jittered, 2, () => 0.999999)).toBe(3_000);
    expect(backoffMs(jittered, 4, () => 0.999999)).toBe(5_000);
  });

  it('gives one step of one workflow one idempotency key, and other steps others', () => {
    const key = idempotencyKey('order-1', 'charge');
    expect(idempotencyKey('order-1', 'charge')).toBe(key);
    expect(key).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(idempotencyKey('order-1', 'refund')).not.toBe(key);
    expect(idempotencyKey('order-2', 'charge')).not.toBe(key);
    // Ids are kept apart, not joined: "a:b" + "c" is not "a" + "b:c".
    expect(idempotencyKey('a:b', 'c')).not.toBe(idempotencyKey('a', 'b:c'));
  });
});
