// Synthetic, realistic Measurement Protocol traffic from a seed: the same options give
// the same hits, byte for byte.
//
// Plan, then play:
// - every visitor gets a profile (device, browser, screen, language, address in a GeoIP
//   test network, or a crawler) and its visit start times: one visit, or several on later
//   days for returning visitors; start times follow the weekday and daily curves of the
//   property's time zone across the last `days` days, up to `now`;
// - visits are sorted by start, and each is played (its hits generated from its own
//   sub-generator) when its start comes; a heap of the visits in progress yields hits in
//   time order. Only the visits in progress are held as hits, so memory grows with the
//   number of visitors (their profiles), not with the number of hits.
import { TZDate } from '@date-fns/tz';
import {
  BOTS,
  BROWSERS,
  CAMPAIGNS,
  DEVICE_SHARES,
  HOURLY_WEIGHTS,
  LANGUAGES,
  PAGES,
  pagesOf,
  REFERRAL_SITES,
  SCREENS,
  SEARCH_ENGINES,
  SEARCH_TERMS,
  SITE_SEARCHES,
  SOCIAL_REFERRERS,
  WEEKDAY_WEIGHTS,
  type Campaign,
  type DeviceKind,
  type Page,
  type PageKind,
} from './catalog.ts';
import { addressIn, networkPicker, type GeoNetwork } from './networks.ts';
import { createRandom, type Random } from './random.ts';

export interface TrafficOptions {
  /** The property's tracking id (`tid`). */
  tid: string;
  /** The site's URL: its origin prefixes every page (the property's defaultUrl). */
  siteUrl: string;
  /** IANA time zone of the daily curve (the property's). */
  timeZone: string;
  visitors: number;
  /** Visits start within the last `days` calendar days (today included). */
  days: number;
  seed: string | number;
  /** The end of the simulated period, epoch ms; no hit is later. */
  now: number;
  /** Where visitors' addresses come from (networks.ts). */
  networks: readonly GeoNetwork[];
  /** Share of human visitors who come back on later days. Default 0.3. */
  returningShare?: number;
  /** Share of visitors that are crawlers. Default 0.03. */
  botShare?: number;
  /** ISO 4217 code sent with ecommerce hits. Default USD. */
  currency?: string;
}

export interface SimulatedHit {
  /** When the hit happens, epoch ms. */
  time: number;
  /** 0-based visitor number. */
  visitor: number;
  /** 1-based visit of that visitor (a session, as the simulator meant it). */
  visit: number;
  bot: boolean;
  /** The visitor's country as the GeoIP test data says; undefined when it has none. */
  country: string | undefined;
  /** Measurement Protocol parameters, `uip` and `ua` included. */
  params: Record<string, string>;
}

const HOUR = 3_600_000;
const MINUTE = 60_000;
const SECOND = 1000;
/** Visits of one visitor start at least this far apart, so they never overlap. */
const MIN_VISIT_GAP = 2 * HOUR;
/** The last visit starts at least this long before `now`. */
const LAST_START_MARGIN = MINUTE;

interface Visitor {
  index: number;
  cid: string;
  bot: boolean;
  device: DeviceKind;
  userAgent: string;
  screen: string;
  viewport: string;
  language: string;
  ip: string;
  country: string | undefined;
}

interface PlannedVisit {
  start: number;
  visitor: number;
  visit: number;
}

// ---- calendar -------------------------------------------------------------------

interface Calendar {
  /** Day index 0 is the oldest day, days - 1 is today (local). */
  dayWeights: number[];
  hourStarts: number[][];
}

function buildCalendar(now: number, days: number, timeZone: string): Calendar {
  const today = new TZDate(now, timeZone);
  const [y, m, d] = [today.getFullYear(), today.getMonth(), today.getDate()];
  const dayWeights: number[] = [];
  const hourStarts: number[][] = [];
  for (let index = 0; index < days; index++) {
    const back = days - 1 - index;
    const midnight = new TZDate(y, m, d - back, 0, 0, 0, timeZone);
    const growth = days === 1 ? 1 : 0.85 + (0.3 * index) / (days - 1);
    dayWeights.push((WEEKDAY_WEIGHTS[midnight.getDay()] ?? 1) * growth);
    const starts: number[] = [];
    for (let hour = 0; hour < 24; hour++) starts.push(new TZDate(y, m, d - back, hour, 0, 0, timeZone).getTime());
    hourStarts.push(starts);
  }
  return { dayWeights, hourStarts };
}

