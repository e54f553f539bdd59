// The SDK in headless Chromium, end to end: real pages served by a site's web server
// (test-server.ts) embed the snippet, and the hits go to the real system
// (test-collector.ts: collector, event store) and are read back from the event store.
// Host names *.example.test all resolve to 127.0.0.1, so cookie domains, outbound
// links and the script's origin behave as on a real site. What never reaches the store
// (the request as sent, cookies, storage) is checked in the browser.
import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadSdk } from './build.ts';
import { startTestCollector, type StoredHit, type TestCollector } from './test-collector.ts';
import { startPageServer, type PageServer } from './test-server.ts';

const CHROMIUM = '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  process.stderr.write(`sdk.browser.test.ts: skipped, ${CHROMIUM} not found\n`);
} else {
  const { chromium } = await import('playwright-core');
  type Browser = Awaited<ReturnType<typeof chromium.launch>>;
  type Context = Awaited<ReturnType<Browser['newContext']>>;
  type Page = Awaited<ReturnType<Context['newPage']>>;

  const SITE = 'www.shop.example.test';
  /** Where the site owner's snippet loads wa.js from: the Webalytic server. */
  const ANALYTICS = 'analytics.example.test';
  // One property per scenario (created with the default settings, bot filtering on).
  const PROPERTIES = [
    'UA-1001-1', 'UA-1002-1', 'UA-1002-2', 'UA-1003-1', 'UA-1004-1', 'UA-1005-1', 'UA-1006-1',
    'UA-1007-1', 'UA-1008-1', 'UA-1009-1', 'UA-1010-1', 'UA-1010-2', 'UA-1010-3', 'UA-1011-1', 'UA-1012-1',
  ];

  let browser: Browser;
  let site: PageServer;
  let collector: TestCollector;
  // A desktop Chrome user agent: headless Chromium's own says HeadlessChrome, a bot to isbot
  // (the properties filter bots). Set for the whole browser, not per context: a keepalive
  // request that outlives its page carries the browser's user agent, not the context's.
  const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

  // The page snippet, as a site owner pastes it.
  const html = (o: { title?: string; commands: string; body?: string; scriptSrc?: string }): string => `<!doctype html>
<html><head><meta charset="utf-8"><title>${o.title ?? 'Test page'}</title>
<script>
window.wa = window.wa || function(){ (wa.q = wa.q || []).push(arguments) }; wa.l = +new Date;
${o.commands}
</script>
<script async src="${o.scriptSrc ?? collector.url('/wa.js', ANALYTICS)}"></script>
</head><body>${o.body ?? ''}</body></html>`;

  // Records, in the page, every beacon the SDK hands to the browser: a deterministic
  // account of what was sent (or not), independent of network arrival order.
  const RECORD_BEACONS = `
    window.__beacons = [];
    const send = navigator.sendBeacon.bind(navigator);
    navigator.sendBeacon = (url, body) => (window.__beacons.push({ url: String(url), body: String(body) }), send(url, body));`;

  /** A hit as the SDK handed it to the browser. */
  interface Sent {
    url: string;
    params: Record<string, string>;
  }

  // A later hit from the page: once it is stored, everything sent before it was handed to the browser.
  const sendMarker = (page: Page): Promise<void> =>
    page.evaluate(() => (window as unknown as { wa: (...args: unknown[]) => void }).wa('send', 'event', 'Flush', 'marker'));

  const beacons = async (page: Page): Promise<Sent[]> =>
    (await page.evaluate(() => (window as unknown as { __beacons: { url: string; body: string }[] }).__beacons)).map((b) => ({
      url: b.url,
      params: Object.fromEntries(new URLSearchParams(b.body)),
    }));

  /** Opens a fresh browser context (own cookies and storage) and closes it afterwards. */
  const withPage = async (
    fn: (page: Page, context: Context) => Promise<void>,
    initScript = RECORD_BEACONS,
  ): Promise<void> => {
    const context = await browser.newContext({ acceptDownloads: false });
    try {
      await context.addInitScript(initScript);
      await fn(await context.newPage(), context);
    } finally {
      await context.close();
    }
  };

  /** The next hit request the browser sends (to any origin), as it went on the wire. */
  const nextHitRequest = (context: Context) =>
    context.waitForEvent('request', { predicate: (r) => new URL(r.url()).pathname === '/collect', timeout: 10_000 });

  const byAction = (hits: StoredHit[], ea: string): StoredHit => {
    const hit = hits.find((h) => h.params.ea === ea);
    assert.ok(hit, `a hit with ea=${ea}`);
    return hit;
  };

  const types = (hits: StoredHit[]): string[] => hits.map((h) => h.type).sort();

  const sdk = suite('SDK in the browser, into the event store');

  sdk.before(async () => {
    [site, collector] = await Promise.all([startPageServer({ sdk: loadSdk }), startTestCollector(PROPERTIES)]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        `--user-agent=${USER_AGENT}`,
        '--host-resolver-rules=MAP *.example.test 127.0.0.1, MAP *.example.co.uk 127.0.0.1',
      ],
    });
  });

  sdk.after(async () => {
    await browser?.close();
    await Promise.all([site?.close(), collector?.stop()]);
  });

  sdk('pageview on load, sent to the script origin, stored with its facts; a first-party _wa cookie on the registrable domain', async () => {
    const tid = 'UA-1001-1';
    site.page('/home', html({ title: 'Home', scriptSrc: collector.url('/wa.js', 'cdn.example.test'), commands: `wa('create', '${tid}', 'auto'); wa('send', 'pageview');` }));
    await withPage(async (page, context) => {
      const request = nextHitRequest(context);
      request.catch(() => undefined); // awaited below; never unhandled when an assertion fails first
      await page.goto(site.url('/home?q=1#top', SITE));
      const [stored] = await collector.waitForHits(tid, 1);
      assert.ok(stored);
      assert.is(stored.type, 'PageviewRecorded.v1');

      // As sent: the request and its parameter order.
      const sent = await beacons(page);
      assert.is(sent.length, 1);
      assert.is(sent[0]?.url, collector.url('/collect', 'cdn.example.test'), 'hits go to the origin that served wa.js');
      const wire = await request;
      assert.is(wire.url(), collector.url('/collect', 'cdn.example.test'));
      assert.is(wire.method(), 'POST');
      assert.match((await wire.allHeaders())['content-type'] ?? '', /^text\/plain/, 'no CORS preflight');
      const params = sent[0]?.params ?? {};
      assert.equal(Object.keys(params).slice(0, 4), ['v', 'tid', 'cid', 't']);
      assert.is(Object.keys(params).at(-1), 'z', 'the cache buster comes last');

      // As stored: every parameter passed validation.
      const hit = stored.params;
      assert.equal(Object.keys(hit).sort(), Object.keys(params).sort());
      assert.is(hit.v, '1');
      assert.is(hit.t, 'pageview');
      assert.match(String(hit.cid), /^\d+\.\d{10}$/);
      assert.is(hit._cl, undefined);
      assert.is(hit.dl, site.url('/home?q=1', SITE), 'the location without its fragment');
      assert.is(hit.dt, 'Home');
      assert.is(hit.dr, undefined, 'no referrer on a direct visit');
      assert.is(hit.ul, (await page.evaluate(() => navigator.language)).toLowerCase());
      assert.match(String(hit.sr), /^\d+x\d+$/);
      assert.match(String(hit.vp), /^\d+x\d+$/);
      assert.is(hit.de, 'UTF-8');
      assert.match(String(hit.sd), /^\d+-bit$/);
      assert.is(hit.z, params.z);
      assert.is(stored.stream, `client-${tid}.c.${String(hit.cid)}`, 'one stream per client id');
      assert.equal(stored.hit.page, { hostname: SITE, path: '/home?q=1', title: 'Home', location: site.url('/home?q=1', SITE) });
      assert.is(stored.hit.clientId, hit.cid);
      assert.is(stored.hit.isBot, false);
      assert.equal(stored.hit.device, { userAgent: USER_AGENT, language: hit.ul, screenResolution: hit.sr, viewportSize: hit.vp, documentEncoding: 'UTF-8', screenColors: hit.sd });

      const cookies = (await context.cookies()).filter((c) => c.name === '_wa');
      assert.is(cookies.length, 1, 'one _wa cookie, no probe left behind');
      const [cookie] = cookies;
      assert.is(cookie?.value, hit.cid);
      assert.is(cookie?.domain, '.example.test', 'the highest domain the browser accepts');
      assert.is(cookie?.path, '/');
      assert.is(cookie?.sameSite, 'Lax');
      assert.is(cookie?.secure, false, 'Secure only on https');
      assert.is(cookie?.httpOnly, false);
      // We ask for two years; Chromium caps cookie lifetimes at 400 days.
      assert.ok((cookie?.expires ?? 0) > Date.now() / 1000 + 390 * 86400, `expires ${cookie?.expires}`);
    });
  });

  sdk('a second page, on another subdomain, reuses the client id: both hits in one client stream', async () => {
    const tid = 'UA-1002-1';
    site.page('/first', html({ commands: `wa('create', '${tid}'); wa('send', 'pageview');` }));
    site.page('/second', html({ commands: `wa('create', '${tid}'); wa('send', 'pageview');` }));
    await withPage(async (page, context) => {
      await page.goto(site.url('/first', SITE));
      await collector.waitForHits(tid, 1);
      await page.goto(site.url('/second', 'blog.example.test'));
      const [first, second] = await collector.waitForHits(tid, 2);
      assert.equal([first?.type, second?.type], ['PageviewRecorded.v1', 'PageviewRecorded.v1']);
      assert.match(String(first?.params.cid), /^\d+\.\d+$/);
      assert.is(second?.params.cid, first?.params.cid);
      assert.is(second?.stream, first?.stream);
      assert.is(second?.params.dl, site.url('/second', 'blog.example.test'));
      assert.is((second?.hit.page as { hostname?: string } | undefined)?.hostname, 'blog.example.test');
      assert.is((await context.cookies()).filter((c) => c.name === '_wa').length, 1);
    });
  });

  sdk('a returning visitor keeps the client id and the cookie is renewed; public suffixes are skipped', async () => {
    const tid = 'UA-1002-2';
    const host = 'www.shop.example.co.uk';
    site.page('/again', html({ scriptSrc: collector.url('/wa.js', host), commands: `wa('create', '${tid}'); wa('send', 'pageview');` }));
    await withPage(async (page, context) => {
      const inAnHour = Math.round(Date.now() / 1000) + 3600;
      await context.addCookies([{ name: '_wa', value: '123456789.1700000000', domain: '.example.co.uk', path: '/', expires: inAnHour, sameSite: 'Lax' }]);
      await page.goto(site.url('/again', host));
      const [hit] = await collector.waitForHits(tid, 1);
      assert.is(hit?.type, 'PageviewRecorded.v1');
      assert.is(hit?.params.cid, '123456789.1700000000');
      assert.is(hit?.stream, `client-${tid}.c.123456789.1700000000`);
      const cookies = (await context.cookies()).filter((c) => c.name === '_wa');
      assert.is(cookies.length, 1, 'co.uk was refused, the cookie on example.co.uk rewritten');
      assert.is(cookies[0]?.domain, '.example.co.uk');
      assert.ok((cookies[0]?.expires ?? 0) > inAnHour + 300 * 86400, 'expiry renewed');
    });
  });

  sdk('events, social, timing and exception hits from positional arguments and fields objects', async () => {
    const tid = 'UA-1003-1';
    site.page('/events', html({
      commands: `wa('create', '${tid}');
        wa('send', 'event', 'Video', 'play', 'Intro', 3);
        wa('send', 'event', 'Video', 'pause', { nonInteraction: true, eventLabel: 'Outro' });
        wa('send', { hitType: 'event', eventCategory: 'Form', eventAction: 'submit', dimension1: 'x' });
        wa('send', 'social', 'Mastodon', 'boost', 'https://example.test/post');
        wa('send', 'timing', 'JS', 'load', 120, 'app.js');
        wa('send', 'exception', { exDescription: 'oops', exFatal: false });`,
    }));
    await withPage(async (page) => {
      await page.goto(site.url('/events', SITE));
      const hits = await collector.waitForHits(tid, 6);
      assert.equal(types(hits), [
        'EventRecorded.v1', 'EventRecorded.v1', 'EventRecorded.v1',
        'ExceptionRecorded.v1', 'SocialInteractionRecorded.v1', 'TimingRecorded.v1',
      ]);
      const play = byAction(hits, 'play');
      assert.equal([play.params.t, play.params.ec, play.params.el, play.params.ev], ['event', 'Video', 'Intro', 3]);
      assert.equal(play.hit.event, { category: 'Video', action: 'play', label: 'Intro', value: 3 });
      assert.is(play.hit.interaction, true);
      const pause = byAction(hits, 'pause');
      assert.equal([pause.params.ni, pause.params.el, pause.params.ev], [true, 'Outro', undefined]);
      assert.is(pause.hit.interaction, false, 'nonInteraction');
      const submit = byAction(hits, 'submit');
      assert.equal([submit.params.t, submit.params.ec, submit.params.cd1], ['event', 'Form', 'x']);
      assert.equal(submit.hit.customDimensions, { 1: 'x' });
      const social = hits.find((h) => h.type === 'SocialInteractionRecorded.v1');
      assert.equal([social?.params.sn, social?.params.sa, social?.params.st], ['Mastodon', 'boost', 'https://example.test/post']);
      assert.equal(social?.hit.social, { network: 'Mastodon', action: 'boost', target: 'https://example.test/post' });
      const timing = hits.find((h) => h.type === 'TimingRecorded.v1');
      assert.equal([timing?.params.utc, timing?.params.utv, timing?.params.utt, timing?.params.utl], ['JS', 'load', 120, 'app.js']);
      assert.equal(timing?.hit.timing, { category: 'JS', variable: 'load', time: 120, label: 'app.js' });
      const exception = hits.find((h) => h.type === 'ExceptionRecorded.v1');
      assert.equal([exception?.params.exd, exception?.params.exf], ['oops', false]);
      assert.equal(exception?.hit.exception, { description: 'oops', fatal: false });
    });
  });

  sdk('set: custom dimensions and metrics, page, title, location, referrer, userId', async () => {
    const tid = 'UA-1004-1';
    site.page('/set', html({
      commands: `wa('create', '${tid}');
        wa('set', 'dimension3', 'gold');
        wa('set', { metric2: 7, userId: 'u-42' });
        wa('set', 'page', '/virtual/page');
        wa('set', 'title', 'Virtual');
        wa('set', 'referrer', 'https://news.example.org/');
        wa('send', 'pageview');
        wa('set', 'location', 'https://elsewhere.example.test/x');
        wa('send', 'event', 'Cat', 'after-set');`,
    }));
    await withPage(async (page) => {
      await page.goto(site.url('/set', SITE));
      const hits = await collector.waitForHits(tid, 2);
      assert.equal(types(hits), ['EventRecorded.v1', 'PageviewRecorded.v1']);
      const pageview = hits.find((h) => h.type === 'PageviewRecorded.v1');
      const p = pageview?.params ?? {};
      assert.equal([p.cd3, p.cm2, p.uid, p.dp, p.dt, p.dr], ['gold', 7, 'u-42', '/virtual/page', 'Virtual', 'https://news.example.org/']);
      assert.is(p.dl, site.url('/set', SITE));
      assert.equal(pageview?.hit.page, { hostname: SITE, path: '/virtual/page', title: 'Virtual', location: site.url('/set', SITE) });
      assert.equal([pageview?.hit.customDimensions, pageview?.hit.customMetrics], [{ 3: 'gold' }, { 2: 7 }]);
      const event = byAction(hits, 'after-set');
      assert.is(event.params.dl, 'https://elsewhere.example.test/x');
      assert.is(event.params.cd3, 'gold', 'set fields stay on the tracker');
    });
  });

  sdk('ecommerce: a transaction and its items; clear drops what was not sent', async () => {
    const tid = 'UA-1005-1';
    site.page('/checkout', html({
      commands: `wa('create', '${tid}');
        wa('require', 'ecommerce');
        wa('ecommerce:addItem', { id: 'T-1', name: 'Tea', sku: 'TEA-1', category: 'Drinks', price: '4.50', quantity: 2 });
        wa('ecommerce:addTransaction', { id: 'T-1', affiliation: 'Shop', revenue: '11.99', shipping: '2.99', tax: '1.50', currency: 'EUR' });
        wa('ecommerce:addItem', { id: 'T-1', name: 'Cup', price: '3', quantity: 1 });
        wa('ecommerce:send');
        wa('ecommerce:addItem', { id: 'T-2', name: 'Never sent' });
        wa('ecommerce:clear');
        wa('ecommerce:send');`,
    }));
    await withPage(async (page) => {
      await page.goto(site.url('/checkout', SITE));
      const hits = await collector.waitForHits(tid, 3);
      const sent = await beacons(page);
      assert.equal(sent.map((s) => s.params.t), ['transaction', 'item', 'item'], 'the transaction first, nothing after clear');
      assert.equal(types(hits), ['ItemRecorded.v1', 'ItemRecorded.v1', 'TransactionRecorded.v1']);
      const transaction = hits.find((h) => h.type === 'TransactionRecorded.v1');
      const t = transaction?.params ?? {};
      assert.equal([t.ti, t.ta, t.tr, t.ts, t.tt, t.cu, t.id], ['T-1', 'Shop', 11.99, 2.99, 1.5, 'EUR', undefined]);
      assert.equal(transaction?.hit.transaction, { id: 'T-1', affiliation: 'Shop', revenue: 11.99, shipping: 2.99, tax: 1.5 });
      assert.is(transaction?.hit.currency, 'EUR');
      const tea = hits.find((h) => h.params.in === 'Tea');
      assert.equal([tea?.type, tea?.params.ti, tea?.params.ic, tea?.params.iv, tea?.params.ip, tea?.params.iq], ['ItemRecorded.v1', 'T-1', 'TEA-1', 'Drinks', 4.5, 2]);
      assert.equal(tea?.hit.item, { transactionId: 'T-1', name: 'Tea', price: 4.5, quantity: 2, sku: 'TEA-1', category: 'Drinks' });
      const cup = hits.find((h) => h.params.in === 'Cup');
      assert.equal([cup?.params.ti, cup?.params.ip, cup?.params.iq], ['T-1', 3, 1]);
    });
  });

  sdk('SPA: pushState, hash changes and back navigation each send one pageview with the new path', async () => {
    const tid = 'UA-1006-1';
    site.page('/app', html({ title: 'App', commands: `wa('create', '${tid}', { autoTrack: { spa: true } }); wa('send', 'pageview');` }));
    await withPage(async (page) => {
      await page.goto(site.url('/app', SITE));
      await collector.waitForHits(tid, 1);
      await page.evaluate(() => {
        history.pushState({}, '', '/app/step2?x=1');
        document.title = 'Step 2';
        history.replaceState({ same: 'url' }, ''); // same URL: no pageview
      });
      const [, step2] = await collector.waitForHits(tid, 2);
      assert.is(step2?.type, 'PageviewRecorded.v1');
      assert.equal([step2?.params.dp, step2?.params.dt], ['/app/step2?x=1', 'Step 2']);
      assert.is(step2?.params.dl, site.url('/app/step2?x=1', SITE));
      assert.equal(step2?.hit.page, { hostname: SITE, path: '/app/step2?x=1', title: 'Step 2', location: site.url('/app/step2?x=1', SITE) });

      await page.evaluate(() => (location.hash = '#/tab'));
      const [, , tab] = await collector.waitForHits(tid, 3);
      assert.is(tab?.type, 'PageviewRecorded.v1');
      assert.is(tab?.params.dp, '/app/step2?x=1#/tab');

      await page.goBack(); // popstate and hashchange both fire: one pageview
      const [, , , back] = await collector.waitForHits(tid, 4);
      assert.is(back?.type, 'PageviewRecorded.v1');
      assert.is(back?.params.dp, '/app/step2?x=1');

      await sendMarker(page);
      const all = await collector.waitForHits(tid, 5);
      assert.equal(all.map((h) => h.type), ['PageviewRecorded.v1', 'PageviewRecorded.v1', 'PageviewRecorded.v1', 'PageviewRecorded.v1', 'EventRecorded.v1']);
      const sent = await beacons(page);
      assert.equal(sent.map((s) => s.params.dp ?? '(dl)'), ['(dl)', '/app/step2?x=1', '/app/step2?x=1#/tab', '/app/step2?x=1', '/app/step2?x=1']);
      assert.is(sent.filter((s) => s.params.t === 'pageview').length, 4);
    });
  });

  sdk('outbound link click: the beacon survives the navigation away', async () => {
    const tid = 'UA-1007-1';
    const landing = site.url('/landing', 'other.example.test');
    site.page('/landing', '<!doctype html><title>Landing</title>');
    site.page('/links', html({
      commands: `wa('create', '${tid}', { autoTrack: { outbound: true } });`,
      body: `<a id="internal" href="/landing">internal</a> <a id="out" href="${landing}"><span>away</span></a>`,
    }));
    await withPage(async (page) => {
      await page.goto(site.url('/links', SITE));
      await page.click('#out span'); // a click inside the link counts too
      await page.waitForURL(landing);
      const [hit] = await collector.waitForHits(tid, 1);
      assert.is(hit?.type, 'EventRecorded.v1');
      assert.equal([hit?.params.ec, hit?.params.ea, hit?.params.el], ['Outbound', 'click', landing]);
      assert.equal(hit?.hit.event, { category: 'Outbound', action: 'click', label: landing });

      await page.goto(site.url('/links', SITE));
      await page.click('#internal');
      await page.waitForURL(site.url('/landing', SITE));
      await page.goBack();
      await sendMarker(page);
      const [, marker] = await collector.waitForHits(tid, 2);
      assert.is(marker?.params.ea, 'marker');
      assert.equal((await beacons(page)).map((s) => s.params.ea), ['marker'], 'an internal link is not outbound');
    });
  });

  sdk('download link click sends a Download event', async () => {
    const tid = 'UA-1008-1';
    const file = site.url('/files/report.PDF?v=2', SITE);
    site.page('/downloads', html({
      commands: `wa('create', '${tid}', { autoTrack: { downloads: true, outbound: true } });`,
      body: `<a id="file" href="${file}">report</a>`,
    }));
    await withPage(async (page) => {
      await page.goto(site.url('/downloads', SITE));
      await page.click('#file');
      const [hit] = await collector.waitForHits(tid, 1);
      assert.is(hit?.type, 'EventRecorded.v1');
      assert.equal([hit?.params.ec, hit?.params.ea, hit?.params.el], ['Download', 'click', file]);
      assert.equal(hit?.hit.event, { category: 'Download', action: 'click', label: file });
    });
  });

  sdk('uncaught errors and unhandled rejections send exception hits; failed resource loads do not', async () => {
    const tid = 'UA-1009-1';
    site.page('/errors', html({ commands: `wa('create', '${tid}', { autoTrack: { errors: true } });` }));
    await withPage(async (page) => {
      await page.goto(site.url('/errors', SITE));
      await page.evaluate(() => new Promise((resolve) => {
        const img = new Image();
        img.onerror = resolve;
        img.src = '/missing.png';
        document.body.append(img);
      }));
      await page.evaluate(() => {
        setTimeout(() => { throw new Error('boom'); });
        void Promise.reject(new Error('nope'));
      });
      const hits = await collector.waitForHits(tid, 2);
      assert.equal(types(hits), ['ExceptionRecorded.v1', 'ExceptionRecorded.v1']);
      const descriptions = hits.map((h) => String(h.params.exd)).sort();
      assert.ok(descriptions.some((d) => d.includes('Error: boom')), descriptions.join());
      assert.ok(descriptions.includes('nope'), descriptions.join());
      assert.ok(hits.every((h) => h.params.exf === true && (h.hit.exception as { fatal?: boolean }).fatal === true));
      const sent = await beacons(page);
      assert.is(sent.length, 2, 'the failed image load sent nothing');
    });
  });

  sdk('opt-out global and Do Not Track (with respectDnt): nothing sent or stored, no cookie, hitCallback still called', async () => {
    const tid = 'UA-1010-1';
    const dnt = 'UA-1010-2';
    const allowed = 'UA-1010-3';
    site.page('/optout', html({
      commands: `window['wa-disable-${tid}'] = true;
        wa('create', '${tid}');
        wa('create', '${dnt}', { name: 'dnt', respectDnt: true });
        wa('create', '${allowed}', { name: 'ok', cookieless: true });
        wa('send', 'pageview', { hitCallback: () => { window.calledBack = true; } });
        wa('dnt.send', 'pageview');
        wa('ok.send', 'pageview');`,
    }));
    const doNotTrack = `${RECORD_BEACONS}
      Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' });`;
    await withPage(async (page, context) => {
      await page.goto(site.url('/optout', SITE));
      const [stored] = await collector.waitForHits(allowed, 1);
      assert.is(stored?.type, 'PageviewRecorded.v1');
      assert.equal((await beacons(page)).map((s) => s.params.tid), [allowed], 'only the allowed tracker sent a hit');
      // Both properties exist, so a hit sent to them would have been stored.
      assert.equal(await collector.storedHits(tid), []);
      assert.equal(await collector.storedHits(dnt), []);
      assert.equal(await context.cookies(), []);
      assert.is(await page.evaluate(() => (window as unknown as { calledBack?: boolean }).calledBack), true, 'hitCallback still runs');
    }, doNotTrack);
  });

  sdk('cookieless mode: no cookie, no storage, _cl=1 and no cid sent; the collector derives the visitor id', async () => {
    const tid = 'UA-1011-1';
    site.page('/cookieless', html({ commands: `wa('create', '${tid}', { cookieless: true }); wa('send', 'pageview'); wa('send', 'event', 'A', 'b');` }));
    await withPage(async (page, context) => {
      await page.goto(site.url('/cookieless', SITE));
      const hits = await collector.waitForHits(tid, 2);
      assert.equal(types(hits), ['EventRecorded.v1', 'PageviewRecorded.v1']);
      const sent = await beacons(page);
      assert.equal(sent.map((s) => [s.params._cl, s.params.cid]), [['1', undefined], ['1', undefined]]);
      const [first, second] = hits;
      assert.is(first?.params._cl, true);
      assert.match(String(first?.params.cid), /^cl\.[0-9a-f]+$/, 'a server-derived id');
      assert.is(second?.params.cid, first?.params.cid, 'stable for the visitor within the day');
      assert.is(second?.stream, first?.stream);
      assert.is(first?.hit.clientId, first?.params.cid);
      assert.equal(await context.cookies(), []);
      const storage = await page.evaluate(() => [document.cookie, localStorage.length, sessionStorage.length]);
      assert.equal(storage, ['', 0, 0]);
    });
  });

  sdk('a hit sent on pagehide arrives; without sendBeacon, fetch keepalive carries it to the transportUrl', async () => {
    const tid = 'UA-1012-1';
    const transportUrl = collector.url('/collect', 'hits.example.test');
    // wa.js from the site itself: without transportUrl, hits would go to the site's server.
    site.page('/leave', html({
      scriptSrc: site.url('/wa.js', SITE),
      commands: `wa('create', '${tid}', { transportUrl: '${transportUrl}' });
        addEventListener('pagehide', () => wa('send', 'event', 'Page', 'leave'));`,
    }));
    site.page('/next', '<!doctype html><title>Next</title>');
    // Playwright does not report a keepalive request sent while its page unloads: the store
    // (on the collector's port, not the site's) shows where it went.
    await withPage(async (page) => {
      await page.goto(site.url('/leave', SITE));
      await page.goto(site.url('/next', SITE));
      const [hit] = await collector.waitForHits(tid, 1);
      assert.is(hit?.type, 'EventRecorded.v1');
      assert.equal([hit?.params.ec, hit?.params.ea], ['Page', 'leave']);
      assert.equal([hit?.hit.isBot, (hit?.hit.device as { userAgent?: string } | undefined)?.userAgent], [false, USER_AGENT]);
      assert.is(await page.evaluate(() => 'sendBeacon' in navigator), false, 'the fallback ran: no sendBeacon in the page');
    }, `delete Navigator.prototype.sendBeacon;`);
    assert.is(site.strayHits(), 0, 'transportUrl wins over the script origin: no hit reached the site');
    assert.is((await collector.storedHits(tid)).length, 1);
  });

  sdk.run();
}
