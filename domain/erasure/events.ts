// The erasure log: one `erasure-<tid>` stream per property records every visitor the
// GDPR erasure removed. The read API appends `ClientErased.v1` BEFORE it deletes the
// client stream, so the projections learn of the erasure even if the process dies
// between the two steps, and a replay from the start meets it again.
//
// The event names the erased stream (`client-<tid>.<c|u>.<id>`): the projections need
// it to find the visitor's rows (session ids are `<stream without "client-">:<n>`).
import { z } from 'zod';
import { TID_PATTERN } from '../property/fields.ts';

export const ERASURE_STREAM_CATEGORY = 'erasure';
export const ERASURE_STREAM_PREFIX = `${ERASURE_STREAM_CATEGORY}-`;

/** `erasure-<tid>`: a tracking id (UA-<digits>-<digits>) is a valid stream name as it is, like `property-<tid>`. */
export const erasureStreamName = (propertyId: string): string => `${ERASURE_STREAM_PREFIX}${propertyId}`;

export const CLIENT_ERASED = 'ClientErased.v1';

export const clientErasedSchema = z
  .object({
    propertyId: z.string().regex(TID_PATTERN).describe('The tracking id (`tid`) of the property the visitor belonged to.'),
    stream: z
      .string()
      .startsWith('client-')
      .describe('The erased client stream, `client-<tid>.<c|u>.<id>`; its session ids are `<stream without "client-">:<number>`.'),
    at: z.number().int().min(0).describe('When the erasure was requested, epoch milliseconds.'),
  })
  .describe('A visitor was erased (GDPR): every read model must forget the stream and its sessions.');

/** Versioned event type name → zod schema of its data. */
export const erasureEventSchemas = {
  [CLIENT_ERASED]: clientErasedSchema,
} as const satisfies Record<string, z.ZodType>;

export type ClientErased = z.infer<typeof clientErasedSchema>;
export type ErasureEvent = { type: typeof CLIENT_ERASED; data: ClientErased };

/** The event recording one erasure; the caller appends it to `erasureStreamName(propertyId)`. */
export const clientErased = (propertyId: string, stream: string, at: number): ErasureEvent => ({
  type: CLIENT_ERASED,
  data: { propertyId, stream, at },
});
