// The source a single hit carries (ga-processing.md §4.2 steps 1-4): the TS-* rows
// of §4.4 by id, and the [I] choices docs/processing-rules.md lists.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DIRECT_SOURCE, sourceOfHit } from './source-of-hit.ts';
import { settings, settingsWith, smck, sourceOf } from './testing.ts';

const ts = suite('§4.4 traffic-source acceptance (single hit)');

ts('TS-1 given a landing URL with all five utm params, then newsletter / email / jan / boots with adContent v1', () => {
  const source = sourceOf({ dl: 'https://s.com/?utm_source=newsletter&utm_medium=email&utm_campaign=jan&utm_term=boots&utm_content=v1' });
  assert.equal(source, {
    kind: 'campaign',
    source: 'newsletter',
    medium: 'email',
    campaign: 'jan',
    keyword: 'boots',
    adContent: 'v1',
    campaignId: '(not set)',
    referralPath: '(not set)',
  });
});

ts('TS-2 given utm_source=Newsletter&utm_medium=Email, then the case is preserved', () => {
  assert.equal(smck(sourceOf({ dl: 'https://s.com/?utm_source=Newsletter&utm_medium=Email' })), ['Newsletter', 'Email', '(not set)', '(not set)']);
});

ts('TS-3 given gclid and utm params with the default setting, then google / cpc (gclid wins) and the utm set is ignored', () => {
  const source = sourceOf({ dl: 'https://s.com/?gclid=ABC&utm_source=x&utm_medium=y&utm_campaign=z' });
  assert.equal(smck(source), ['google', 'cpc', '(not set)', '(not set)']);
  assert.equal([source?.kind, source?.gclid], ['auto-tagged', 'ABC']);
});

ts('TS-4 given gclid and utm params with "allow manual override" on, then x / y, and the gclid is kept on the campaign', () => {
  const source = sourceOf({ dl: 'https://s.com/?gclid=ABC&utm_source=x&utm_medium=y' }, settingsWith({ manualTagsOverrideAutoTagging: true }));
  assert.equal(smck(source), ['x', 'y', '(not set)', '(not set)']);
  assert.equal([source?.kind, source?.gclid], ['campaign', 'ABC']);
});

ts('TS-4 [I] with the override on but no manual tags, gclid still gives google / cpc', () => {
  assert.equal(smck(sourceOf({ gclid: 'ABC' }, settingsWith({ manualTagsOverrideAutoTagging: true }))), ['google', 'cpc', '(not set)', '(not set)']);
});

ts('TS-5 given dr=https://www.bing.com/search?q=red+shoes, then bing / organic / (not set) / red shoes', () => {
  const source = sourceOf({ dr: 'https://www.bing.com/search?q=red+shoes' });
  assert.equal(smck(source), ['bing', 'organic', '(not set)', 'red shoes']);
  assert.equal([source?.kind, source?.referralPath], ['organic', '(not set)']);
});

ts('TS-6 [I] given dr=https://www.google.com/ without q, then google / organic / (not set) / (not provided)', () => {
  assert.equal(smck(sourceOf({ dr: 'https://www.google.com/' })), ['google', 'organic', '(not set)', '(not provided)']);
});

ts('TS-7 [I] given dr=https://blog.example.org/post/1?x=1, then a referral with referralPath /post/1 (query dropped)', () => {
  const source = sourceOf({ dr: 'https://blog.example.org/post/1?x=1' });
  assert.equal(smck(source), ['blog.example.org', 'referral', '(not set)', '(not set)']);
  assert.equal([source?.kind, source?.referralPath], ['referral', '/post/1']);
});

ts('TS-8 given dr=https://shop.mysite.com/ where mysite.com is excluded, then the hit carries no source', () => {
  assert.is(sourceOf({ dr: 'https://shop.mysite.com/' }, settingsWith({ domains: [], referralExclusions: ['mysite.com'] })), undefined);
});

