import { describe, expect, it } from 'vitest';
import { Lru } from './lru.js';

describe('Lru', () => {
  it('evicts the least recently used entry, not the oldest inserted', () => {
    const c = new Lru<string, number>(2);
    c.set('a', 1).set('b', 2);
    expect(c.get('a')).toBe(1); // a is now the most recent: b goes first
    c.set('c', 3);
    expect(c.has('b')).toBe(false);
    expect([...c.keys()]).toEqual(['a', 'c']);
    c.set('a', 10); // a set refreshes too
    c.set('d', 4);
    expect([...c.keys()]).toEqual(['a', 'd']);
    expect(c.get('a')).toBe(10);
    expect(c.size).toBe(2);
  });

  it('a hit on the most recent key keeps the order (and the hot path cheap)', () => {
    const c = new Lru<string, number>(3);
    c.set('x', 1).set('y', 2);
    for (let i = 0; i < 5; i++) expect(c.get('y')).toBe(2);
    expect(c.get('x')).toBe(1);
    expect([...c.keys()]).toEqual(['y', 'x']);
    c.delete('x');
    c.set('z', 3);
    expect(c.get('z')).toBe(3);
    expect([...c.keys()]).toEqual(['y', 'z']);
    expect(c.hits).toBe(7);
    expect(c.get('x')).toBeUndefined();
    expect(c.misses).toBe(1);
    // peek neither reorders nor counts: y stays the oldest and is the one evicted.
    const d = new Lru<string, number>(2);
    d.set('y', 1).set('z', 2);
    expect(d.peek('y')).toBe(1);
    d.set('w', 3);
    expect([...d.keys()]).toEqual(['z', 'w']);
    expect(d.hits + d.misses).toBe(0);
  });

  it('getOrSet computes once; a throwing make caches nothing; capacity 0 keeps nothing', () => {
    const c = new Lru<string, number>(4);
    let made = 0;
    expect(c.getOrSet('k', () => ++made)).toBe(1);
    expect(c.getOrSet('k', () => ++made)).toBe(1);
    expect(() =>
      c.getOrSet('bad', () => {
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(c.has('bad')).toBe(false);
    const none = new Lru<string, number>(0);
    none.set('a', 1);
    expect(none.size).toBe(0);
    c.clear();
    expect(c.size).toBe(0);
  });
});
