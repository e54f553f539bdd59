// URL-decoding of payload keys and values (ga-processing.md §1.3): `+` is a space,
// `%XX` a byte, bytes are UTF-8. Never throws: a `%` without two hex digits, a byte
// sequence that is not UTF-8, and a lone surrogate all become U+FFFD.

// Anything that needs work: an escape, a plus, or a surrogate (paired or not).
const NEEDS_DECODING = /[%+\uD800-\uDFFF]/;
const SURROGATE = /[\uD800-\uDFFF]/;
const PLUS = /\+/g;
const REPLACEMENT = [0xef, 0xbf, 0xbd] as const;

const hexValue = (c: number): number => {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
};

export function decodeComponent(text: string): string {
  if (!NEEDS_DECODING.test(text)) return text;
  const plain = text.includes('+') ? text.replace(PLUS, ' ') : text;
  if (!plain.includes('%')) {
    // Only surrogates to check: a round trip through UTF-8 replaces the lone ones.
    return Buffer.from(plain, 'utf8').toString('utf8');
  }
  if (!SURROGATE.test(plain)) {
    // The native decoder is fast and exact for well-formed input; it throws on the rest.
    try {
      return decodeURIComponent(plain);
    } catch {
      // broken escape or invalid UTF-8: decoded byte by byte below
    }
  }
  // Every character takes at most 3 bytes in UTF-8 and an escape 3 characters for 1 byte.
  const bytes = Buffer.allocUnsafe(plain.length * 3);
  let length = 0;
  let runStart = 0;
  let i = plain.indexOf('%');
  while (i !== -1) {
    if (i > runStart) length += bytes.write(plain.slice(runStart, i), length, 'utf8');
    const high = i + 1 < plain.length ? hexValue(plain.charCodeAt(i + 1)) : -1;
    const low = i + 2 < plain.length ? hexValue(plain.charCodeAt(i + 2)) : -1;
    if (high >= 0 && low >= 0) {
      bytes[length++] = (high << 4) | low;
      runStart = i + 3;
    } else {
      // A broken escape: the `%` becomes U+FFFD, the characters after it are kept.
      for (const b of REPLACEMENT) bytes[length++] = b;
      runStart = i + 1;
    }
    i = plain.indexOf('%', runStart);
  }
  if (runStart < plain.length) length += bytes.write(plain.slice(runStart), length, 'utf8');
  // Buffer's UTF-8 decoder replaces every malformed sequence with U+FFFD.
  return bytes.toString('utf8', 0, length);
}