const HOURS = HOURLY_WEIGHTS.map((weight, hour) => [hour, weight] as const);
const FLAT_HOURS = HOURLY_WEIGHTS.map((_, hour) => [hour, 1] as const);

/** A visit start on one of the days from `fromDay`, following the curves, before now. */
function drawStart(random: Random, calendar: Calendar, fromDay: number, now: number, flat: boolean): number {
  const days = calendar.dayWeights.map((weight, index) => [index, index >= fromDay ? weight : 0] as const);
  for (let attempt = 0; attempt < 12; attempt++) {
    const day = random.weighted(days);
    const hour = random.weighted(flat ? FLAT_HOURS : HOURS);
    const start = calendar.hourStarts[day]![hour]! + Math.floor(random.next() * HOUR);
    if (start <= now - LAST_START_MARGIN) return start;
  }
  return now - LAST_START_MARGIN - Math.floor(random.next() * HOUR);
}

// ---- visitors ----------------------------------------------------------------------

function planVisitor(index: number, random: Random, options: Required<Pick<TrafficOptions, 'returningShare' | 'botShare'>> & TrafficOptions, calendar: Calendar, pickNetwork: (random: Random) => GeoNetwork): { visitor: Visitor; starts: number[] } {
  const bot = random.chance(options.botShare);
  const network = pickNetwork(random);
  const ip = addressIn(network, random);
  const country = network.country;
  let device: DeviceKind;
  let userAgent: string;
  if (bot) {
    device = 'desktop';
    userAgent = random.weighted(BOTS).userAgent;
  } else {
    device = random.weighted(DEVICE_SHARES);
    userAgent = random.weighted(BROWSERS[device]).userAgent;
  }
  const { screen, viewport } = random.weighted(SCREENS[device]);
  const native = country === undefined ? undefined : LANGUAGES[country];
  const language = native === undefined || random.chance(0.12) ? random.pick(['en-us', 'en-us', 'en-gb']) : native;

  const first = drawStart(random, calendar, 0, options.now, bot);
  const starts = [first];
  const returning = bot ? random.chance(0.5) : random.chance(options.returningShare);
  if (returning) {
    let firstDay = 0;
    calendar.hourStarts.forEach((hours, day) => {
      if (hours[0]! <= first) firstDay = day;
    });
    let extra = 1;
    while (extra < 6 && random.chance(0.45)) extra++;
    for (let i = 0; i < extra; i++) starts.push(drawStart(random, calendar, firstDay, options.now, bot));
  }
  starts.sort((a, b) => a - b);
  const spaced: number[] = [];
  for (const start of starts) {
    if (start < first) continue;
    if (spaced.length === 0 || start - spaced[spaced.length - 1]! >= MIN_VISIT_GAP) spaced.push(start);
  }
  const cid = `${random.int(100_000_000, 2_147_483_647)}.${Math.floor(first / 1000)}`;
  return { visitor: { index, cid, bot, device, userAgent, screen, viewport, language, ip, country }, starts: spaced };
}

// ---- one visit -------------------------------------------------------------------------

type Source =
  | { kind: 'direct' }
  | { kind: 'organic'; referrer: string }
  | { kind: 'referral'; referrer: string }
  | { kind: 'social'; referrer: string }
  | { kind: 'campaign'; campaign: Campaign; query: string };

