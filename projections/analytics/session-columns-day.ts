// One day's sessions as columns (session-columns-embedded.ts): how a day is built from the
// sessions table's rows and packed into its narrowest arrays. Shared by the serving thread,
// which reads days a request needs, and the warm-up thread (session-columns-thread.ts),
// which reads days ahead of requests and hands them over.

/** Codes and totals are read into wide arrays, then kept in the narrowest that holds them. */
export type Codes = Uint8Array | Uint16Array | Int32Array;
export type Totals = Int32Array | Float64Array;

export interface TextColumn {
  dict: string[];
  codes: Codes;
}

/** One day's sessions of one property as columns, every column in the same order (all read together, under one change count). */
export interface DayColumns {
  changes: number;
  count: number;
  texts: Map<string, TextColumn>;
  /** The sessions' client numbers (`client_key`, v8): users are counted by number. */
  clients: Int32Array;
  /** The largest of them (-1 for a day without sessions). */
  maxClient: number;
  totals: Map<number, Totals>;
  bytes: number;
}

/** The codes in the narrowest array for the dictionary's size. */
function narrowCodes(codes: Int32Array, distinct: number): Codes {
  if (distinct <= 0x100) return Uint8Array.from(codes);
  if (distinct <= 0x10000) return Uint16Array.from(codes);
  return codes;
}

/** Counts and milliseconds fit 32-bit integers; revenue in millionths may not. */
function narrowTotals(values: Float64Array): Totals {
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isInteger(x) || x > 0x7fffffff || x < -0x80000000) return values;
  }
  return Int32Array.from(values);
}

/** One day's columns being filled, row by row. */
export interface DayBuilder {
  entry: DayColumns;
  texts: readonly string[];
  totals: readonly number[];
  index: Map<string, number>[];
  at: number;
}

export function startDay(changes: number, count: number, texts: readonly string[], totals: readonly number[]): DayBuilder {
  const entry: DayColumns = { changes, count, texts: new Map(), clients: new Int32Array(count), maxClient: -1, totals: new Map(), bytes: 4 * count };
  for (const name of texts) entry.texts.set(name, { dict: [], codes: new Int32Array(count) });
  for (const i of totals) entry.totals.set(i, new Float64Array(count));
  return { entry, texts, totals, index: texts.map(() => new Map()), at: 0 };
}

/** A row of [..., client, texts..., totals...] from position `from` on. */
export function addRow(builder: DayBuilder, row: readonly unknown[], from: number): void {
  const { entry, index, texts, totals } = builder;
  const at = builder.at++;
  if (at >= entry.count) throw new Error(`session columns: more sessions than the ${entry.count} counted`);
  const client = Number(row[from]);
  entry.clients[at] = client;
  if (client > entry.maxClient) entry.maxClient = client;
  for (let k = 0; k < texts.length; k++) {
    const value = String(row[from + 1 + k]);
    const column = entry.texts.get(texts[k]!)!;
    let code = index[k]!.get(value);
    if (code === undefined) {
      code = column.dict.length;
      column.dict.push(value);
      index[k]!.set(value, code);
      entry.bytes += 2 * value.length + 48;
    }
    column.codes[at] = code;
  }
  for (let k = 0; k < totals.length; k++) entry.totals.get(totals[k]!)![at] = Number(row[from + 1 + texts.length + k]);
}

/** The day's columns, complete, in their narrowest arrays. */
export function finishDay(builder: DayBuilder, day: string): DayColumns {
  const { entry } = builder;
  if (builder.at !== entry.count) throw new Error(`session columns: ${day} has ${builder.at} sessions, counted ${entry.count}`);
  for (const column of entry.texts.values()) {
    column.codes = narrowCodes(column.codes as Int32Array, column.dict.length);
    entry.bytes += column.codes.byteLength;
  }
  for (const [i, values] of entry.totals) {
    const kept = narrowTotals(values as Float64Array);
    entry.totals.set(i, kept);
    entry.bytes += kept.byteLength;
  }
  return entry;
}

/** The buffers a finished day holds, to transfer it to another thread without a copy. */
export function buffersOf(entry: DayColumns): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>([entry.clients.buffer as ArrayBuffer]);
  for (const column of entry.texts.values()) buffers.add(column.codes.buffer as ArrayBuffer);
  for (const values of entry.totals.values()) buffers.add(values.buffer as ArrayBuffer);
  return [...buffers];
}
