// A bounded least-recently-used map on top of Map's insertion order: a hit moves
// the key to the end, an insert beyond the capacity drops the oldest key. Every
// per-client or per-address cache of the collector goes through it, so memory stays
// bounded whatever the traffic.

export interface Lru<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): void;
  delete(key: K): void;
  readonly size: number;
}

export function createLru<K, V>(capacity: number): Lru<K, V> {
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError('capacity: must be an integer >= 1');
  const map = new Map<K, V>();
  return {
    get(key) {
      const value = map.get(key);
      if (value === undefined) return undefined;
      map.delete(key);
      map.set(key, value);
      return value;
    },
    set(key, value) {
      if (map.has(key)) map.delete(key);
      else if (map.size >= capacity) {
        const oldest = map.keys().next();
        if (!oldest.done) map.delete(oldest.value);
      }
      map.set(key, value);
    },
    delete(key) {
      map.delete(key);
    },
    get size() {
      return map.size;
    },
  };
}