function chooseSource(random: Random, firstVisit: boolean, bot: boolean): Source {
  if (bot) return { kind: 'direct' };
  const kind = random.weighted<Source['kind']>(
    firstVisit
      ? [
          ['organic', 34],
          ['direct', 20],
          ['referral', 10],
          ['social', 13],
          ['campaign', 23],
        ]
      : [
          ['direct', 45],
          ['organic', 28],
          ['campaign', 15],
          ['social', 6],
          ['referral', 6],
        ],
  );
  switch (kind) {
    case 'direct':
      return { kind };
    case 'organic': {
      const engine = random.weighted(SEARCH_ENGINES);
      return { kind, referrer: engine.referrer(random.chance(engine.queryShare) ? random.pick(SEARCH_TERMS) : undefined) };
    }
    case 'referral': {
      const site = random.weighted(REFERRAL_SITES);
      return { kind, referrer: site.endsWith('=') ? `${site}${random.int(30_000_000, 40_000_000)}` : site.endsWith('/') ? `${site}${random.alphanumeric(8).toLowerCase()}` : site };
    }
    case 'social': {
      const site = random.weighted(SOCIAL_REFERRERS);
      return { kind, referrer: site === 'https://t.co/' ? `${site}${random.alphanumeric(10)}` : site };
    }
    case 'campaign': {
      const campaign = firstVisit ? random.weighted(CAMPAIGNS) : CAMPAIGNS[0]![0]; // returning visitors come back from the newsletter
      const name = random.pick(campaign.names);
      const utm = new URLSearchParams();
      if (campaign.gclid) {
        // Auto-tagged Google Ads clicks carry only a gclid; some accounts add UTM values too.
        if (random.chance(0.3)) {
          utm.set('utm_source', campaign.source);
          utm.set('utm_medium', campaign.medium);
          utm.set('utm_campaign', name);
          utm.set('utm_term', random.pick(SEARCH_TERMS));
        }
        utm.set('gclid', `Cj0KCQjw${random.alphanumeric(40)}`);
      } else {
        utm.set('utm_source', campaign.source);
        utm.set('utm_medium', campaign.medium);
        utm.set('utm_campaign', name);
        if (campaign.contents) utm.set('utm_content', random.pick(campaign.contents));
      }
      return { kind, campaign, query: utm.toString() };
    }
  }
}

function landingPage(random: Random, source: Source, bot: boolean): Page {
  if (bot) return random.pick(PAGES);
  const kinds: readonly (readonly [PageKind, number])[] =
    source.kind === 'direct'
      ? [['home', 70], ['category', 10], ['product', 10], ['post', 10]]
      : source.kind === 'organic'
        ? [['post', 40], ['home', 25], ['product', 25], ['category', 10]]
        : source.kind === 'social'
          ? [['post', 70], ['product', 20], ['home', 10]]
          : source.kind === 'referral'
            ? [['post', 45], ['product', 25], ['home', 20], ['info', 10]]
            : source.campaign.medium === 'cpc'
              ? [['product', 50], ['category', 35], ['home', 15]]
              : [['product', 45], ['home', 30], ['post', 25]];
  return random.pick(pagesOf(random.weighted(kinds)));
}

const NEXT: Record<PageKind, readonly (readonly [PageKind, number])[]> = {
  home: [['category', 30], ['product', 20], ['blog', 12], ['post', 12], ['info', 10], ['search', 6]],
  category: [['product', 70], ['category', 10], ['home', 10], ['search', 6]],
  product: [['product', 40], ['category', 25], ['home', 12], ['post', 8], ['info', 8]],
  blog: [['post', 80], ['home', 10], ['category', 10]],
  post: [['post', 35], ['product', 25], ['blog', 15], ['home', 15], ['category', 10]],
  info: [['home', 40], ['category', 30], ['info', 20], ['blog', 10]],
  search: [['product', 65], ['category', 20], ['search', 5], ['home', 10]],
  cart: [['product', 45], ['category', 30], ['home', 25]],
  checkout: [['cart', 50], ['product', 30], ['home', 20]],
  payment: [['cart', 60], ['home', 40]],
  thanks: [['home', 60], ['blog', 40]],
};

interface CartLine {
  page: Page;
  quantity: number;
}

interface VisitContext {
  random: Random;
  visitor: Visitor;
  visit: number;
  options: TrafficOptions;
  origin: string;
  currency: string;
  hits: SimulatedHit[];
}

