// Ties the pieces together: client events from the stream, one per hit, go through the
// detector; each spike is reported with the event's property.
import { z } from 'zod';
import { createSpikeDetector, type Spike } from './detector.ts';
import { subscribe, type SubscribeOptions } from './subscribe.ts';

/** The part of a streamed event the detector reads. Every `client-` event is one hit, processed or discarded. */
const streamedHit = z.object({
  stream: z.string().startsWith('client-'),
  created: z.number(),
  data: z.object({ hit: z.object({ receivedAt: z.number() }).optional() }).optional(),
});

export interface SpikeReport extends Spike {
  property: string;
  /** The position of the event that crossed the threshold. */
  position: string | undefined;
}

export interface WatchOptions extends Omit<SubscribeOptions, 'onEvent' | 'types'> {
  threshold: number;
  windowMs?: number;
  onSpike(report: SpikeReport): void;
}

/** `client-<tid>.<c|u>.<id>` → `<tid>` (a tracking id never holds a '.'). */
const propertyOf = (stream: string): string => stream.slice('client-'.length, stream.indexOf('.'));

export async function watchForSpikes(options: WatchOptions): Promise<void> {
  const detector = createSpikeDetector({ threshold: options.threshold, ...(options.windowMs ? { windowMs: options.windowMs } : {}) });
  let seen = 0;
  const { threshold: _threshold, windowMs: _windowMs, onSpike, ...rest } = options;
  await subscribe({
    ...rest,
    onEvent(event) {
      const parsed = streamedHit.safeParse(JSON.parse(event.data));
      if (!parsed.success) return; // property and erasure events: not hits
      const { stream, created, data } = parsed.data;
      const time = data?.hit?.receivedAt ?? created;
      const spike = detector.observe(stream, time);
      if (spike) onSpike({ ...spike, property: propertyOf(stream), position: event.id });
      if (++seen % 10_000 === 0) detector.prune(time);
    },
  });
}
