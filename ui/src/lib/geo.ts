// Flags and names for ISO 3166-1 alpha-2 country codes, without any image or table:
// a flag emoji is the code's two letters as regional indicator symbols.

export function flagEmoji(code: string): string {
  if (!/^[A-Za-z]{2}$/.test(code)) return '';
  const base = 0x1f1e6 - 'A'.charCodeAt(0);
  const upper = code.toUpperCase();
  return String.fromCodePoint(base + upper.charCodeAt(0), base + upper.charCodeAt(1));
}

let flagSupport: boolean | undefined;

/**
 * Whether this browser draws flag emoji (Windows, and machines without an emoji font,
 * draw two letters or two boxes instead). A flag that is one glyph is about as wide as
 * one regional indicator; an unsupported one is two side by side.
 */
export function supportsFlagEmoji(): boolean {
  if (flagSupport !== undefined) return flagSupport;
  flagSupport = true;
  try {
    const context = typeof document === 'undefined' ? null : document.createElement('canvas').getContext('2d');
    if (context) {
      context.font = '32px sans-serif';
      const pair = context.measureText(flagEmoji('GB')).width;
      const single = context.measureText(String.fromCodePoint(0x1f1ec)).width;
      flagSupport = single > 0 && pair < single * 1.5;
    }
  } catch {
    flagSupport = true;
  }
  return flagSupport;
}

let regionNames: Intl.DisplayNames | undefined | null;
let languageNames: Intl.DisplayNames | undefined | null;

export function countryName(code: string): string {
  if (!/^[A-Za-z]{2}$/.test(code)) return code;
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(undefined, { type: 'region' });
    } catch {
      regionNames = null;
    }
  }
  try {
    return regionNames?.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}

export function languageName(tag: string): string {
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag)) return tag;
  if (languageNames === undefined) {
    try {
      languageNames = new Intl.DisplayNames(undefined, { type: 'language' });
    } catch {
      languageNames = null;
    }
  }
  try {
    return languageNames?.of(tag) ?? tag;
  } catch {
    return tag;
  }
}
