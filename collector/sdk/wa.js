// Webalytic browser SDK (served at /wa.js). An analytics.js-style command
// queue in front of Measurement Protocol v1 hits. Kept tiny on purpose: the
// minified, gzipped build must stay under 2 KB (see build.ts).
((w, d, nav) => {
  const q = w.wa;
  if (q && q.loaded) return; // included twice: the first copy already runs
  const loc = w.location;
  const script = d.currentScript;
  // Hits go to the origin that served this script, unless transportUrl says otherwise.
  const endpoint = (script && script.src ? new URL(script.src).origin : '') + '/collect';
  const trackers = {};
  const isObj = (x) => x && typeof x == 'object';
  const rnd = () => crypto.getRandomValues(new Uint32Array(1))[0] >>> 1; // 31 bits, like analytics.js

  // analytics.js field names -> Measurement Protocol parameters. Unknown names
  // pass through unchanged, so raw parameters (`aip`, `cd3`) work too.
  const FIELDS = {
    page: 'dp', title: 'dt', location: 'dl', referrer: 'dr', hostname: 'dh', userId: 'uid',
    hitType: 't', nonInteraction: 'ni', anonymizeIp: 'aip', currencyCode: 'cu', dataSource: 'ds',
    sessionControl: 'sc', queueTime: 'qt', screenName: 'cd', linkid: 'linkid',
    eventCategory: 'ec', eventAction: 'ea', eventLabel: 'el', eventValue: 'ev',
    socialNetwork: 'sn', socialAction: 'sa', socialTarget: 'st',
    timingCategory: 'utc', timingVar: 'utv', timingValue: 'utt', timingLabel: 'utl',
    exDescription: 'exd', exFatal: 'exf',
    campaignName: 'cn', campaignSource: 'cs', campaignMedium: 'cm', campaignKeyword: 'ck',
    campaignContent: 'cc', campaignId: 'ci',
    // classic ecommerce (ecommerce:addTransaction / ecommerce:addItem objects)
    affiliation: 'ta', revenue: 'tr', shipping: 'ts', tax: 'tt', currency: 'cu',
    name: 'in', sku: 'ic', category: 'iv', price: 'ip', quantity: 'iq',
  };
  // Positional arguments of `send`, per hit type (as in analytics.js).
  const POSITIONAL = {
    pageview: ['page'],
    event: ['eventCategory', 'eventAction', 'eventLabel', 'eventValue'],
    social: ['socialNetwork', 'socialAction', 'socialTarget'],
    timing: ['timingCategory', 'timingVar', 'timingValue', 'timingLabel'],
  };
  const DOWNLOADS = 'pdf|zip|rar|7z|gz|tgz|tar|dmg|exe|msi|pkg|apk|iso|csv|txt|docx?|xlsx?|pptx?|odt|ods|epub|mp3|mp4|mov|avi|wav';

  // Copies fields into params under their protocol names; dimensionN -> cdN, metricN -> cmN.
  const put = (params, fields) => {
    for (let k in fields) {
      let v = fields[k];
      if (v == null || typeof v == 'function') continue;
      k = FIELDS[k] || k.replace(/^dimension(?=\d)/, 'cd').replace(/^metric(?=\d)/, 'cm').replace(/^contentGroup(?=\d)/, 'cg');
      params[k] = v === true ? 1 : v === false ? 0 : v;
    }
    return params;
  };

  // Client id cookie `_wa` ("<random>.<seconds>", like GA's cid), two years,
  // on the highest domain that accepts it when cookieDomain is 'auto'.
  const clientId = (domain) => {
    const m = d.cookie.match(/(?:^|; )_wa=(\d+\.\d+)/);
    const cid = m ? m[1] : rnd() + '.' + (Date.now() / 1e3 | 0);
    const write = (dom, v) => (d.cookie = '_wa=' + v + '; max-age=63072000; path=/; SameSite=Lax' +
      (dom ? '; domain=' + dom : '') + (loc.protocol == 'https:' ? '; Secure' : ''), d.cookie.includes('_wa=' + v));
    if (!domain || domain == 'auto') {
      // Probe example.com before shop.example.com: the browser refuses public
      // suffixes (co.uk). A probe value, because the old cookie would always read back.
      const parts = loc.hostname.split('.');
      let i = parts.length - 1;
      while (--i >= 0 && !write(domain = parts.slice(i).join('.'), 'x'));
      if (i < 0) domain = ''; // localhost, or nothing accepted: host-only
    }
    write(domain == 'none' ? '' : domain, cid);
    return cid;
  };

  const transport = (url, body) => {
    // sendBeacon survives page unload; fetch keepalive is the fallback when it is missing or refuses.
    try { if (nav.sendBeacon(url, body)) return; } catch (e) {}
    fetch(url, { method: 'POST', body, keepalive: true, mode: 'no-cors' }).catch(() => {});
  };

  const send = (t, args) => {
    let [type, ...rest] = args;
    let fields = {};
    if (isObj(type)) fields = type, type = fields.hitType;
    else {
      if (isObj(rest[rest.length - 1])) fields = rest.pop();
      (POSITIONAL[type] || []).forEach((k, i) => rest[i] != null && (fields = { [k]: rest[i], ...fields }));
    }
    if (w['wa-disable-' + t.tid] || t.off) return;
    const scr = screen;
    const p = put({
      v: 1, tid: t.tid, cid: t.cid, _cl: t.cid ? null : 1, t: type,
      dl: loc.href.split('#')[0], dt: d.title, dr: d.referrer || null, ul: (nav.language || '').toLowerCase(),
      sr: scr.width + 'x' + scr.height, vp: w.innerWidth + 'x' + w.innerHeight,
      de: d.characterSet, sd: scr.colorDepth + '-bit',
    }, t.fields);
    put(p, fields).z = rnd();
    let body = '';
    for (const k in p) if (p[k] != null) body += (body ? '&' : '') + k + '=' + encodeURIComponent(p[k]);
    transport(t.url, body);
    if (fields.hitCallback) fields.hitCallback();
  };

  // Opt-in automatic tracking. Each listener checks the tracker's own flags.
  const autoTrack = (t, o) => {
    const event = (c, l) => send(t, ['event', c, 'click', l]);
    if (o.spa) {
      let last = loc.href;
      const changed = () => setTimeout(() => { // let the app update the title first
        if (loc.href == last) return;
        last = loc.href;
        t.fields.dl = loc.href.split('#')[0];
        t.fields.dp = loc.pathname + loc.search + loc.hash;
        t.fields.dt = d.title;
        send(t, ['pageview']);
      });
      ['pushState', 'replaceState'].forEach((m) => {
        const orig = history[m];
        history[m] = function () { const r = orig.apply(this, arguments); changed(); return r; };
      });
      w.addEventListener('popstate', changed);
      w.addEventListener('hashchange', changed);
    }
    if (o.outbound || o.downloads) {
      const ext = new RegExp('\\.(' + (Array.isArray(o.downloads) ? o.downloads.join('|') : DOWNLOADS) + ')$', 'i');
      d.addEventListener('click', (e) => {
        const a = e.target.closest && e.target.closest('a[href]');
        if (!a || !/^https?:/.test(a.protocol)) return;
        if (o.downloads && ext.test(a.pathname)) event('Download', a.href);
        else if (o.outbound && a.host != loc.host) event('Outbound', a.href);
      }, true);
    }
    if (o.errors) {
      const exception = (exd) => send(t, ['exception', { exd: String(exd).slice(0, 150), exf: 1 }]);
      w.addEventListener('error', (e) => exception(e.message || 'error'));
      w.addEventListener('unhandledrejection', (e) => exception((e.reason && e.reason.message) || e.reason));
    }
  };

  const commands = {
    create(name, tid, ...args) {
      let o = {};
      let [cookieDomain, trackerName] = args.filter((a) => typeof a == 'string');
      args.forEach((a) => isObj(a) && (o = a));
      name = o.name || trackerName || name;
      if (trackers[name]) return; // like analytics.js: a second create of the same name is ignored
      const { cookieless, transportUrl, autoTrack: auto, respectDnt, clientId: cid, ...rest } = o;
      const t = (trackers[name] = {
        tid, url: transportUrl || endpoint, fields: {}, ecom: [],
        off: w['wa-disable-' + tid] || (respectDnt && (nav.doNotTrack == '1' || w.doNotTrack == '1')),
      });
      delete rest.name, delete rest.cookieDomain;
      put(t.fields, rest);
      // Cookieless: no storage at all; the collector derives a daily-rotating id from `_cl=1`.
      if (!cookieless && !t.off) t.cid = cid || clientId(o.cookieDomain || cookieDomain);
      autoTrack(t, auto || {});
    },
    send(t, ...args) { send(t, args); },
    set(t, field, value) { put(t.fields, isObj(field) ? field : { [field]: value }); },
    require() {},
    'ecommerce:addTransaction'(t, o) { t.ecom.unshift(['transaction', { ...o, id: null, ti: o.id }]); },
    'ecommerce:addItem'(t, o) { t.ecom.push(['item', { ...o, id: null, ti: o.id }]); },
    'ecommerce:send'(t) { t.ecom.forEach((h) => send(t, h)); t.ecom = []; },
    'ecommerce:clear'(t) { t.ecom = []; },
  };

  // `wa('name.command', ...)`: commands go to the tracker named before the dot (default t0).
  const run = (cmd, ...args) => {
    if (typeof cmd == 'function') return cmd();
    const [, name = 't0', c] = /^(?:(\w+)\.)?(.+)$/.exec(cmd) || [];
    const f = commands[c];
    if (c == 'create') return f(name, ...args);
    const t = trackers[name];
    if (f && t) f(t, ...args);
  };
  const wa = (...args) => { try { run(...args); } catch (e) {} }; // never break the page
  wa.loaded = 1;
  wa.l = (q && q.l) || +new Date();
  w.wa = wa;
  ((q && q.q) || []).forEach((a) => wa(...a));
})(window, document, navigator);
