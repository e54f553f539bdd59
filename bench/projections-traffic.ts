// Steady synthetic hits for the projections benchmark's lag phase: visitors arrive,
// view pages, send events and now and then buy, as already-enriched `ReceivedHit`s for
// the collector's hit recorder (the live write path minus HTTP). The history the replay
// reads comes from simulator/ instead; this only needs hits in time order, fast.
import type { Geo, ReceivedHit } from '../domain/hit.ts';
import type { PropertySettings } from '../domain/property/settings.ts';

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0',
];
const PLACES: Geo[] = [
  { country: 'DE', region: 'Berlin', city: 'Berlin', continent: 'Europe' },
  { country: 'DE', region: 'Bavaria', city: 'Munich', continent: 'Europe' },
  { country: 'FR', region: 'Ile-de-France', city: 'Paris', continent: 'Europe' },
  { country: 'US', region: 'California', city: 'San Francisco', continent: 'Americas' },
  { country: 'US', region: 'New York', city: 'New York', continent: 'Americas' },
  { country: 'JP', region: 'Tokyo', city: 'Tokyo', continent: 'Asia' },
  { country: 'BR', region: 'Sao Paulo', city: 'Sao Paulo', continent: 'Americas' },
];
const REFERRERS = [
  undefined,
  undefined,
  'https://www.google.com/search?q=running+shoes',
  'https://www.bing.com/search?q=shoes',
  'https://www.facebook.com/',
  'https://news.ycombinator.com/item?id=1',
  'https://blog.example.org/post/shoes',
];
const CAMPAIGNS = ['?utm_source=newsletter&utm_medium=email&utm_campaign=spring', '?utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=shoes'];
const LANGUAGES = ['en-us', 'de-de', 'fr-fr', 'ja-jp', 'pt-br'];
const SCREENS = ['1920x1080', '1440x900', '390x844', '412x915', '820x1180'];

/** Park–Miller PRNG: deterministic by seed. */
function random(seed: number): () => number {
  let state = (seed % 2147483646) + 1;
  return () => {
    state = (state * 16807) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

export interface TrafficOptions {
  property: PropertySettings;
  visitors: number;
  days: number;
  /** Epoch ms of the first day's start. */
  start: number;
  seed?: number;
}

/**
 * Hits in time order. Visits are laid out over the period; some visitors come back.
 * Yields one hit at a time so a long run never sits in memory.
 */
export function* generateHits(options: TrafficOptions): Generator<ReceivedHit> {
  const { property, visitors, days, start } = options;
  const rnd = random(options.seed ?? 42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  // Visits: (time, visitor, number of hits), sorted by time; hits of a visit spaced 5-90 s.
  type Visit = { at: number; visitor: number; hits: number };
  const visits: Visit[] = [];
  for (let v = 0; v < visitors; v++) {
    const returns = rnd() < 0.3 ? 1 + Math.floor(rnd() * 3) : 0;
    for (let r = 0; r <= returns; r++) visits.push({ at: start + Math.floor(rnd() * days * 86_400_000), visitor: v, hits: 1 + Math.floor(rnd() * rnd() * 14) });
  }
  visits.sort((a, b) => a.at - b.at);
  const profile = (visitor: number) => ({ ua: USER_AGENTS[visitor % USER_AGENTS.length]!, geo: PLACES[(visitor * 7) % PLACES.length]!, ul: LANGUAGES[visitor % LANGUAGES.length]!, sr: SCREENS[(visitor * 3) % SCREENS.length]! });

  // Interleave visits: a small heap would be exact; a window of open visits keeps the log roughly in time order.
  type Open = { visit: Visit; next: number; left: number; index: number };
  const open: Open[] = [];
  let cursor = 0;
  let sequence = 0;
  while (cursor < visits.length || open.length > 0) {
    while (cursor < visits.length && (open.length === 0 || visits[cursor]!.at <= Math.min(...open.map((o) => o.next)))) {
      const visit = visits[cursor++]!;
      open.push({ visit, next: visit.at, left: visit.hits, index: 0 });
    }
    let k = 0;
    for (let i = 1; i < open.length; i++) if (open[i]!.next < open[k]!.next) k = i;
    const o = open[k]!;
    const p = profile(o.visit.visitor);
    const cid = `${100000 + o.visit.visitor}.${1600000000 + o.visit.visitor}`;
    const first = o.index === 0;
    const path = first ? pick(['/', '/', '/shoes', '/blog/running', '/sale']) : `/product/${Math.floor(rnd() * rnd() * 300)}`;
    const roll = rnd();
    let params: Record<string, string | number | boolean>;
    if (first || roll < 0.65) {
      const campaign = first && rnd() < 0.15 ? pick(CAMPAIGNS) : '';
      params = { t: 'pageview', dl: `https://mysite.com${path}${campaign}`, dt: `Page ${path}` };
      const referrer = first ? pick(REFERRERS) : undefined;
      if (referrer !== undefined) params['dr'] = referrer;
    } else if (roll < 0.9) {
      params = { t: 'event', ec: pick(['Video', 'Form', 'Outbound']), ea: pick(['Play', 'Pause', 'Submit', 'Click']), el: `label-${Math.floor(rnd() * 10)}`, ev: Math.floor(rnd() * 5) };
      if (rnd() < 0.2) params['ni'] = '1';
    } else if (roll < 0.97) {
      params = { t: 'pageview', dl: `https://mysite.com/cart`, dt: 'Cart', pa: 'add', pr1id: `SKU${o.index}`, pr1nm: 'Shoe', pr1pr: 59.9, pr1qt: 1 };
    } else {
      params = {
        t: 'event',
        ec: 'Ecommerce',
        ea: 'Purchase',
        pa: 'purchase',
        ti: `T${o.visit.visitor}-${o.index}`,
        tr: 119.8,
        tt: 19.1,
        ts: 4.9,
        pr1id: 'SKU1',
        pr1nm: 'Shoe',
        pr1ca: 'Running',
        pr1pr: 59.9,
        pr1qt: 2,
      };
    }
    sequence += 1;
    const hit: ReceivedHit = {
      id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
      params: { v: '1', tid: property.id, cid, ul: p.ul, sr: p.sr, ...params },
      time: o.next,
      receivedAt: o.next,
      ip: '203.0.113.0',
      geo: p.geo,
      userAgent: p.ua,
      isBot: false,
    };
    yield hit;
    o.index += 1;
    o.left -= 1;
    o.next += 5_000 + Math.floor(rnd() * 85_000);
    if (o.left <= 0) open.splice(k, 1);
  }
}
