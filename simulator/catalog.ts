// The world the simulated visitors live in, as data: a small coffee shop with a blog,
// real browser and crawler user-agent strings, screens, languages, referrers,
// campaigns and search terms. Weights are rough shares of real traffic.

export type DeviceKind = 'desktop' | 'mobile' | 'tablet';

export interface Browser {
  name: string;
  userAgent: string;
}

export const DEVICE_SHARES: readonly (readonly [DeviceKind, number])[] = [
  ['desktop', 52],
  ['mobile', 41],
  ['tablet', 7],
];

export const BROWSERS: Record<DeviceKind, readonly (readonly [Browser, number])[]> = {
  desktop: [
    [{ name: 'Chrome', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36' }, 34],
    [{ name: 'Chrome', userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36' }, 12],
    [{ name: 'Chrome', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36' }, 3],
    [{ name: 'Edge', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0' }, 13],
    [{ name: 'Safari', userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15' }, 11],
    [{ name: 'Firefox', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0' }, 6],
    [{ name: 'Firefox', userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:126.0) Gecko/20100101 Firefox/126.0' }, 2],
    [{ name: 'Firefox', userAgent: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0' }, 2],
  ],
  mobile: [
    [{ name: 'Safari', userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1' }, 30],
    [{ name: 'Chrome', userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/125.0.6422.80 Mobile/15E148 Safari/604.1' }, 5],
    [{ name: 'Chrome', userAgent: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36' }, 40],
    [{ name: 'Samsung Internet', userAgent: 'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36' }, 8],
    [{ name: 'Firefox', userAgent: 'Mozilla/5.0 (Android 14; Mobile; rv:126.0) Gecko/126.0 Firefox/126.0' }, 2],
    [{ name: 'Edge', userAgent: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36 EdgA/125.0.2535.51' }, 1],
  ],
  tablet: [
    [{ name: 'Safari', userAgent: 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1' }, 55],
    [{ name: 'Chrome', userAgent: 'Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36' }, 30],
    [{ name: 'Samsung Internet', userAgent: 'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-X810) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Safari/537.36' }, 15],
  ],
};

/** Crawlers: each visit crawls many pages quickly and sends no referrer. */
export const BOTS: readonly (readonly [Browser, number])[] = [
  [{ name: 'Googlebot', userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }, 30],
  [
    {
      name: 'Googlebot',
      userAgent: 'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.141 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    },
    20,
  ],
  [{ name: 'Bingbot', userAgent: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)' }, 20],
  [{ name: 'AhrefsBot', userAgent: 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)' }, 15],
  [{ name: 'YandexBot', userAgent: 'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)' }, 10],
  [{ name: 'DuckDuckBot', userAgent: 'DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)' }, 5],
];

export const SCREENS: Record<DeviceKind, readonly (readonly [{ screen: string; viewport: string }, number])[]> = {
  desktop: [
    [{ screen: '1920x1080', viewport: '1903x947' }, 35],
    [{ screen: '1536x864', viewport: '1519x731' }, 12],
    [{ screen: '1366x768', viewport: '1349x625' }, 10],
    [{ screen: '2560x1440', viewport: '2543x1305' }, 10],
    [{ screen: '1440x900', viewport: '1440x789' }, 9],
    [{ screen: '1680x1050', viewport: '1680x939' }, 4],
    [{ screen: '1280x720', viewport: '1263x601' }, 4],
  ],
  mobile: [
    [{ screen: '390x844', viewport: '390x664' }, 22],
    [{ screen: '393x852', viewport: '393x659' }, 15],
    [{ screen: '414x896', viewport: '414x715' }, 10],
    [{ screen: '360x800', viewport: '360x668' }, 18],
    [{ screen: '412x915', viewport: '412x786' }, 18],
    [{ screen: '375x667', viewport: '375x553' }, 6],
  ],
  tablet: [
    [{ screen: '810x1080', viewport: '810x970' }, 30],
    [{ screen: '820x1180', viewport: '820x1050' }, 30],
    [{ screen: '768x1024', viewport: '768x954' }, 20],
    [{ screen: '800x1280', viewport: '800x1174' }, 20],
  ],
};

/** Browser language by country; everyone else mostly browses in English. */
export const LANGUAGES: Record<string, string> = {
  US: 'en-us', GB: 'en-gb', IE: 'en-ie', AU: 'en-au', DE: 'de-de', AT: 'de-at', CH: 'de-ch', FR: 'fr-fr', BE: 'fr-be', NL: 'nl-nl', SE: 'sv-se', NO: 'nb-no', DK: 'da-dk',
  FI: 'fi-fi', IT: 'it-it', ES: 'es-es', PL: 'pl-pl', CZ: 'cs-cz', HU: 'hu-hu', RO: 'ro-ro', BG: 'bg-bg', RU: 'ru-ru', UA: 'uk-ua', BY: 'ru-ru', TR: 'tr-tr',
  JP: 'ja-jp', KR: 'ko-kr', CN: 'zh-cn', TW: 'zh-tw', HK: 'zh-hk', SG: 'en-sg', PH: 'en-ph', IL: 'he-il', SA: 'ar-sa', AE: 'ar-ae', IR: 'fa-ir',
};

// ---- the site -------------------------------------------------------------------

export type PageKind = 'home' | 'category' | 'product' | 'blog' | 'post' | 'info' | 'cart' | 'checkout' | 'payment' | 'thanks' | 'search';

export interface Page {
  path: string;
  title: string;
  kind: PageKind;
  /** Products: SKU, category, price (in the property's currency). */
  product?: { sku: string; name: string; category: string; brand: string; price: number };
  /** Blog posts with an embedded video. */
  video?: string;
  /** Blog posts offering a PDF download. */
  download?: string;
}

const product = (path: string, name: string, category: string, brand: string, price: number, sku: string): Page => ({
  path,
  title: name,
  kind: 'product',
  product: { sku, name, category, brand, price },
});

export const PAGES: readonly Page[] = [
  { path: '/', title: 'Fresh roasted specialty coffee', kind: 'home' },
  { path: '/shop/', title: 'Shop', kind: 'category' },
  { path: '/shop/coffee/', title: 'Coffee beans', kind: 'category' },
  { path: '/shop/equipment/', title: 'Brewing equipment', kind: 'category' },
  product('/shop/coffee/ethiopia-yirgacheffe', 'Ethiopia Yirgacheffe 250 g', 'Coffee/Single origin', 'House Roast', 14.5, 'COF-ETH-250'),
  product('/shop/coffee/colombia-huila', 'Colombia Huila 250 g', 'Coffee/Single origin', 'House Roast', 12.9, 'COF-COL-250'),
  product('/shop/coffee/kenya-nyeri', 'Kenya Nyeri AA 250 g', 'Coffee/Single origin', 'House Roast', 16.0, 'COF-KEN-250'),
  product('/shop/coffee/house-espresso', 'House Espresso Blend 1 kg', 'Coffee/Blends', 'House Roast', 34.0, 'COF-ESP-1000'),
  product('/shop/coffee/decaf-swiss-water', 'Decaf Swiss Water 250 g', 'Coffee/Decaf', 'House Roast', 13.5, 'COF-DEC-250'),
  product('/shop/equipment/hand-grinder', 'Hand Grinder Pro', 'Equipment/Grinders', 'Comandante', 249.0, 'EQ-GRD-HAND'),
  product('/shop/equipment/pour-over-dripper', 'Ceramic Pour-over Dripper', 'Equipment/Brewers', 'Hario', 24.0, 'EQ-V60-02'),
  product('/shop/equipment/gooseneck-kettle', 'Gooseneck Kettle 0.9 l', 'Equipment/Kettles', 'Fellow', 159.0, 'EQ-KET-09'),
  product('/shop/equipment/coffee-scale', 'Coffee Scale with Timer', 'Equipment/Scales', 'Acaia', 119.0, 'EQ-SCL-PRL'),
  product('/shop/equipment/paper-filters', 'Paper Filters (100)', 'Equipment/Accessories', 'Hario', 6.5, 'EQ-FLT-100'),
  { path: '/blog/', title: 'Brew journal', kind: 'blog' },
  { path: '/blog/how-to-brew-pour-over', title: 'How to brew a great pour-over', kind: 'post', video: 'Pour-over in 3 minutes' },
  { path: '/blog/espresso-at-home', title: 'Espresso at home: a beginner guide', kind: 'post', video: 'Dialling in espresso' },
  { path: '/blog/grinder-buying-guide', title: 'Which grinder should you buy?', kind: 'post', download: '/downloads/grinder-comparison.pdf' },
  { path: '/blog/cold-brew-recipe', title: 'Cold brew, the easy way', kind: 'post' },
  { path: '/blog/coffee-origins-explained', title: 'Coffee origins explained', kind: 'post', download: '/downloads/origin-map.pdf' },
  { path: '/about', title: 'About us', kind: 'info' },
  { path: '/contact', title: 'Contact', kind: 'info' },
  { path: '/faq', title: 'Frequently asked questions', kind: 'info' },
  { path: '/shipping', title: 'Shipping and returns', kind: 'info' },
  { path: '/cart', title: 'Your cart', kind: 'cart' },
  { path: '/checkout', title: 'Checkout', kind: 'checkout' },
  { path: '/checkout/payment', title: 'Payment', kind: 'payment' },
  { path: '/checkout/thank-you', title: 'Thank you for your order', kind: 'thanks' },
  { path: '/search', title: 'Search', kind: 'search' },
];

export const pagesOf = (kind: PageKind): Page[] => PAGES.filter((page) => page.kind === kind);

export const SITE_SEARCHES = ['decaf', 'grinder', 'espresso beans', 'kettle', 'filters', 'gift card', 'ethiopia', 'subscription'];

// ---- where visitors come from ------------------------------------------------------

export const SEARCH_TERMS = [
  'specialty coffee beans',
  'best hand grinder',
  'pour over recipe',
  'how to make cold brew',
  'ethiopian coffee',
  'gooseneck kettle',
  'espresso at home',
  'fresh roasted coffee online',
  'coffee scale',
  'decaf coffee beans',
];

export interface Referrer {
  url: string;
  weight: number;
}

export const SOCIAL_REFERRERS: readonly (readonly [string, number])[] = [
  ['https://t.co/', 12],
  ['https://l.facebook.com/', 18],
  ['https://m.facebook.com/', 10],
  ['https://lm.facebook.com/', 4],
  ['https://www.instagram.com/', 12],
  ['https://www.reddit.com/r/Coffee/comments/', 14],
  ['https://out.reddit.com/', 4],
  ['https://www.linkedin.com/', 5],
  ['https://www.youtube.com/', 8],
  ['https://www.pinterest.com/', 6],
];

export const REFERRAL_SITES: readonly (readonly [string, number])[] = [
  ['https://news.ycombinator.com/item?id=', 10],
  ['https://en.wikipedia.org/wiki/Coffee_preparation', 8],
  ['https://www.seriouseats.com/coffee-guides', 12],
  ['https://www.home-barista.com/forums/', 14],
  ['https://github.com/awesome-coffee/awesome-coffee', 4],
  ['https://www.coffeereview.com/review/', 14],
  ['https://sprudge.com/', 10],
  ['https://www.theguardian.com/food/coffee', 6],
  ['https://medium.com/@brewnerd/', 6],
];

export interface Campaign {
  source: string;
  medium: string;
  names: readonly string[];
  /** Google Ads auto-tagging: a gclid instead of (or with) UTM values. */
  gclid?: boolean;
  contents?: readonly string[];
}

export const CAMPAIGNS: readonly (readonly [Campaign, number])[] = [
  [{ source: 'newsletter', medium: 'email', names: ['weekly_roast', 'spring_sale', 'new_arrivals'], contents: ['hero', 'footer', 'product_grid'] }, 35],
  [{ source: 'facebook', medium: 'social', names: ['brand_awareness', 'spring_sale'], contents: ['video_ad', 'carousel'] }, 25],
  [{ source: 'google', medium: 'cpc', names: ['brand', 'generic_coffee', 'grinders'], gclid: true }, 35],
  [{ source: 'instagram', medium: 'social', names: ['influencer_june'], contents: ['story'] }, 5],
];

/** Organic search engines and how often they pass the query (Google almost never does). */
export const SEARCH_ENGINES: readonly (readonly [{ name: string; referrer: (query: string | undefined) => string; queryShare: number }, number])[] = [
  [{ name: 'google', referrer: () => 'https://www.google.com/', queryShare: 0 }, 62],
  [{ name: 'google-local', referrer: () => 'https://www.google.de/', queryShare: 0 }, 8],
  [{ name: 'bing', referrer: (q) => (q === undefined ? 'https://www.bing.com/' : `https://www.bing.com/search?q=${encodeURIComponent(q)}`), queryShare: 0.4 }, 13],
  [{ name: 'duckduckgo', referrer: (q) => (q === undefined ? 'https://duckduckgo.com/' : `https://duckduckgo.com/?q=${encodeURIComponent(q)}`), queryShare: 0.2 }, 9],
  [{ name: 'yahoo', referrer: (q) => `https://search.yahoo.com/search?p=${encodeURIComponent(q ?? 'coffee')}`, queryShare: 1 }, 3],
  [{ name: 'ecosia', referrer: (q) => (q === undefined ? 'https://www.ecosia.org/' : `https://www.ecosia.org/search?q=${encodeURIComponent(q)}`), queryShare: 0.5 }, 3],
  [{ name: 'yandex', referrer: (q) => `https://yandex.ru/search/?text=${encodeURIComponent(q ?? 'кофе')}`, queryShare: 1 }, 2],
];

/** Visits per local hour, 0 to 23: quiet nights, a late-morning plateau, an evening peak. */
export const HOURLY_WEIGHTS = [1.2, 0.7, 0.4, 0.3, 0.3, 0.5, 1.2, 2.4, 3.6, 4.6, 5.2, 5.4, 5.2, 5.2, 5.2, 5.0, 4.8, 4.6, 4.7, 5.2, 5.5, 5.0, 3.6, 2.2];
/** Visits per weekday, Sunday first. */
export const WEEKDAY_WEIGHTS = [0.8, 1.0, 1.05, 1.05, 1.0, 0.95, 0.75];
