// Default Channel Grouping (§5): every rule of the table by name, the channel test
// table, case sensitivity (TS-2), and the social-network list.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_SOCIAL_NETWORKS, defaultChannelGrouping, isSocialSourceReferral } from './channel.ts';
import { DIRECT_SOURCE } from './source-of-hit.ts';
import { settings, settingsWith, sourceOf } from './testing.ts';
import type { TrafficSource } from './types.ts';

const src = (source: string, medium: string, extra: Partial<TrafficSource> = {}): TrafficSource => ({
  ...DIRECT_SOURCE,
  kind: 'campaign',
  source,
  medium,
  ...extra,
});
const channel = (source: TrafficSource) => defaultChannelGrouping(source, settings);

const rules = suite('§5 channel rules, in order');

rules('1 Direct: source (direct) AND medium (none) or (not set); [I] the doc literal `direct` matches too', () => {
  assert.is(channel(DIRECT_SOURCE), 'Direct');
  assert.is(channel(src('(direct)', '(not set)')), 'Direct');
  assert.is(channel(src('direct', '(none)')), 'Direct');
  assert.is(channel(src('(direct)', 'email')), 'Email'); // source alone is not enough
  assert.is(channel(src('Direct', '(none)')), '(Other)'); // case-sensitive
});

rules('2 Organic Search: medium exactly organic', () => {
  assert.is(channel(src('google', 'organic')), 'Organic Search');
  assert.is(channel(src('google', 'Organic')), '(Other)');
});

rules('3 Social: social source referral = Yes, or medium social|social-network|social-media|sm|social network|social media', () => {
  assert.is(channel(src('facebook.com', 'referral')), 'Social');
  for (const medium of ['social', 'social-network', 'social-media', 'sm', 'social network', 'social media']) assert.is(channel(src('x', medium)), 'Social', medium);
  assert.is(channel(src('x', 'Social')), '(Other)');
  assert.is(channel(src('x', 'socialnetwork')), '(Other)');
});

rules('4 Email: medium exactly email', () => {
  assert.is(channel(src('x', 'email')), 'Email');
  assert.is(channel(src('x', 'e-mail')), '(Other)');
});

rules('5 Affiliates: medium exactly affiliate', () => {
  assert.is(channel(src('x', 'affiliate')), 'Affiliates');
});

rules('6 Referral: medium exactly referral', () => {
  assert.is(channel(src('blog.com', 'referral')), 'Referral');
});

rules('7 Paid Search: medium cpc|ppc|paidsearch AND ad network not Content', () => {
  for (const medium of ['cpc', 'ppc', 'paidsearch']) assert.is(channel(src('google', medium)), 'Paid Search', medium);
  assert.is(channel(src('google', 'cpc', { adNetwork: 'Google Search' })), 'Paid Search');
  assert.is(channel(src('google', 'cpc', { adNetwork: 'Content' })), 'Display');
  assert.is(channel(src('google', 'CPC')), '(Other)');
});

rules('8 Other Advertising: medium cpv|cpa|cpp|content-text', () => {
  for (const medium of ['cpv', 'cpa', 'cpp', 'content-text']) assert.is(channel(src('x', medium)), 'Other Advertising', medium);
});

rules('9 Display: medium display|cpm|banner OR ad network Content', () => {
  for (const medium of ['display', 'cpm', 'banner']) assert.is(channel(src('x', medium)), 'Display', medium);
  assert.is(channel(src('x', 'newsletter', { adNetwork: 'Content' })), 'Display');
});

rules('(Other): no rule matches', () => {
  assert.is(channel(src('x', 'newsletter')), '(Other)');
  assert.is(channel(src('x', '(not set)')), '(Other)');
});

rules('regexes are anchored: cpc2 or xcpm match nothing', () => {
  assert.equal([channel(src('x', 'cpc2')), channel(src('x', 'xcpm')), channel(src('x', 'social-media-ads'))], ['(Other)', '(Other)', '(Other)']);
});

