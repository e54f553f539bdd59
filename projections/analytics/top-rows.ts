// The first rows of an answer in report order, chosen without sorting every row: a page
// of 10 out of 60,000 values keeps 10. Used by the report logic (queries.ts) and by the
// settled users (settled-users-embedded.ts).

/** Kept rows beyond which every row is collected and sorted instead (a bounded insertion shifts up to this many). */
const SELECT_LIMIT = 1000;

/**
 * The first `size` rows in report order (by key in the direction's sign, ties by value in
 * code unit order), without sorting every row: a page of 10 out of 60,000 values keeps
 * 10. Beyond SELECT_LIMIT kept rows it sorts them all instead.
 */
export function createTopRows(size: number, sign: number): { offer(value: string, key: number): void; inOrder(): string[] } {
  const values: string[] = [];
  const keys: number[] = [];
  const before = (keyA: number, valueA: string, keyB: number, valueB: string): boolean =>
    keyA !== keyB ? sign * (keyA - keyB) < 0 : valueA < valueB;
  const select = size <= SELECT_LIMIT;
  return {
    offer(value, key) {
      if (!select) {
        values.push(value);
        keys.push(key);
        return;
      }
      const n = values.length;
      if (n === size && !before(key, value, keys[n - 1]!, values[n - 1]!)) return;
      // Binary search for the place, then shift: `size` is small.
      let low = 0;
      let high = n;
      while (low < high) {
        const middle = (low + high) >> 1;
        if (before(keys[middle]!, values[middle]!, key, value)) low = middle + 1;
        else high = middle;
      }
      values.splice(low, 0, value);
      keys.splice(low, 0, key);
      if (values.length > size) {
        values.pop();
        keys.pop();
      }
    },
    inOrder() {
      if (select) return values;
      const order = values.map((_, i) => i);
      order.sort((a, b) => (before(keys[a]!, values[a]!, keys[b]!, values[b]!) ? -1 : before(keys[b]!, values[b]!, keys[a]!, values[a]!) ? 1 : 0));
      return order.map((i) => values[i]!);
    },
  };
}
