// Organic search detection (ga-processing.md §4.2 step 3.1 and §4.3). The engine
// list is data: ordered, editable per property, first match wins.

import type { OrganicSearchEngine } from '../property/settings.ts';
import { cleanText, NOT_PROVIDED } from './text.ts';
import type { ParsedUrl } from './url.ts';

/** `ck` is at most 500 bytes; a keyword read from a referrer follows the same rule. */
export const KEYWORD_MAX_BYTES = 500;

const engine = (name: string, domain: string, ...keywordParams: string[]): OrganicSearchEngine => ({ name, domain, keywordParams });

/**
 * The default list. Source names are lower case like UA's. Entries name the
 * search hosts, not the portals around them (`www.google.`, not `google.`, so
 * Gmail or Docs stay referrals), because a referrer without its keyword still
 * counts as organic (see `matchOrganicSearch`). [I] DuckDuckGo, Ecosia and a
 * few other modern engines are included: UA's late list is unverified (§8.8),
 * and counting them as referrals would misreport today's traffic.
 */
export const DEFAULT_ORGANIC_SEARCH_ENGINES: OrganicSearchEngine[] = [
  engine('google', 'www.google.', 'q'),
  engine('google', 'images.google.', 'q'),
  // The Google app on Android sends android-app://com.google.android.googlequicksearchbox/...
  engine('google', 'com.google.android.googlequicksearchbox', 'q'),
  engine('bing', 'bing.com', 'q'),
  engine('yahoo', 'search.yahoo.', 'p'),
  engine('duckduckgo', 'duckduckgo.com', 'q'),
  engine('ecosia', 'ecosia.org', 'q'),
  engine('baidu', 'www.baidu.com', 'wd', 'word'),
  engine('baidu', 'm.baidu.com', 'word', 'wd'),
  engine('yandex', 'yandex.', 'text'),
  engine('yandex', 'ya.ru', 'text'),
  engine('naver', 'search.naver.com', 'query'),
  engine('daum', 'search.daum.net', 'q'),
  engine('seznam', 'search.seznam.cz', 'q'),
  engine('sogou', 'sogou.com', 'query'),
  engine('so.com', 'www.so.com', 'q'),
  engine('ask', 'ask.com', 'q'),
  engine('aol', 'search.aol.', 'q', 'query', 'encquery'),
  engine('mail.ru', 'go.mail.ru', 'q'),
  engine('startpage', 'startpage.com', 'query', 'q'),
  engine('qwant', 'qwant.com', 'q'),
  engine('brave', 'search.brave.com', 'q'),
  engine('kagi', 'kagi.com', 'q'),
];

/**
 * Does an engine's `domain` match the referrer? [I] The domain is a run of whole
 * host labels found anywhere in the host (`bing.com` matches `www.bing.com` and
 * `cn.bing.com`, never `notbing.com`); a trailing dot stands for "followed by
 * more labels", i.e. any TLD (`www.google.` matches `www.google.co.uk`). A
 * domain with a `/` also requires the referrer path to start with the rest
 * (`search.yahoo.com/search`), case-insensitively.
 */
export function engineMatchesHost(engineDomain: string, referrer: Pick<ParsedUrl, 'hostname' | 'path'>): boolean {
  const raw = engineDomain.trim().toLowerCase().replace(/^\.+/, '');
  const slash = raw.indexOf('/');
  const domain = slash === -1 ? raw : raw.slice(0, slash);
  if (domain === '' || domain === '.') return false;
  const hostMatches = domain.endsWith('.')
    ? `.${referrer.hostname}`.includes(`.${domain}`)
    : `.${referrer.hostname}.`.includes(`.${domain}.`);
  if (!hostMatches) return false;
  if (slash === -1) return true;
  return referrer.path.toLowerCase().startsWith(raw.slice(slash));
}

/** The first non-empty value among the engine's keyword parameters, in the engine's order. */
function keywordOf(searchEngine: OrganicSearchEngine, query: URLSearchParams): string | undefined {
  for (const param of searchEngine.keywordParams) {
    const keyword = cleanText(query.get(param), KEYWORD_MAX_BYTES);
    if (keyword !== undefined) return keyword;
  }
  return undefined;
}

/**
 * The organic source of a referrer, or undefined when no engine matches.
 *
 * [I] TS-6 reconciled with ga.js: the first engine matching the host AND carrying
 * its keyword parameter wins (ga.js / ORG rule, so list order and duplicate hosts
 * with different parameters behave as documented); when no engine has its
 * keyword, the first engine matching the host still wins with keyword
 * `(not provided)` (UA server-side: today's browsers send only the origin,
 * `https://www.google.com/`). An empty parameter (`q=`) counts as absent.
 */
export function matchOrganicSearch(
  referrer: Pick<ParsedUrl, 'hostname' | 'path' | 'query'>,
  engines: readonly OrganicSearchEngine[],
): { engine: string; keyword: string } | undefined {
  let withoutKeyword: OrganicSearchEngine | undefined;
  for (const candidate of engines) {
    if (!engineMatchesHost(candidate.domain, referrer)) continue;
    const keyword = keywordOf(candidate, referrer.query);
    if (keyword !== undefined) return { engine: candidate.name, keyword };
    withoutKeyword ??= candidate;
  }
  return withoutKeyword === undefined ? undefined : { engine: withoutKeyword.name, keyword: NOT_PROVIDED };
}
