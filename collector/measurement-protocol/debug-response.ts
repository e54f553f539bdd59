// The /debug/collect answer (ga-processing.md §1.6), in the shape GA's validator
// returns: one `hitParsingResult` per hit, and a top-level INFO counting the hits.
import { anonymiseIp } from './anonymise-ip.ts';
import type { ParserMessage } from './messages.ts';
import type { ParsedPayload } from './parse-payload.ts';

export interface DebugHitResult {
  valid: boolean;
  parserMessage: ParserMessage[];
  /** The path and query as received; with `uip`, `?_anon_uip=<anonymised ip>` appended as GA does. */
  hit: string;
}

export interface DebugResponse {
  hitParsingResult: DebugHitResult[];
  parserMessage: ParserMessage[];
}

export interface DebugHitInput {
  /** Path and query of the hit as the caller received it, e.g. `/debug/collect?v=1&tid=...`. */
  hit: string;
  parsed: ParsedPayload;
  /** Messages from later stages (the collector's own checks); an ERROR among them makes the hit invalid. */
  extraMessages?: readonly ParserMessage[];
}

/** GA's key order: messageType, description, messageCode, parameter; absent keys omitted. */
function copyMessage(message: ParserMessage): ParserMessage {
  const copy: ParserMessage = { messageType: message.messageType, description: message.description };
  if (message.messageCode !== undefined) copy.messageCode = message.messageCode;
  if (message.parameter !== undefined) copy.parameter = message.parameter;
  return copy;
}

export function buildDebugResponse(results: readonly DebugHitInput[]): DebugResponse {
  const hitParsingResult = results.map(({ hit, parsed, extraMessages = [] }): DebugHitResult => {
    const parserMessage = [...parsed.messages, ...extraMessages].map(copyMessage);
    const valid = parsed.valid && !extraMessages.some((m) => m.messageType === 'ERROR');
    const uip = parsed.params.uip;
    const anonymised = typeof uip === 'string' ? anonymiseIp(uip) : undefined;
    // Appended with `?` even after a query string: that is what GA returns.
    return { valid, parserMessage, hit: anonymised === undefined ? hit : `${hit}?_anon_uip=${anonymised}` };
  });
  const n = results.length;
  return {
    hitParsingResult,
    parserMessage: [{ messageType: 'INFO', description: `Found ${n} ${n === 1 ? 'hit' : 'hits'} in the request.` }],
  };
}
