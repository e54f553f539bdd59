// Organic search detection (§4.2 step 3.1, §4.3): matching rules, order, keywords,
// and the default list.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { OrganicSearchEngine } from '../property/settings.ts';
import { DEFAULT_ORGANIC_SEARCH_ENGINES, engineMatchesHost, matchOrganicSearch } from './organic.ts';
import { settingsWith, smck, sourceOf } from './testing.ts';
import { parseUrl } from './url.ts';

const organic = (dr: string, engines: readonly OrganicSearchEngine[] = DEFAULT_ORGANIC_SEARCH_ENGINES) => {
  const referrer = parseUrl(dr);
  assert.ok(referrer, `${dr} parses`);
  return referrer && matchOrganicSearch(referrer, engines);
};
const engine = (name: string, domain: string, ...keywordParams: string[]): OrganicSearchEngine => ({ name, domain, keywordParams });

const rules = suite('organic search: matching');

rules('[I] an engine domain is a run of whole host labels: bing.com matches www.bing.com and cn.bing.com, not notbing.com', () => {
  const at = (hostname: string, domain: string) => engineMatchesHost(domain, { hostname, path: '/' });
  assert.equal(
    [at('www.bing.com', 'bing.com'), at('cn.bing.com', 'bing.com'), at('bing.com', 'bing.com'), at('notbing.com', 'bing.com'), at('bing.community', 'bing.com')],
    [true, true, true, false, false],
  );
});

rules('[I] a trailing dot stands for any TLD: www.google. matches www.google.co.uk and www.google.de, not mail.google.com', () => {
  const at = (hostname: string) => engineMatchesHost('www.google.', { hostname, path: '/' });
  assert.equal([at('www.google.co.uk'), at('www.google.de'), at('www.google'), at('mail.google.com'), at('xwww.google.com')], [true, true, false, false, false]);
});

rules('[I] a domain with a path also needs the referrer path to start with it (case-insensitive)', () => {
  const yahoo = [engine('yahoo', 'search.yahoo.com/search', 'p')];
  assert.equal(organic('https://search.yahoo.com/search?p=boots', yahoo), { engine: 'yahoo', keyword: 'boots' });
  assert.equal(organic('https://search.yahoo.com/Search/x?p=boots', yahoo), { engine: 'yahoo', keyword: 'boots' });
  assert.is(organic('https://search.yahoo.com/mail?p=boots', yahoo), undefined);
});

rules('ORG: the first engine matching host and keyword parameter wins: google.com listed before images.google.com takes its searches', () => {
  const engines = [engine('google', 'google.com', 'q'), engine('google images', 'images.google.com', 'q')];
  assert.equal(organic('https://images.google.com/search?q=cats', engines), { engine: 'google', keyword: 'cats' });
  assert.equal(organic('https://images.google.com/search?q=cats', [...engines].reverse()), { engine: 'google images', keyword: 'cats' });
});

rules('ga.js rule: with two entries for one host, the entry whose parameter is present wins (aol→query, aol→encquery)', () => {
  const engines = [engine('aol', 'aol.com', 'query'), engine('aol-enc', 'aol.com', 'encquery')];
  assert.equal(organic('https://search.aol.com/?encquery=abc', engines), { engine: 'aol-enc', keyword: 'abc' });
  assert.equal(organic('https://search.aol.com/?query=abc', engines), { engine: 'aol', keyword: 'abc' });
});

rules('[I] TS-6 reconciled: no entry with its keyword, then the first host match wins with (not provided)', () => {
  const engines = [engine('aol', 'aol.com', 'query'), engine('aol-enc', 'aol.com', 'encquery')];
  assert.equal(organic('https://search.aol.com/', engines), { engine: 'aol', keyword: '(not provided)' });
});

rules('[I] an empty keyword (q=, q=%20) counts as absent: (not provided)', () => {
  assert.equal(organic('https://www.google.com/search?q='), { engine: 'google', keyword: '(not provided)' });
  assert.equal(organic('https://www.google.com/search?q=%20'), { engine: 'google', keyword: '(not provided)' });
});

rules('an engine with several keyword parameters takes the first non-empty one in its order', () => {
  assert.equal(organic('https://www.baidu.com/s?word=b&wd=a'), { engine: 'baidu', keyword: 'a' });
  assert.equal(organic('https://www.baidu.com/s?wd=&word=b'), { engine: 'baidu', keyword: 'b' });
});

rules('[I] keywords keep their case, are decoded (+, %xx), trimmed, and truncated to 500 bytes', () => {
  assert.equal(organic('https://www.bing.com/search?q=Red+%20Shoes%21++'), { engine: 'bing', keyword: 'Red Shoes!' });
  assert.is(organic(`https://www.bing.com/search?q=${'k'.repeat(700)}`)?.keyword.length, 500);
});

rules('a property-edited list is used as given: an emptied list makes Google a referral', () => {
  assert.equal(smck(sourceOf({ dr: 'https://www.google.com/' }, settingsWith({ organicSearchEngines: [] }))), ['www.google.com', 'referral', '(not set)', '(not set)']);
});

rules.run();

const defaults = suite('organic search: the default list');

const expectations: [string, string | undefined, string | undefined][] = [
  ['https://www.google.com/', 'google', '(not provided)'],
  ['https://www.google.co.uk/search?q=tea', 'google', 'tea'],
  ['https://images.google.com/', 'google', '(not provided)'],
  ['android-app://com.google.android.googlequicksearchbox/https/www.google.com', 'google', '(not provided)'],
  ['https://mail.google.com/mail/u/0/', undefined, undefined],
  ['https://docs.google.com/document/d/1', undefined, undefined],
  ['https://www.bing.com/search?q=red+shoes', 'bing', 'red shoes'],
  ['https://search.yahoo.com/search?p=boots', 'yahoo', 'boots'],
  ['https://search.yahoo.co.jp/search?p=%E9%9D%B4', 'yahoo', '靴'],
  ['https://www.yahoo.com/news/', undefined, undefined],
  ['https://duckduckgo.com/', 'duckduckgo', '(not provided)'],
  ['https://www.ecosia.org/search?q=trees', 'ecosia', 'trees'],
  ['https://www.baidu.com/s?wd=%E4%B8%AD', 'baidu', '中'],
  ['https://yandex.ru/search/?text=okno', 'yandex', 'okno'],
  ['https://search.naver.com/search.naver?query=a', 'naver', 'a'],
  ['https://search.brave.com/search?q=b', 'brave', 'b'],
  ['https://example.com/?q=x', undefined, undefined],
];

defaults('[I] the default list: modern engines (DuckDuckGo and Ecosia included), portals stay referrals', () => {
  for (const [dr, name, keyword] of expectations) {
    const found = organic(dr);
    assert.equal(found && [found.engine, found.keyword], name === undefined ? undefined : [name, keyword], dr);
  }
});

defaults('every default engine has a lower-case name, a domain without spaces and at least one keyword parameter', () => {
  for (const e of DEFAULT_ORGANIC_SEARCH_ENGINES) {
    assert.ok(e.name === e.name.toLowerCase() && e.name.length > 0, e.name);
    assert.ok(/^\S+$/.test(e.domain) && e.domain === e.domain.toLowerCase(), e.domain);
    assert.ok(e.keywordParams.length > 0, e.name);
  }
});

defaults.run();
