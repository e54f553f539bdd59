// Time zones and currencies the browser knows, for the property forms.
export function timeZones(): string[] {
  try {
    const zones = Intl.supportedValuesOf('timeZone');
    return zones.includes('UTC') ? zones : ['UTC', ...zones];
  } catch {
    return ['UTC'];
  }
}

export function currencies(): { code: string; name: string }[] {
  let codes: string[];
  try {
    codes = Intl.supportedValuesOf('currency');
  } catch {
    codes = ['USD', 'EUR', 'GBP', 'JPY'];
  }
  let names: Intl.DisplayNames | undefined;
  try {
    names = new Intl.DisplayNames(undefined, { type: 'currency' });
  } catch {
    names = undefined;
  }
  return codes.map((code) => ({ code, name: names?.of(code) ?? code }));
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The currency of the browser's region when it can be guessed, else USD. */
export function browserCurrency(): string {
  const region = new Intl.Locale(navigator.language || 'en-US').maximize().region;
  const byRegion: Record<string, string> = { US: 'USD', GB: 'GBP', JP: 'JPY', CH: 'CHF', CA: 'CAD', AU: 'AUD', IN: 'INR', BR: 'BRL', SE: 'SEK', NO: 'NOK', DK: 'DKK', PL: 'PLN', CN: 'CNY' };
  const euro = ['DE', 'FR', 'ES', 'IT', 'NL', 'BE', 'AT', 'PT', 'IE', 'FI', 'GR', 'LU', 'SK', 'SI', 'EE', 'LV', 'LT', 'MT', 'CY', 'HR'];
  if (region && euro.includes(region)) return 'EUR';
  return (region && byRegion[region]) || 'USD';
}
