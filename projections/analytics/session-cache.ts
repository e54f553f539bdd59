// The session documents a sink keeps between batches. Most of a batch's sessions were
// open in the previous batch, so the sink reads from its store only the ones it has not
// kept; the last `size` written stay (least recently written go first). Both sinks, the
// embedded one and MongoDB's, use it with their own way of loading the rest.
import type { SessionDoc } from './model.ts';
import type { ClientErasure, SessionKey } from './process-batch.ts';

export interface SessionCache {
  /** The documents of `keys`: the kept ones, and the rest from `loadMissing`. */
  load(keys: readonly SessionKey[]): Promise<Map<string, SessionDoc>>;
  /** Keeps a committed batch's documents. */
  remember(docs: readonly SessionDoc[]): void;
  /** Erased visitors' documents go (their ids may come back as new sessions). */
  forget(erasures: readonly ClientErasure[]): void;
  /** After a failed batch or a checkpoint moved by another runner: nothing kept can be trusted. */
  clear(): void;
}

export function createSessionCache(size: number, loadMissing: (keys: SessionKey[]) => Promise<Iterable<SessionDoc>> | Iterable<SessionDoc>): SessionCache {
  const kept = new Map<string, SessionDoc>();
  return {
    async load(keys) {
      const docs = new Map<string, SessionDoc>();
      const missing: SessionKey[] = [];
      for (const key of keys) {
        const doc = kept.get(key.id);
        if (doc === undefined) missing.push(key);
        else docs.set(key.id, doc);
      }
      if (missing.length > 0) for (const doc of await loadMissing(missing)) docs.set(doc.id, doc);
      return docs;
    },
    remember(docs) {
      for (const doc of docs) {
        kept.delete(doc.id);
        kept.set(doc.id, doc);
      }
      let excess = kept.size - size;
      for (const id of kept.keys()) {
        if (excess-- <= 0) break;
        kept.delete(id);
      }
    },
    forget(erasures) {
      if (erasures.length === 0) return;
      for (const [id, doc] of kept) if (erasures.some((e) => e.client === doc.client && e.property === doc.property)) kept.delete(id);
    },
    clear() {
      kept.clear();
    },
  };
}