ts('TS-9 given no dr and no utm, then the hit carries no source (direct: resolve gives (direct) / (none))', () => {
  assert.is(sourceOf({}), undefined);
  assert.equal(smck(DIRECT_SOURCE), ['(direct)', '(none)', '(not set)', '(not set)']);
});

ts.run();

const manual = suite('§4.1 manual campaigns');

manual('[I] explicit cs..ci win over utm_* in dl as a whole set, never mixed field by field', () => {
  const source = sourceOf({ cs: 'partner', cn: 'spring', dl: 'https://mysite.com/?utm_source=news&utm_medium=email&utm_term=boots' });
  assert.equal(smck(source), ['partner', '(not set)', 'spring', '(not set)']);
});

manual('every explicit field maps: cs cm cn ck cc ci', () => {
  const source = sourceOf({ cs: 's', cm: 'm', cn: 'n', ck: 'k', cc: 'c', ci: 'i' });
  assert.equal(source && [source.source, source.medium, source.campaign, source.keyword, source.adContent, source.campaignId], ['s', 'm', 'n', 'k', 'c', 'i']);
});

manual('utm_id sets the campaign id', () => {
  assert.is(sourceOf({ dl: 'https://mysite.com/?utm_source=a&utm_id=c-42' })?.campaignId, 'c-42');
});

manual('[I] utm_source is the minimum: utm_medium and utm_campaign without it are ignored, so the referrer decides', () => {
  assert.is(sourceOf({ dl: 'https://mysite.com/?utm_medium=email&utm_campaign=jan' }), undefined);
  assert.equal(smck(sourceOf({ dl: 'https://mysite.com/?utm_medium=email', dr: 'https://blog.example.org/' })), ['blog.example.org', 'referral', '(not set)', '(not set)']);
  assert.is(sourceOf({ cm: 'email', cn: 'jan' }), undefined);
});

manual('[I] explicit params without cs do not hide a complete utm set', () => {
  assert.equal(smck(sourceOf({ cm: 'cpc', dl: 'https://mysite.com/?utm_source=news&utm_medium=email' })), ['news', 'email', '(not set)', '(not set)']);
});

manual('a manual campaign wins over the referrer (step 2 before step 3)', () => {
  assert.equal(smck(sourceOf({ dl: 'https://mysite.com/?utm_source=news', dr: 'https://www.google.com/' })), ['news', '(not set)', '(not set)', '(not set)']);
});

manual('[I] utm values follow the text rules of cs/cm/...: trimmed, inner whitespace collapsed, truncated to the byte limit', () => {
  const source = sourceOf({ dl: `https://mysite.com/?utm_source=%20%20Summer%20%20%20Sale%20&utm_medium=${'m'.repeat(60)}&utm_term=${'é'.repeat(300)}` });
  assert.is(source?.source, 'Summer Sale');
  assert.is(source?.medium, 'm'.repeat(50));
  assert.is(source?.keyword, 'é'.repeat(250)); // 500 bytes, never half a character
});

manual('[I] utm parameter names are case-sensitive (UTM_SOURCE is not a campaign) and the first occurrence wins', () => {
  assert.is(sourceOf({ dl: 'https://mysite.com/?UTM_SOURCE=news' }), undefined);
  assert.is(sourceOf({ dl: 'https://mysite.com/?utm_source=first&utm_source=second' })?.source, 'first');
});

manual('[I] utm_* are read from dl only, not from dp', () => {
  assert.is(sourceOfHit({ t: 'pageview', dh: 'mysite.com', dp: '/?utm_source=news' }, settings), undefined);
});

manual.run();

const auto = suite('§4.2 step 1 auto-tagging');

auto('gclid as a parameter gives google / cpc with the gclid, campaign fields (not set) without an Ads link', () => {
  assert.equal(sourceOf({ gclid: 'Cj0K' }), { ...DIRECT_SOURCE, kind: 'auto-tagged', source: 'google', medium: 'cpc', gclid: 'Cj0K' });
});