rules.run();

const table = suite('§5 channel tests');

const rows: [string, TrafficSource, string][] = [
  ['(direct) / (none)', DIRECT_SOURCE, 'Direct'],
  ['google / organic', src('google', 'organic', { kind: 'organic' }), 'Organic Search'],
  ['facebook.com / referral, social referral = Yes (Social before Referral)', src('facebook.com', 'referral', { kind: 'referral' }), 'Social'],
  ['x / social-network', src('x', 'social-network'), 'Social'],
  ['x / email', src('x', 'email'), 'Email'],
  ['x / Email', src('x', 'Email'), '(Other)'],
  ['x / affiliate', src('x', 'affiliate'), 'Affiliates'],
  ['x / affiliates (UA; GA4 differs)', src('x', 'affiliates'), '(Other)'],
  ['blog.com / referral', src('blog.com', 'referral', { kind: 'referral' }), 'Referral'],
  ['google / cpc, network = Google Search', src('google', 'cpc', { kind: 'auto-tagged', adNetwork: 'Google Search' }), 'Paid Search'],
  ['google / cpc, network = Content', src('google', 'cpc', { kind: 'auto-tagged', adNetwork: 'Content' }), 'Display'],
  ['x / cpm', src('x', 'cpm'), 'Display'],
  ['x / cpa', src('x', 'cpa'), 'Other Advertising'],
  ['x / newsletter', src('x', 'newsletter'), '(Other)'],
];
for (const [name, source, expected] of rows) {
  table(`${name} → ${expected}`, () => assert.is(channel(source), expected));
}

table('TS-2 utm_source=Newsletter&utm_medium=Email → (Other), not Email (case-sensitive)', () => {
  const source = sourceOf({ dl: 'https://s.com/?utm_source=Newsletter&utm_medium=Email' });
  assert.ok(source);
  assert.is(source && channel(source), '(Other)');
});

table('end to end: a gclid hit is Paid Search without Ads data (no ad network), a Google referrer is Organic Search', () => {
  const paid = sourceOf({ gclid: 'X' });
  const organic = sourceOf({ dr: 'https://www.google.com/' });
  assert.equal([paid && channel(paid), organic && channel(organic)], ['Paid Search', 'Organic Search']);
});

table.run();

const social = suite('social source referral');

social('a listed network covers its subdomains and ignores a port: m.facebook.com, l.facebook.com:8443, t.co', () => {
  for (const host of ['m.facebook.com', 'l.facebook.com:8443', 't.co', 'www.linkedin.com', 'old.reddit.com']) {
    assert.is(isSocialSourceReferral(src(host, 'referral'), settings), true, host);
  }
  assert.is(isSocialSourceReferral(src('notfacebook.com', 'referral'), settings), false);
});

social('[I] an android-app referrer of a social app is Social (com.facebook.katana)', () => {
  const source = sourceOf({ dr: 'android-app://com.facebook.katana/' });
  assert.equal(source && [source.source, channel(source)], ['com.facebook.katana', 'Social']);
});

social('[I] only referrals are social source referrals: a tagged facebook.com / cpc campaign is Paid Search', () => {
  assert.is(channel(src('facebook.com', 'cpc')), 'Paid Search');
});

social('the list is the property\'s: an emptied list makes facebook.com a plain Referral', () => {
  assert.is(defaultChannelGrouping(src('facebook.com', 'referral'), settingsWith({ socialNetworks: [] })), 'Referral');
});

social('the default list holds valid, lower-case, unique hostnames', () => {
  const label = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
  const hostname = new RegExp(`^${label}(?:\\.${label})+$`);
  for (const host of DEFAULT_SOCIAL_NETWORKS) assert.ok(hostname.test(host), host);
  assert.is(new Set(DEFAULT_SOCIAL_NETWORKS).size, DEFAULT_SOCIAL_NETWORKS.length);
});

social.run();
