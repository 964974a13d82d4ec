import { ValueNotStorableError } from '@lidex/nestjs';
import {
  decodeValue,
  encodeValue,
  MAX_VALUE_DEPTH,
} from '../../lib/engine/codec';

const roundTrip = (value: unknown): unknown =>
  decodeValue(encodeValue(value, 'value'));

describe('stored values', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'héllo "quoted"'],
    ['numbers', [0, -1.5, Number.MAX_SAFE_INTEGER]],
    ['NaN and the infinities', [NaN, Infinity, -Infinity]],
    ['a Date', new Date('2024-02-29T12:34:56.789Z')],
    ['nested dates', { a: [{ at: new Date(0) }] }],
    ['an object with a $lidex key', { $lidex: 'date', v: 'not a tag' }],
    ['a nested $lidex key', { outer: { $lidex: 'undefined' } }],
    ['keys with dots and dollars', { 'a.b': 1, $set: { $gt: '' } }],
  ])('round-trips %s', (_label, value) => {
    expect(roundTrip(value)).toEqual(value);
  });

  it('keeps undefined array items as items, not holes', () => {
    const decoded = roundTrip([1, undefined, 3]) as unknown[];
    expect(decoded).toHaveLength(3);
    expect(1 in decoded).toBe(true);
    expect(decoded.map((item) => item === undefined)).toEqual([
      false,
      true,
      false,
    ]);
  });

  it('keeps an invalid Date invalid', () => {
    const decoded = roundTrip(new Date(NaN)) as Date;
    expect(decoded).toBeInstanceOf(Date);
    expect(Number.isNaN(decoded.getTime())).toBe(true);
  });

  it('keeps __proto__ as an ordinary key, never a prototype', () => {
    const decoded = decodeValue<Record<string, unknown>>(
      encodeValue(JSON.parse('{"__proto__": {"polluted": true}}'), 'value'),
    );
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('drops object properties holding undefined, as JSON does', () => {
    expect(Object.keys(roundTrip({ a: 1, b: undefined }) as object)).toEqual([
      'a',
    ]);
  });

  it('stores objects with toJSON as what toJSON returns, and class instances as their fields', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    expect(
      roundTrip({ p: new Point(1, 2), j: { toJSON: () => 'custom' } }),
    ).toEqual({
      p: { x: 1, y: 2 },
      j: 'custom',
    });
  });

  it.each([
    [{ f: () => 1 }, 'value.f is a function'],
    [{ list: [1, 2n] }, 'value.list[1] is a BigInt'],
    [new Set([1]), 'value is a Set'],
    [Buffer.from('x'), 'value is a Buffer or typed array'],
    [{ e: new Error('x') }, 'value.e is an Error'],
    [{ p: Promise.resolve(1) }, 'value.p is a Promise'],
  ])('refuses %p, saying where', (value, message) => {
    expect(() => encodeValue(value, 'result of step "s"')).toThrow(message);
  });

  it('allows the same object twice when it is not circular', () => {
    const shared = { n: 1 };
    expect(roundTrip({ a: shared, b: shared })).toEqual({
      a: { n: 1 },
      b: { n: 1 },
    });
  });
});

describe('deeply nested values', () => {
  const nested = (levels: number): unknown => {
    let value: unknown = 0;
    for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { a: value };
    return value;
  };

  it(`round-trips a value nested ${MAX_VALUE_DEPTH} levels deep`, () => {
    const value = nested(MAX_VALUE_DEPTH);
    expect(roundTrip(value)).toEqual(value);
  });

  it('refuses a deeper one with ValueNotStorableError naming the limit and where', () => {
    expect(() => encodeValue(nested(10_000), 'result of step "s"')).toThrow(
      ValueNotStorableError,
    );
    expect(() => encodeValue(nested(MAX_VALUE_DEPTH + 1), 'x')).toThrow(
      `value.a[0].a[0]`,
    );
    expect(() => encodeValue(nested(MAX_VALUE_DEPTH + 1), 'x')).toThrow(
      `is nested more than ${MAX_VALUE_DEPTH} levels deep`,
    );
  });
});
