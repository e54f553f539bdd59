// Measurement Protocol v1: payload parsing and validation, batch splitting, and the
// /debug/collect answer. Pure functions; the HTTP layer lives elsewhere.
export { anonymiseIp } from './anonymise-ip.ts';
export { splitBatch, MAX_BATCH_HITS, MAX_BATCH_BYTES } from './batch.ts';
export { buildDebugResponse, type DebugHitInput, type DebugHitResult, type DebugResponse } from './debug-response.ts';
export type { MessageCode, ParserMessage } from './messages.ts';
export { MAX_QUEUE_TIME_MS, PARAMETERS, resolveParameter, type ParameterDefinition, type ValueType } from './parameters.ts';
export { MAX_GET_URL_BYTES, MAX_PARAMETERS, MAX_PAYLOAD_BYTES, parsePayload, type ParsedPayload } from './parse-payload.ts';
