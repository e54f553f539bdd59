// `/batch` bodies: one payload per line (MP-DEV "Batch limitations", ga-processing.md
// §1.1): at most 20 hits, at most 16,384 bytes of payloads in all, none above 8,192
// bytes ([I] "16K"/"8K" read as KiB). A request breaking a limit is refused whole.
import type { ParserMessage } from './messages.ts';
import { exceedsBytes, MAX_PAYLOAD_BYTES } from './parse-payload.ts';

export const MAX_BATCH_HITS = 20;
export const MAX_BATCH_BYTES = 16384;
/** Characters scanned at most, blank lines included, so a huge body costs bounded work. */
const MAX_BODY_CHARS = 4 * MAX_BATCH_BYTES;

const batchError = (description: string, messageCode: string): ParserMessage => ({ messageType: 'ERROR', description, messageCode });

const tooLarge = (): ParserMessage =>
  batchError(`The hits of the request total more than ${MAX_BATCH_BYTES} bytes; the request was not processed.`, 'BATCH_TOO_LARGE');

/**
 * The payloads of a batch body, one per non-blank line (`\n` or `\r\n`), in order.
 * With `error`, the request broke a limit and `payloads` is empty.
 */
export function splitBatch(body: string): { payloads: string[]; error?: ParserMessage } {
  if (body.length > MAX_BODY_CHARS) return { payloads: [], error: tooLarge() };
  const payloads: string[] = [];
  let total = 0;
  for (let start = 0; start < body.length; ) {
    let end = body.indexOf('\n', start);
    if (end === -1) end = body.length;
    let line = body.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim().length === 0) continue;
    if (payloads.length === MAX_BATCH_HITS) {
      return {
        payloads: [],
        error: batchError(`The request contains more than ${MAX_BATCH_HITS} hits; the request was not processed.`, 'BATCH_TOO_MANY_HITS'),
      };
    }
    if (exceedsBytes(line, MAX_PAYLOAD_BYTES)) {
      return {
        payloads: [],
        error: batchError(`Hit ${payloads.length + 1} of the request is larger than ${MAX_PAYLOAD_BYTES} bytes; the request was not processed.`, 'PAYLOAD_TOO_LARGE'),
      };
    }
    total += Buffer.byteLength(line, 'utf8');
    if (total > MAX_BATCH_BYTES) return { payloads: [], error: tooLarge() };
    payloads.push(line);
  }
  return { payloads };
}