function hitOf(context: VisitContext, time: number, params: Record<string, string>): void {
  const { visitor, options, random } = context;
  context.hits.push({
    time,
    visitor: visitor.index,
    visit: context.visit,
    bot: visitor.bot,
    country: visitor.country,
    params: {
      v: '1',
      tid: options.tid,
      cid: visitor.cid,
      ...params,
      ul: visitor.language,
      sr: visitor.screen,
      vp: visitor.viewport,
      de: 'UTF-8',
      sd: '24-bit',
      je: '0',
      uip: visitor.ip,
      ua: visitor.userAgent,
      z: String(random.int(1, 2_147_483_647)),
    },
  });
}

function productParams(prefix: string, line: CartLine, position?: number): Record<string, string> {
  const product = line.page.product!;
  return {
    [`${prefix}id`]: product.sku,
    [`${prefix}nm`]: product.name,
    [`${prefix}ca`]: product.category,
    [`${prefix}br`]: product.brand,
    [`${prefix}pr`]: product.price.toFixed(2),
    [`${prefix}qt`]: String(line.quantity),
    ...(position === undefined ? {} : { [`${prefix}ps`]: String(position) }),
  };
}

const money = (value: number): string => value.toFixed(2);

function playVisit(context: VisitContext, start: number): SimulatedHit[] {
  const { random, visitor, origin, currency } = context;
  const source = chooseSource(random, context.visit === 1, visitor.bot);
  const buyer = !visitor.bot && random.chance(context.visit === 1 ? 0.025 : 0.06);
  let pageBudget: number;
  if (visitor.bot) pageBudget = random.int(4, 25);
  else if (buyer) pageBudget = random.int(6, 11);
  else if (random.chance(0.42)) pageBudget = 1; // a bounce
  else {
    pageBudget = 2;
    while (pageBudget < 14 && random.chance(0.62)) pageBudget++;
  }

  const cart: CartLine[] = [];
  let time = start;
  let page = landingPage(random, source, visitor.bot);
  const searchTerm = random.pick(SITE_SEARCHES);
  for (let n = 0; n < pageBudget; n++) {
    const landing = n === 0;
    const query = landing && source.kind === 'campaign' ? `?${source.query}` : page.kind === 'search' ? `?q=${encodeURIComponent(searchTerm)}` : '';
    const pageParams: Record<string, string> = {
      dl: `${origin}${page.path}${query}`,
      dt: page.title,
      ...(landing && 'referrer' in source ? { dr: source.referrer } : {}),
    };
    const dwell = visitor.bot ? random.int(300, 4000) : Math.min(6 * MINUTE, Math.max(4 * SECOND, Math.round(random.logNormal(35 * SECOND, 0.9))));

    // The pageview, with the purchase on the thank-you page (Enhanced Ecommerce) for half the buyers.
    const purchase = page.kind === 'thanks' && cart.length > 0;
    const enhanced = purchase && random.chance(0.5);
    const transactionId = purchase ? `W${random.int(100_000, 999_999)}-${random.hex(6).toUpperCase()}` : '';
    const revenue = cart.reduce((sum, line) => sum + line.page.product!.price * line.quantity, 0);
    const shipping = revenue >= 50 ? 0 : 4.9;
    const tax = Math.round(revenue * 0.19 * 100) / 100;
    const pageview: Record<string, string> = { t: 'pageview', ...pageParams };
    if (enhanced) {
      Object.assign(pageview, { pa: 'purchase', ti: transactionId, ta: 'Online store', tr: money(revenue + shipping), tt: money(tax), ts: money(shipping), cu: currency });
      cart.forEach((line, i) => Object.assign(pageview, productParams(`pr${i + 1}`, line)));
    } else if (page.kind === 'product' && !visitor.bot) {
      Object.assign(pageview, { pa: 'detail', ...productParams('pr1', { page, quantity: 1 }) });
    }
    hitOf(context, time, pageview);

    if (!visitor.bot) {
      const at = (fraction: number): number => time + Math.max(SECOND, Math.round(dwell * fraction));
      if (purchase && !enhanced) {
        // Classic ecommerce: a transaction hit and one item hit per line.
        hitOf(context, at(0.05), { t: 'transaction', ...pageParams, ti: transactionId, ta: 'Online store', tr: money(revenue + shipping), tt: money(tax), ts: money(shipping), cu: currency });
        cart.forEach((line, i) => {
          const product = line.page.product!;
          hitOf(context, at(0.05) + (i + 1) * 50, { t: 'item', ...pageParams, ti: transactionId, in: product.name, ip: money(product.price), iq: String(line.quantity), ic: product.sku, iv: product.category, cu: currency });
        });
      }
      if (purchase) cart.length = 0;
      if (random.chance(0.05)) hitOf(context, at(0.02), { t: 'timing', ...pageParams, utc: 'Page', utv: 'load', utt: String(Math.round(random.logNormal(900, 0.6))), ni: '1' });
      if (page.video && random.chance(0.3)) hitOf(context, at(0.2), { t: 'event', ...pageParams, ec: 'Video', ea: 'play', el: page.video });
      if (page.download && random.chance(0.2)) hitOf(context, at(0.5), { t: 'event', ...pageParams, ec: 'Downloads', ea: 'download', el: page.download });
      if (page.kind === 'post' && random.chance(0.02)) hitOf(context, at(0.7), { t: 'social', ...pageParams, sn: random.pick(['Facebook', 'Twitter', 'LinkedIn']), sa: 'share', st: `${origin}${page.path}` });
      if (random.chance(0.004)) hitOf(context, at(0.1), { t: 'exception', ...pageParams, exd: "TypeError: Cannot read properties of undefined (reading 'price')", exf: '0' });
      const wantsToAdd = page.kind === 'product' && (buyer ? cart.length < 3 && (cart.length === 0 || random.chance(0.4)) : random.chance(0.07));
      if (wantsToAdd) {
        const line: CartLine = { page, quantity: random.weighted([[1, 80], [2, 15], [3, 5]] as const) };
        cart.push(line);
        hitOf(context, at(0.6), { t: 'event', ...pageParams, ec: 'Ecommerce', ea: 'add_to_cart', el: page.product!.name, pa: 'add', ...productParams('pr1', line) });
      }
      if (['post', 'product', 'home', 'category'].includes(page.kind) && random.chance(0.35)) {
        hitOf(context, at(0.8), { t: 'event', ...pageParams, ec: 'Scroll', ea: '75%', el: page.path, ni: '1' });
      }
    }

    time += dwell;
    page = nextPage(random, page, { buyer, cart, bot: visitor.bot, pagesLeft: pageBudget - n - 1 });
  }
  return context.hits;
}

