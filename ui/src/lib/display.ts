// How a dimension value reads in a table: countries get a flag and their name, languages
// their name; the raw value stays what filters and exports use.
import { countryName, flagEmoji, languageName, supportsFlagEmoji } from './geo.ts';

export interface DimensionText {
  text: string;
  prefix?: string;
  /** 'code': the prefix is an ISO code shown as a badge, where flags do not draw. */
  prefixKind?: 'flag' | 'code';
  /** The raw value, shown as a tooltip when the text differs from it. */
  title?: string;
}

export function dimensionText(dimension: string, value: string): DimensionText {
  if (value === '') return { text: '(not set)' };
  if (dimension === 'country' && /^[A-Za-z]{2}$/.test(value)) {
    const name = countryName(value);
    const flags = supportsFlagEmoji();
    return { text: name, prefix: flags ? flagEmoji(value) : value.toUpperCase(), prefixKind: flags ? 'flag' : 'code', title: value.toUpperCase() };
  }
  if (dimension === 'language') {
    const name = languageName(value);
    return name === value ? { text: value } : { text: name, title: value };
  }
  return { text: value };
}
