// The SDK in headless Chromium, against a real HTTP server that records hits.
// Host names *.example.test all resolve to 127.0.0.1, so cookie domains,
// outbound links and the script's origin behave as on a real site.
import { existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadSdk } from './build.ts';
import { startTestServer, type Hit, type TestServer } from './test-server.ts';

const CHROMIUM = '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  process.stderr.write(`sdk.browser.test.ts: skipped, ${CHROMIUM} not found\n`);
} else {
  const { chromium } = await import('playwright-core');
  type Browser = Awaited<ReturnType<typeof chromium.launch>>;
  type Context = Awaited<ReturnType<Browser['newContext']>>;
  type Page = Awaited<ReturnType<Context['newPage']>>;

  const SITE = 'www.shop.example.test';
  let browser: Browser;
  let server: TestServer;

  // The page snippet, as a site owner pastes it.
  const html = (o: { title?: string; commands: string; body?: string; scriptHost?: string }): string => `<!doctype html>
<html><head><meta charset="utf-8"><title>${o.title ?? 'Test page'}</title>
<script>
window.wa = window.wa || function(){ (wa.q = wa.q || []).push(arguments) }; wa.l = +new Date;
${o.commands}
</script>
<script async src="${server.url('/wa.js', o.scriptHost ?? SITE)}"></script>
</head><body>${o.body ?? ''}</body></html>`;

  // Records, in the page, every beacon the SDK hands to the browser: a deterministic
  // count of what was sent (or not), independent of network arrival order.
  const RECORD_BEACONS = `
    window.__beacons = [];
    const send = navigator.sendBeacon.bind(navigator);
    navigator.sendBeacon = (url, body) => (window.__beacons.push(String(body)), send(url, body));`;

  // A later hit from the page: once it has arrived, everything sent before it was handed to the browser.
  const sendMarker = (page: Page): Promise<void> =>
    page.evaluate(() => (window as unknown as { wa: (...args: unknown[]) => void }).wa('send', 'event', 'Flush', 'marker'));

  const beacons = async (page: Page): Promise<Hit[]> =>
    (await page.evaluate(() => (window as unknown as { __beacons: string[] }).__beacons)).map((b) =>
      Object.fromEntries(new URLSearchParams(b)),
    );

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

  const byAction = (hits: Hit[], ea: string): Hit => {
    const hit = hits.find((h) => h.ea === ea);
    assert.ok(hit, `a hit with ea=${ea}`);
    return hit;
  };

  const sdk = suite('SDK in the browser');

  sdk.before(async () => {
    server = await startTestServer({ sdk: loadSdk });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--host-resolver-rules=MAP *.example.test 127.0.0.1, MAP *.example.co.uk 127.0.0.1',
      ],
    });
  });

  sdk.after(async () => {
    await browser?.close();
    await server?.close();
  });

  sdk('pageview on load, sent to the script origin, with a first-party _wa cookie on the registrable domain', async () => {
    const tid = 'UA-1001-1';
    server.page('/home', html({ title: 'Home', scriptHost: 'cdn.example.test', commands: `wa('create', '${tid}', 'auto'); wa('send', 'pageview');` }));
    await withPage(async (page, context) => {
      await page.goto(server.url('/home?q=1#top', SITE));
      const [hit] = await server.waitForHits(tid, 1);
      assert.ok(hit);
      assert.equal(Object.keys(hit).slice(0, 4), ['v', 'tid', 'cid', 't']);
      assert.is(Object.keys(hit).at(-1), 'z', 'the cache buster comes last');
      assert.is(hit.v, '1');
      assert.is(hit.t, 'pageview');
      assert.match(hit.cid ?? '', /^\d+\.\d{10}$/);
      assert.is(hit._cl, undefined);
      assert.is(hit.dl, server.url('/home?q=1', SITE), 'the location without its fragment');
      assert.is(hit.dt, 'Home');
      assert.is(hit.dr, undefined, 'no referrer on a direct visit');
      assert.is(hit.ul, (await page.evaluate(() => navigator.language)).toLowerCase());
      assert.match(hit.sr ?? '', /^\d+x\d+$/);
      assert.match(hit.vp ?? '', /^\d+x\d+$/);
      assert.is(hit.de, 'UTF-8');
      assert.match(hit.sd ?? '', /^\d+-bit$/);
      assert.match(hit.z ?? '', /^\d+$/);

      const [request] = server.requests(tid);
      assert.is(request?.host, `cdn.example.test:${server.port}`, 'hits go to the origin that served wa.js');
      assert.is(request?.method, 'POST');
      assert.match(request?.contentType ?? '', /^text\/plain/);

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

  sdk('a second page, on another subdomain, reuses the client id', async () => {
    const tid = 'UA-1002-1';
    server.page('/first', html({ commands: `wa('create', '${tid}'); wa('send', 'pageview');` }));
    server.page('/second', html({ commands: `wa('create', '${tid}'); wa('send', 'pageview');` }));
    await withPage(async (page, context) => {
      await page.goto(server.url('/first', SITE));
      await server.waitForHits(tid, 1);
      await page.goto(server.url('/second', 'blog.example.test'));
      const [first, second] = await server.waitForHits(tid, 2);
      assert.match(first?.cid ?? '', /^\d+\.\d+$/);
      assert.is(second?.cid, first?.cid);
      assert.is(second?.dl, server.url('/second', 'blog.example.test'));
      assert.is((await context.cookies()).filter((c) => c.name === '_wa').length, 1);
    });
  });

  sdk('a returning visitor keeps the client id and the cookie is renewed; public suffixes are skipped', async () => {
    const tid = 'UA-1002-2';
    const host = 'www.shop.example.co.uk';
    server.page('/again', html({ scriptHost: host, commands: `wa('create', '${tid}'); wa('send', 'pageview');` }));
    await withPage(async (page, context) => {
      const inAnHour = Math.round(Date.now() / 1000) + 3600;
      await context.addCookies([{ name: '_wa', value: '123456789.1700000000', domain: '.example.co.uk', path: '/', expires: inAnHour, sameSite: 'Lax' }]);
      await page.goto(server.url('/again', host));
      const [hit] = await server.waitForHits(tid, 1);
      assert.is(hit?.cid, '123456789.1700000000');
      const cookies = (await context.cookies()).filter((c) => c.name === '_wa');
      assert.is(cookies.length, 1, 'co.uk was refused, the cookie on example.co.uk rewritten');
      assert.is(cookies[0]?.domain, '.example.co.uk');
      assert.ok((cookies[0]?.expires ?? 0) > inAnHour + 300 * 86400, 'expiry renewed');
    });
  });

  sdk('events, social, timing and exception hits from positional arguments and fields objects', async () => {
    const tid = 'UA-1003-1';
    server.page('/events', html({
      commands: `wa('create', '${tid}');
        wa('send', 'event', 'Video', 'play', 'Intro', 3);
        wa('send', 'event', 'Video', 'pause', { nonInteraction: true, eventLabel: 'Outro' });
        wa('send', { hitType: 'event', eventCategory: 'Form', eventAction: 'submit', dimension1: 'x' });
        wa('send', 'social', 'Mastodon', 'boost', 'https://example.test/post');
        wa('send', 'timing', 'JS', 'load', 120, 'app.js');
        wa('send', 'exception', { exDescription: 'oops', exFatal: false });`,
    }));
    await withPage(async (page) => {
      await page.goto(server.url('/events', SITE));
      const hits = await server.waitForHits(tid, 6);
      const play = byAction(hits, 'play');
      assert.equal([play.t, play.ec, play.el, play.ev], ['event', 'Video', 'Intro', '3']);
      const pause = byAction(hits, 'pause');
      assert.equal([pause.ni, pause.el, pause.ev], ['1', 'Outro', undefined]);
      const submit = byAction(hits, 'submit');
      assert.equal([submit.t, submit.ec, submit.cd1], ['event', 'Form', 'x']);
      const social = hits.find((h) => h.t === 'social');
      assert.equal([social?.sn, social?.sa, social?.st], ['Mastodon', 'boost', 'https://example.test/post']);
      const timing = hits.find((h) => h.t === 'timing');
      assert.equal([timing?.utc, timing?.utv, timing?.utt, timing?.utl], ['JS', 'load', '120', 'app.js']);
      const exception = hits.find((h) => h.t === 'exception');
      assert.equal([exception?.exd, exception?.exf], ['oops', '0']);
    });
  });

  sdk('set: custom dimensions and metrics, page, title, location, referrer, userId', async () => {
    const tid = 'UA-1004-1';
    server.page('/set', html({
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
      await page.goto(server.url('/set', SITE));
      const hits = await server.waitForHits(tid, 2);
      const pageview = hits.find((h) => h.t === 'pageview');
      assert.equal(
        [pageview?.cd3, pageview?.cm2, pageview?.uid, pageview?.dp, pageview?.dt, pageview?.dr],
        ['gold', '7', 'u-42', '/virtual/page', 'Virtual', 'https://news.example.org/'],
      );
      assert.is(pageview?.dl, server.url('/set', SITE));
      const event = byAction(hits, 'after-set');
      assert.is(event.dl, 'https://elsewhere.example.test/x');
      assert.is(event.cd3, 'gold', 'set fields stay on the tracker');
    });
  });

  sdk('ecommerce: a transaction and its items; clear drops what was not sent', async () => {
    const tid = 'UA-1005-1';
    server.page('/checkout', html({
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
      await page.goto(server.url('/checkout', SITE));
      const hits = await server.waitForHits(tid, 3);
      const sent = await beacons(page);
      assert.equal(sent.map((h) => h.t), ['transaction', 'item', 'item'], 'the transaction first, nothing after clear');
      const transaction = hits.find((h) => h.t === 'transaction');
      assert.equal(
        [transaction?.ti, transaction?.ta, transaction?.tr, transaction?.ts, transaction?.tt, transaction?.cu, transaction?.id],
        ['T-1', 'Shop', '11.99', '2.99', '1.50', 'EUR', undefined],
      );
      const tea = hits.find((h) => h.in === 'Tea');
      assert.equal([tea?.t, tea?.ti, tea?.ic, tea?.iv, tea?.ip, tea?.iq], ['item', 'T-1', 'TEA-1', 'Drinks', '4.50', '2']);
      assert.is(hits.find((h) => h.in === 'Cup')?.ti, 'T-1');
    });
  });

  sdk('SPA: pushState, hash changes and back navigation each send one pageview with the new path', async () => {
    const tid = 'UA-1006-1';
    server.page('/app', html({ title: 'App', commands: `wa('create', '${tid}', { autoTrack: { spa: true } }); wa('send', 'pageview');` }));
    await withPage(async (page) => {
      await page.goto(server.url('/app', SITE));
      await server.waitForHits(tid, 1);
      await page.evaluate(() => {
        history.pushState({}, '', '/app/step2?x=1');
        document.title = 'Step 2';
        history.replaceState({ same: 'url' }, ''); // same URL: no pageview
      });
      const [, step2] = await server.waitForHits(tid, 2);
      assert.equal([step2?.t, step2?.dp, step2?.dt], ['pageview', '/app/step2?x=1', 'Step 2']);
      assert.is(step2?.dl, server.url('/app/step2?x=1', SITE));

      await page.evaluate(() => (location.hash = '#/tab'));
      const [, , tab] = await server.waitForHits(tid, 3);
      assert.is(tab?.dp, '/app/step2?x=1#/tab');

      await page.goBack(); // popstate and hashchange both fire: one pageview
      const [, , , back] = await server.waitForHits(tid, 4);
      assert.is(back?.dp, '/app/step2?x=1');

      await sendMarker(page);
      await server.waitForHits(tid, 5);
      const sent = await beacons(page);
      assert.equal(sent.map((h) => h.dp ?? '(dl)'), ['(dl)', '/app/step2?x=1', '/app/step2?x=1#/tab', '/app/step2?x=1', '/app/step2?x=1']);
      assert.is(sent.filter((h) => h.t === 'pageview').length, 4);
    });
  });

  sdk('outbound link click: the beacon survives the navigation away', async () => {
    const tid = 'UA-1007-1';
    const landing = server.url('/landing', 'other.example.test');
    server.page('/landing', '<!doctype html><title>Landing</title>');
    server.page('/links', html({
      commands: `wa('create', '${tid}', { autoTrack: { outbound: true } });`,
      body: `<a id="internal" href="/landing">internal</a> <a id="out" href="${landing}"><span>away</span></a>`,
    }));
    await withPage(async (page) => {
      await page.goto(server.url('/links', SITE));
      await page.click('#out span'); // a click inside the link counts too
      await page.waitForURL(landing);
      const [hit] = await server.waitForHits(tid, 1);
      assert.equal([hit?.t, hit?.ec, hit?.ea, hit?.el], ['event', 'Outbound', 'click', landing]);

      await page.goto(server.url('/links', SITE));
      await page.click('#internal');
      await page.waitForURL(server.url('/landing', SITE));
      await page.goBack();
      await sendMarker(page);
      await server.waitForHits(tid, 2);
      assert.equal((await beacons(page)).map((h) => h.ea), ['marker'], 'an internal link is not outbound');
    });
  });

  sdk('download link click sends a Download event', async () => {
    const tid = 'UA-1008-1';
    const file = server.url('/files/report.PDF?v=2', SITE);
    server.page('/downloads', html({
      commands: `wa('create', '${tid}', { autoTrack: { downloads: true, outbound: true } });`,
      body: `<a id="file" href="${file}">report</a>`,
    }));
    await withPage(async (page) => {
      await page.goto(server.url('/downloads', SITE));
      await page.click('#file');
      const [hit] = await server.waitForHits(tid, 1);
      assert.equal([hit?.t, hit?.ec, hit?.ea, hit?.el], ['event', 'Download', 'click', file]);
    });
  });

  sdk('uncaught errors and unhandled rejections send exception hits; failed resource loads do not', async () => {
    const tid = 'UA-1009-1';
    server.page('/errors', html({ commands: `wa('create', '${tid}', { autoTrack: { errors: true } });` }));
    await withPage(async (page) => {
      await page.goto(server.url('/errors', SITE));
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
      const hits = await server.waitForHits(tid, 2);
      const descriptions = hits.map((h) => h.exd ?? '').sort();
      assert.ok(descriptions.some((d) => d.includes('Error: boom')), descriptions.join());
      assert.ok(descriptions.includes('nope'), descriptions.join());
      assert.ok(hits.every((h) => h.t === 'exception' && h.exf === '1'));
      const sent = await beacons(page);
      assert.is(sent.length, 2, 'the failed image load sent nothing');
    });
  });

  sdk('opt-out global and Do Not Track (with respectDnt): nothing sent, no cookie, hitCallback still called', async () => {
    const tid = 'UA-1010-1';
    const dnt = 'UA-1010-2';
    const allowed = 'UA-1010-3';
    server.page('/optout', html({
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
      await page.goto(server.url('/optout', SITE));
      await server.waitForHits(allowed, 1);
      assert.equal((await beacons(page)).map((h) => h.tid), [allowed], 'only the allowed tracker sent a hit');
      assert.is(server.hits(tid).length, 0);
      assert.is(server.hits(dnt).length, 0);
      assert.equal(await context.cookies(), []);
      assert.is(await page.evaluate(() => (window as unknown as { calledBack?: boolean }).calledBack), true, 'hitCallback still runs');
    }, doNotTrack);
  });

  sdk('cookieless mode: no cookie, no storage, _cl=1 and no cid', async () => {
    const tid = 'UA-1011-1';
    server.page('/cookieless', html({ commands: `wa('create', '${tid}', { cookieless: true }); wa('send', 'pageview'); wa('send', 'event', 'A', 'b');` }));
    await withPage(async (page, context) => {
      await page.goto(server.url('/cookieless', SITE));
      const hits = await server.waitForHits(tid, 2);
      for (const hit of hits) {
        assert.is(hit._cl, '1');
        assert.is(hit.cid, undefined);
      }
      assert.equal(await context.cookies(), []);
      const storage = await page.evaluate(() => [document.cookie, localStorage.length, sessionStorage.length]);
      assert.equal(storage, ['', 0, 0]);
    });
  });

  sdk('a hit sent on pagehide arrives; without sendBeacon, fetch keepalive carries it', async () => {
    const tid = 'UA-1012-1';
    server.page('/leave', html({ commands: `wa('create', '${tid}', { transportUrl: '${server.url('/collect', 'hits.example.test')}' });
      addEventListener('pagehide', () => wa('send', 'event', 'Page', 'leave'));` }));
    server.page('/next', '<!doctype html><title>Next</title>');
    await withPage(async (page) => {
      await page.goto(server.url('/leave', SITE));
      await page.goto(server.url('/next', SITE));
      const [hit] = await server.waitForHits(tid, 1);
      assert.equal([hit?.ec, hit?.ea], ['Page', 'leave']);
      const [request] = server.requests(tid);
      assert.is(request?.host, `hits.example.test:${server.port}`, 'transportUrl wins over the script origin');
      assert.is(request?.method, 'POST');
    }, `delete Navigator.prototype.sendBeacon;`);
    // Proves the fallback ran: sendBeacon did not exist in that page.
    assert.is(server.hits(tid).length, 1);
  });

  sdk.run();
}