function nextPage(random: Random, page: Page, state: { buyer: boolean; cart: CartLine[]; bot: boolean; pagesLeft: number }): Page {
  if (state.bot) return random.pick(PAGES);
  if (state.buyer && state.cart.length > 0) {
    // The funnel, once something is in the cart and just enough pages are left.
    const funnel: Partial<Record<PageKind, PageKind>> = { cart: 'checkout', checkout: 'payment', payment: 'thanks' };
    const next = funnel[page.kind];
    if (next) return pagesOf(next)[0]!;
    if (state.pagesLeft <= 4 || state.cart.length >= 2) return pagesOf('cart')[0]!;
    return random.pick(pagesOf('product'));
  }
  if (state.buyer) return random.pick(pagesOf(random.weighted([['product', 80], ['category', 20]] as const)));
  const options = state.cart.length > 0 && page.kind !== 'cart' ? [...NEXT[page.kind], ['cart', 20] as const] : NEXT[page.kind];
  const kind = random.weighted(options);
  if (kind === 'cart' && page.kind === 'cart') return pagesOf('home')[0]!;
  return random.pick(pagesOf(kind));
}

// ---- the whole traffic -----------------------------------------------------------------

/** Visits in progress, each with the index of its next hit. */
interface Playing {
  hits: SimulatedHit[];
  next: number;
}

const headOf = (item: Playing): SimulatedHit => item.hits[item.next]!;

