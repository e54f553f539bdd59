// How a dimension value reads in a table: countries get a flag and their name, languages
// their name; the raw value stays what filters and exports use.
import { countryName, flagEmoji, languageName } from './geo.ts';

export interface DimensionText {
  text: string;
  prefix?: string;
  /** The raw value, shown as a tooltip when the text differs from it. */
  title?: string;
}

export function dimensionText(dimension: string, value: string): DimensionText {
  if (value === '') return { text: '(not set)' };
  if (dimension === 'country' && /^[A-Za-z]{2}$/.test(value)) {
    const name = countryName(value);
    return { text: name, prefix: flagEmoji(value), title: value.toUpperCase() };
  }
  if (dimension === 'language') {
    const name = languageName(value);
    return name === value ? { text: value } : { text: name, title: value };
  }
  return { text: value };
}
