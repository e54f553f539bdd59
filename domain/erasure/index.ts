// The erasure log's public surface, in one import.
export {
  CLIENT_ERASED,
  ERASURE_STREAM_CATEGORY,
  ERASURE_STREAM_PREFIX,
  clientErased,
  clientErasedSchema,
  erasureEventSchemas,
  erasureStreamName,
  type ClientErased,
  type ErasureEvent,
} from './events.ts';