auto('[I] dclid is auto-tagging too (google / cpc, per §4.2 step 1)', () => {
  const source = sourceOf({ dl: 'https://mysite.com/?dclid=D1' });
  assert.equal([source?.kind, source?.source, source?.medium, source?.dclid, source?.gclid], ['auto-tagged', 'google', 'cpc', 'D1', undefined]);
});

auto('[I] the gclid parameter wins over a gclid in dl; an empty gclid= is no auto-tagging', () => {
  assert.is(sourceOf({ gclid: 'P', dl: 'https://mysite.com/?gclid=U' })?.gclid, 'P');
  assert.is(sourceOf({ dl: 'https://mysite.com/?gclid=' }), undefined);
});

auto('auto-tagging wins over the referrer', () => {
  assert.equal(smck(sourceOf({ gclid: 'X', dr: 'https://www.google.com/' })), ['google', 'cpc', '(not set)', '(not set)']);
});

auto.run();

const referrer = suite('§4.2 step 3 referrers');

referrer('excluded referrer: example.com covers example.com and another.example.com, not another-example.com', () => {
  const property = settingsWith({ referralExclusions: ['example.com'] });
  assert.is(sourceOf({ dr: 'https://example.com/x' }, property), undefined);
  assert.is(sourceOf({ dr: 'https://another.example.com/x' }, property), undefined);
  assert.equal(smck(sourceOf({ dr: 'https://another-example.com/x' }, property)), ['another-example.com', 'referral', '(not set)', '(not set)']);
});

referrer("the property's own domains are excluded with their subdomains by default", () => {
  assert.is(sourceOf({ dr: 'https://mysite.com/a' }), undefined);
  assert.is(sourceOf({ dr: 'https://blog.mysite.com/a', dl: 'https://shop.mysite.com/' }), undefined);
  assert.is(sourceOf({ dr: 'https://notmysite.com/a' })?.source, 'notmysite.com');
});

referrer('[I] a www. own domain excludes the whole registrable domain; an exclusion entry is taken literally', () => {
  assert.is(sourceOf({ dr: 'https://shop.example.com/' }, settingsWith({ domains: ['www.example.com'] })), undefined);
  assert.is(sourceOf({ dr: 'https://shop.example.com/' }, settingsWith({ domains: [], referralExclusions: ['www.example.com'] }))?.source, 'shop.example.com');
});

referrer('[I] organic search is decided before exclusions: excluding google.com does not hide Google organic traffic', () => {
  assert.equal(smck(sourceOf({ dr: 'https://www.google.com/' }, settingsWith({ referralExclusions: ['google.com'] }))), ['google', 'organic', '(not set)', '(not provided)']);
});

referrer('[I] a referrer on the page\'s own host (dh, else dl) is no referral, as analytics.js never sends it', () => {
  const property = settingsWith({ domains: [] });
  assert.is(sourceOf({ dl: 'https://app.other.io/b', dr: 'https://app.other.io/a' }, property), undefined);
  assert.is(sourceOf({ dl: 'https://x.io/b', dh: 'App.Other.io', dr: 'https://app.other.io/a' }, property), undefined);
  assert.is(sourceOf({ dl: 'https://app.other.io/b', dr: 'https://www.other.io/a' }, property)?.source, 'www.other.io');
});

referrer('[I] the referral source keeps a non-default port; exclusions and own-host checks ignore it', () => {
  assert.is(sourceOf({ dr: 'http://partner.io:8080/x' })?.source, 'partner.io:8080');
  assert.is(sourceOf({ dr: 'http://partner.io:8080/x' }, settingsWith({ referralExclusions: ['partner.io'] })), undefined);
  assert.is(sourceOf({ dr: 'https://partner.io:443/x' })?.source, 'partner.io');
});

referrer('an unparseable dr is no referrer', () => {
  assert.is(sourceOf({ dr: 'not a url' }), undefined);
  assert.is(sourceOf({ dr: 'about:blank' }), undefined);
});

referrer.run();
