import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ecommerceOf } from './ecommerce.ts';
import { hitFactsOf, isInteraction } from './facts.ts';
import { hit } from './fixtures.ts';
import { pageOf, splitLocation } from './page.ts';

const page = suite('page dimensions derived from a hit');

page('hostname and page come from dl: host lower-cased without port, path + query, no #fragment', () => {
  assert.equal(pageOf({ dl: 'https://Shop.MySite.com:8443/a/b?x=1&y=2#top', dt: 'Shoes' }), {
    hostname: 'shop.mysite.com',
    path: '/a/b?x=1&y=2',
    title: 'Shoes',
    location: 'https://Shop.MySite.com:8443/a/b?x=1&y=2#top',
  });
  assert.equal(splitLocation('https://mysite.com'), { host: 'mysite.com', path: '/' });
  assert.equal(splitLocation('https://mysite.com?q=1'), { host: 'mysite.com', path: '/?q=1' });
  assert.equal(splitLocation('https://user:pw@[::1]:8080/x'), { host: '[::1]', path: '/x' });
  assert.equal(splitLocation('/relative/path?a=1#f'), { host: undefined, path: '/relative/path?a=1' });
});

page('dh and dp override the host and path of dl; the path is kept exactly as sent', () => {
  const facts = pageOf({ dl: 'https://mysite.com/from-dl?x=1', dh: 'other.mysite.com', dp: '/virtual/über page' });
  assert.is(facts.hostname, 'other.mysite.com');
  assert.is(facts.path, '/virtual/über page');
  assert.equal(pageOf({ dh: 'mysite.com', dp: '/only' }), { hostname: 'mysite.com', path: '/only' });
  assert.equal(pageOf({}), {}, 'nothing sent: nothing derived (projections write (not set))');
});

page('screen name, content groups and link id', () => {
  assert.equal(pageOf({ cd: 'Home', cg1: 'blog', cg5: 'x', cg6: 'ignored', linkid: 'nav' }), {
    screenName: 'Home',
    contentGroups: { 1: 'blog', 5: 'x' },
    linkId: 'nav',
  });
});

page.run();

const facts = suite('hit facts');

facts('custom dimensions and metrics pass through by index; cd and cm (no index) are screen name and campaign medium', () => {
  const h = hit('2024-05-01T10:00:00Z', { cd: 'Screen', cm: 'email', cd1: 'gold', cd200: 'last', cd201: 'out of range', cd01: 'leading zero', cm3: 2.5, cm200: 7 });
  const f = hitFactsOf(h, 'pageview', h.time);
  assert.equal(f.customDimensions, { 1: 'gold', 200: 'last' });
  assert.equal(f.customMetrics, { 3: 2.5, 200: 7 });
  assert.is(f.page.screenName, 'Screen');
});

facts('device, system, app, experiment and identity facts are raw values; the user agent is not parsed', () => {
  const h = hit(
    '2024-05-01T10:00:00Z',
    { ul: 'en-us', sr: '1920x1080', vp: '1200x800', de: 'UTF-8', sd: '24-bit', je: false, fl: '10 1 r103', ds: 'web', uid: 'u1', an: 'App', av: '1.2', xid: 'exp1', xvar: '2', cu: 'USD', npa: true, dr: 'https://ref.example/x' },
    { userAgent: 'Mozilla/5.0 (iPhone)' },
  );
  const f = hitFactsOf(h, 'pageview', h.time + 5);
  assert.equal(f.device, {
    userAgent: 'Mozilla/5.0 (iPhone)',
    language: 'en-us',
    screenResolution: '1920x1080',
    viewportSize: '1200x800',
    documentEncoding: 'UTF-8',
    screenColors: '24-bit',
    javaEnabled: false,
    flashVersion: '10 1 r103',
  });
  assert.equal(f.app, { name: 'App', version: '1.2' });
  assert.equal(f.experiment, { id: 'exp1', variant: '2' });
  assert.is(f.dataSource, 'web');
  assert.is(f.clientId, '555.666');
  assert.is(f.userId, 'u1');
  assert.is(f.currency, 'USD');
  assert.is(f.nonPersonalizedAds, true);
  assert.is(f.referrer, 'https://ref.example/x');
  assert.is(f.time, h.time + 5);
  assert.is(f.sentTime, h.time);
  assert.is(f.ip, '203.0.113.0');
  assert.not.ok('userAgentParsed' in f);
});

facts('ni=1 makes a hit non-interaction; anything else is an interaction', () => {
  assert.is(isInteraction({ ni: true }), false);
  assert.is(isInteraction({ ni: 1 }), false);
  assert.is(isInteraction({ ni: '1' }), false);
  assert.is(isInteraction({ ni: false }), true);
  assert.is(isInteraction({}), true);
});

