// NDJSON framing: bytes or text → numbered lines, with a bound on a line's length so a
// file without newlines cannot grow one string without limit. Blank lines are skipped
// but still counted, so reported line numbers are the file's own.
import { StringDecoder } from 'node:string_decoder';

/** Characters one line may hold; a real hit is well under 10,000. */
export const MAX_LINE_CHARS = 64 * 1024;

export type RawLine = { number: number; text: string } | { number: number; tooLong: true };

/** Splits text held in memory (an HTTP body). */
export function* linesOfText(text: string, maxLineChars = MAX_LINE_CHARS): Generator<RawLine> {
  let number = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    number += 1;
    if (end - start > maxLineChars) yield { number, tooLong: true };
    else {
      const line = text.slice(start, end).trim();
      if (line !== '') yield { number, text: line };
    }
    start = end + 1;
  }
}

/** Splits a byte stream (a file) as it arrives; at most one line is held at a time. */
export async function* linesOfStream(source: AsyncIterable<Buffer | string>, maxLineChars = MAX_LINE_CHARS): AsyncGenerator<RawLine> {
  const decoder = new StringDecoder('utf8');
  let number = 0;
  let pending = '';
  let skipping = false; // inside a line already reported as too long
  const finish = (line: string): RawLine | undefined => {
    number += 1;
    if (skipping) {
      skipping = false;
      return { number, tooLong: true };
    }
    if (line.length > maxLineChars) return { number, tooLong: true };
    const trimmed = line.trim();
    return trimmed === '' ? undefined : { number, text: trimmed };
  };
  for await (const chunk of source) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end === -1) break;
      const line = finish(pending + text.slice(start, end));
      pending = '';
      if (line) yield line;
      start = end + 1;
    }
    if (!skipping) {
      pending += text.slice(start);
      if (pending.length > maxLineChars) {
        skipping = true;
        pending = '';
      }
    }
  }
  pending += decoder.end();
  if (pending !== '' || skipping) {
    const line = finish(pending);
    if (line) yield line;
  }
}