/** Earlier next hit first; ties by visitor, then visit, so the order never depends on the heap's shape. */
function before(a: Playing, b: Playing): boolean {
  const x = headOf(a);
  const y = headOf(b);
  return x.time !== y.time ? x.time < y.time : x.visitor !== y.visitor ? x.visitor < y.visitor : x.visit < y.visit;
}

/** A binary min-heap of the visits in progress, keyed by their next hit. */
function createHitHeap() {
  const items: Playing[] = [];
  const swap = (i: number, j: number): void => {
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  };
  const up = (start: number): void => {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i]!, items[parent]!)) return;
      swap(i, parent);
      i = parent;
    }
  };
  const down = (start: number): void => {
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && before(items[left]!, items[smallest]!)) smallest = left;
      if (right < items.length && before(items[right]!, items[smallest]!)) smallest = right;
      if (smallest === i) return;
      swap(i, smallest);
      i = smallest;
    }
  };
  return {
    size: (): number => items.length,
    peekTime: (): number => (items[0] === undefined ? Number.POSITIVE_INFINITY : headOf(items[0]).time),
    push(hits: SimulatedHit[]): void {
      if (hits.length === 0) return;
      items.push({ hits, next: 0 });
      up(items.length - 1);
    },
    pop(): SimulatedHit {
      const top = items[0]!;
      const hit = top.hits[top.next++]!;
      if (top.next >= top.hits.length) {
        const last = items.pop()!;
        if (items.length > 0) items[0] = last;
      }
      if (items.length > 0) down(0);
      return hit;
    },
  };
}

export function validateTrafficOptions(options: TrafficOptions): void {
  if (!Number.isInteger(options.visitors) || options.visitors < 0) throw new RangeError('visitors: must be a whole number, 0 or more');
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > 3660) throw new RangeError('days: must be a whole number from 1 to 3660');
  if (!Number.isFinite(options.now)) throw new RangeError('now: must be epoch milliseconds');
  if (options.networks.length === 0) throw new RangeError('networks: at least one network is needed');
  try {
    new URL(options.siteUrl);
  } catch {
    throw new RangeError(`siteUrl: must be an absolute URL (got ${JSON.stringify(options.siteUrl)})`);
  }
}

/** The simulated hits in time order (ties: by visitor, then visit). Lazily generated; iterate once or many times. */
export function generateTraffic(options: TrafficOptions): Iterable<SimulatedHit> {
  validateTrafficOptions(options);
  return {
    *[Symbol.iterator]() {
      const settings = { returningShare: 0.3, botShare: 0.03, ...options };
      const root = createRandom(options.seed);
      const calendar = buildCalendar(options.now, options.days, options.timeZone);
      const picker = networkPicker(options.networks);
      const origin = new URL(options.siteUrl).origin;
      const currency = options.currency ?? 'USD';
      const visitors: Visitor[] = [];
      const planned: PlannedVisit[] = [];
      for (let index = 0; index < options.visitors; index++) {
        const { visitor, starts } = planVisitor(index, root.derive(`visitor/${index}`), settings, calendar, (random) => picker.pick(random));
        visitors.push(visitor);
        starts.forEach((start, i) => planned.push({ start, visitor: index, visit: i + 1 }));
      }
      planned.sort((a, b) => a.start - b.start || a.visitor - b.visitor || a.visit - b.visit);

      const heap = createHitHeap();
      let nextVisit = 0;
      while (nextVisit < planned.length || heap.size() > 0) {
        const upcoming = planned[nextVisit];
        if (upcoming !== undefined && upcoming.start <= heap.peekTime()) {
          nextVisit++;
          const context: VisitContext = {
            random: root.derive(`visit/${upcoming.visitor}/${upcoming.visit}`),
            visitor: visitors[upcoming.visitor]!,
            visit: upcoming.visit,
            options,
            origin,
            currency,
            hits: [],
          };
          const hits = playVisit(context, upcoming.start).filter((hit) => hit.time <= options.now);
          hits.sort((a, b) => a.time - b.time);
          heap.push(hits);
          continue;
        }
        yield heap.pop();
      }
    },
  };
}
