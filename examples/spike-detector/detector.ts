// The spike detector's logic, pure: feed it (client, time) pairs in arrival order, and
// it says when a client has sent more than `threshold` hits within `windowMs`.
//
// Memory stays bounded whatever a client sends: per client it keeps only the times of
// its last `threshold + 1` hits (more than `threshold` hits lie within the window
// exactly when the oldest of the last `threshold + 1` does), and `prune` forgets
// clients that have been quiet for a whole window.

export interface SpikeDetectorOptions {
  /** Hits allowed per window; one more is a spike. */
  threshold: number;
  /** Default 60 000 (hits per minute). */
  windowMs?: number;
}

export interface Spike {
  client: string;
  /** More than `threshold` hits arrived between `from` and `to` (epoch ms). */
  hits: number;
  from: number;
  to: number;
}

export interface SpikeDetector {
  /** Records a hit; returns a spike the first time the client goes over the threshold (again after it calmed down). */
  observe(client: string, time: number): Spike | undefined;
  /** Forgets clients whose last hit is a whole window older than `now`. */
  prune(now: number): void;
  /** Clients currently remembered. */
  size(): number;
}

interface ClientWindow {
  /** Times of the last `threshold + 1` hits, oldest first. */
  times: number[];
  /** Over the threshold now: do not flag again until it drops back. */
  flagged: boolean;
}

export function createSpikeDetector(options: SpikeDetectorOptions): SpikeDetector {
  const { threshold } = options;
  const windowMs = options.windowMs ?? 60_000;
  if (!Number.isInteger(threshold) || threshold < 1) throw new RangeError('threshold: must be an integer >= 1');
  if (!Number.isFinite(windowMs) || windowMs <= 0) throw new RangeError('windowMs: must be a positive number');
  const clients = new Map<string, ClientWindow>();

  return {
    observe(client, time) {
      let window = clients.get(client);
      if (!window) {
        window = { times: [], flagged: false };
        clients.set(client, window);
      }
      // Hits reach us in log order; a time earlier than the last one (clocks of
      // several collectors) counts as the last one, so the window never runs backwards.
      const last = window.times[window.times.length - 1];
      const at = last === undefined ? time : Math.max(time, last);
      window.times.push(at);
      if (window.times.length > threshold + 1) window.times.shift();
      const oldest = window.times[0]!;
      const over = window.times.length === threshold + 1 && at - oldest < windowMs;
      if (!over) {
        window.flagged = false;
        return undefined;
      }
      if (window.flagged) return undefined;
      window.flagged = true;
      return { client, hits: window.times.length, from: oldest, to: at };
    },
    prune(now) {
      for (const [client, window] of clients) {
        const last = window.times[window.times.length - 1];
        if (last === undefined || now - last >= windowMs) clients.delete(client);
      }
    },
    size: () => clients.size,
  };
}