facts('event, social, exception (fatal by default) and timing facts', () => {
  const e = hitFactsOf(hit(0, { t: 'event', ec: 'Video', ea: 'Play', el: 'Intro', ev: 3 }), 'event', 0);
  assert.equal(e.type === 'event' && e.event, { category: 'Video', action: 'Play', label: 'Intro', value: 3 });
  const s = hitFactsOf(hit(0, { t: 'social', sn: 'facebook', sa: 'like', st: 'https://mysite.com/p' }), 'social', 0);
  assert.equal(s.type === 'social' && s.social, { network: 'facebook', action: 'like', target: 'https://mysite.com/p' });
  const x = hitFactsOf(hit(0, { t: 'exception', exd: 'TypeError' }), 'exception', 0);
  assert.equal(x.type === 'exception' && x.exception, { description: 'TypeError', fatal: true });
  const x2 = hitFactsOf(hit(0, { t: 'exception', exf: false }), 'exception', 0);
  assert.equal(x2.type === 'exception' && x2.exception, { fatal: false });
  const t = hitFactsOf(hit(0, { t: 'timing', utc: 'JS', utv: 'load', utt: 120, utl: 'main', plt: 900, dns: 12 }), 'timing', 0);
  assert.equal(t.type === 'timing' && t.timing, { category: 'JS', variable: 'load', time: 120, label: 'main', pageLoad: { plt: 900, dns: 12 } });
});

facts('classic ecommerce: transaction and item hits with their documented defaults (0)', () => {
  const tr = hitFactsOf(hit(0, { t: 'transaction', ti: 'T1', ta: 'Shop', tr: 12.5, tt: 1.5 }), 'transaction', 0);
  assert.equal(tr.type === 'transaction' && tr.transaction, { id: 'T1', affiliation: 'Shop', revenue: 12.5, shipping: 0, tax: 1.5 });
  const item = hitFactsOf(hit(0, { t: 'item', ti: 'T1', in: 'Frisbee', ip: 4, ic: 'SKU1', iv: 'Toys' }), 'item', 0);
  assert.equal(item.type === 'item' && item.item, { transactionId: 'T1', name: 'Frisbee', price: 4, quantity: 0, sku: 'SKU1', category: 'Toys' });
});

facts.run();

const ee = suite('enhanced ecommerce');

ee('purchase with products: products by index with their custom dimensions/metrics, tr verbatim', () => {
  const facts = ecommerceOf({
    pa: 'purchase',
    ti: 'T42',
    ta: 'Web',
    tr: 30,
    tt: 2,
    ts: 3,
    tcc: 'SUMMER',
    pr2id: 'B',
    pr2nm: 'Ball',
    pr2pr: 2,
    pr2qt: 5,
    pr1id: 'F',
    pr1nm: 'Frisbee',
    pr1br: 'Acme',
    pr1ca: 'Toys/Outdoor',
    pr1va: 'red',
    pr1pr: 10,
    pr1qt: 2,
    pr1cc: 'P1',
    pr1ps: 1,
    pr1cd3: 'gift',
    pr1cm4: 9,
  });
  assert.equal(facts, {
    action: 'purchase',
    transaction: { id: 'T42', affiliation: 'Web', revenue: 30, revenueComputed: false, tax: 2, shipping: 3, coupon: 'SUMMER' },
    products: [
      { index: 1, sku: 'F', name: 'Frisbee', brand: 'Acme', category: 'Toys/Outdoor', variant: 'red', price: 10, quantity: 2, couponCode: 'P1', position: 1, customDimensions: { 3: 'gift' }, customMetrics: { 4: 9 } },
      { index: 2, sku: 'B', name: 'Ball', price: 2, quantity: 5 },
    ],
    impressionLists: [],
    promotions: [],
  });
});

ee('purchase without tr: revenue = Σ price × quantity; [I] a product without quantity counts 1', () => {
  const facts = ecommerceOf({ pa: 'purchase', ti: 'T1', pr1pr: 10, pr1qt: 2, pr2pr: 2.5 });
  assert.equal(facts?.transaction, { id: 'T1', revenue: 22.5, revenueComputed: true });
  assert.is(facts?.products[1]?.quantity, 1);
});

ee('products without a product action are ignored (MP-PARAMS); impressions and promotions are kept', () => {
  assert.is(ecommerceOf({ pr1id: 'F', pr1nm: 'Frisbee' }), undefined);
  assert.is(ecommerceOf({ pa: 'bogus', pr1id: 'F' }), undefined);
  const facts = ecommerceOf({ il1nm: 'Search', il1pi1id: 'A', il1pi1ps: 1, il1pi2id: 'B', il1pi2cd1: 'x', promo1id: 'P', promo1nm: 'Sale', promo1cr: 'banner', promo1ps: 'top', promoa: 'promo_click', pr1id: 'ignored' });
  assert.equal(facts, {
    products: [],
    impressionLists: [{ index: 1, name: 'Search', products: [{ index: 1, sku: 'A', position: 1 }, { index: 2, sku: 'B', customDimensions: { 1: 'x' } }] }],
    promotions: [{ index: 1, id: 'P', name: 'Sale', creative: 'banner', position: 'top' }],
    promotionAction: 'click',
  });
  assert.is(ecommerceOf({ promo1id: 'P' })?.promotionAction, 'view');
});

ee('checkout step and option, list of a detail action, refund', () => {
  assert.equal(ecommerceOf({ pa: 'checkout', cos: 2, col: 'Visa', pr1id: 'A' }), {
    action: 'checkout',
    checkoutStep: 2,
    checkoutOption: 'Visa',
    products: [{ index: 1, sku: 'A' }],
    impressionLists: [],
    promotions: [],
  });
  assert.is(ecommerceOf({ pa: 'detail', pal: 'Search', pr1id: 'A' })?.actionList, 'Search');
  assert.equal(ecommerceOf({ pa: 'refund', ti: 'T42' })?.transaction, { id: 'T42', revenue: 0, revenueComputed: true });
});

ee.run();
