// Webalytic browser SDK (served at /wa.js). An analytics.js-style command
// queue in front of Measurement Protocol v1 hits. Kept tiny on purpose: the
// minified, gzipped build must stay under 2 KB (see build.ts).
((w, d, nav, loc) => {
  const queue = w.wa;
  if (queue?.loaded) return; // included twice: the first copy already runs
  const script = d.currentScript;
  // Hits go to the origin that served this script, unless transportUrl says otherwise.
  const endpoint = (script ? new URL(script.src).origin : '') + '/collect';
  const trackers = {};
  const isObj = (x) => x && typeof x == 'object';
  const words = (s) => s.split(' ');
  const rnd = () => Math.random() * 2 ** 31 | 0; // 31 bits, like analytics.js
  const disabled = (tid) => w['wa-disable-' + tid];

  // analytics.js field names -> Measurement Protocol parameters, as name/param
  // pairs. Unknown names pass through unchanged, so raw parameters (`aip`,
  // `cd3`, `cn`) work too.
  const FIELDS = {};
  words('page dp title dt location dl referrer dr userId uid hitType t nonInteraction ni ' +
    'anonymizeIp aip currencyCode cu eventCategory ec eventAction ea eventLabel el eventValue ev ' +
    'socialNetwork sn socialAction sa socialTarget st timingCategory utc timingVar utv timingValue utt ' +
    'timingLabel utl exDescription exd exFatal exf ' +
    // classic ecommerce objects (ecommerce:addTransaction / ecommerce:addItem)
    'id ti affiliation ta revenue tr shipping ts tax tt currency cu name in sku ic category iv price ip quantity iq')
    .forEach((x, i, all) => i % 2 || (FIELDS[x] = all[i + 1]));
  // Positional arguments of `send`, per hit type (as in analytics.js).
  const POSITIONAL = {
    pageview: 'dp',
    event: 'ec ea el ev',
    social: 'sn sa st',
    timing: 'utc utv utt utl',
  };

  // Copies fields into params under their protocol names; dimensionN -> cdN, metricN -> cmN.
  const put = (params, fields) => {
    for (let k in fields) {
      const v = fields[k];
      k = FIELDS[k] || k.replace(/^dimension(?=\d)/, 'cd').replace(/^metric(?=\d)/, 'cm');
      if (v != null && typeof v != 'function') params[k] = typeof v == 'boolean' ? +v : v;
    }
    return params;
  };

  // Client id cookie `_wa` ("<random>.<seconds>", like GA's cid), two years,
  // on the highest domain that accepts it when cookieDomain is 'auto'.
  const clientId = (domain) => {
    const cid = d.cookie.match(/\b_wa=(\d+\.\d+)/)?.[1] || rnd() + '.' + (Date.now() / 1e3 | 0);
    // An empty domain attribute is ignored by browsers: a host-only cookie.
    const write = (v, dom) => (d.cookie = `_wa=${v}; max-age=63072000; path=/; SameSite=Lax; domain=${dom}` +
      (loc.protocol == 'https:' ? '; Secure' : ''), d.cookie.includes('_wa=' + v));
    if (domain == 'none') domain = '';
    else if (!domain || domain == 'auto') {
      // Probe example.com before shop.example.com: the browser refuses public suffixes
      // (co.uk). A probe value, because an existing cookie would always read back.
      const parts = loc.hostname.split('.');
      let i = parts.length - 1;
      while (--i >= 0 && !write('x', domain = parts.slice(i).join('.')));
      if (i < 0) domain = ''; // localhost, or nothing accepted: host-only
    }
    write(cid, domain);
    return cid;
  };

  const send = (t, args) => {
    // The fields object comes last; without a hit type argument, its hitType is the type.
    let fields = isObj(args[args.length - 1]) ? args.pop() : {};
    const [type = fields.hitType, ...rest] = args;
    words(POSITIONAL[type] || '').forEach((k, i) => rest[i] != null && (fields = { [k]: rest[i], ...fields }));
    // Opted out: nothing is sent, but hitCallback still runs (pages may wait on it to navigate).
    if (!disabled(t.tid)) {
      const p = put(put(put({}, {
        v: 1, tid: t.tid, cid: t.cid, _cl: t.cid ? null : 1, t: type,
        dl: loc.href.split('#')[0], dt: d.title, dr: d.referrer || null, ul: nav.language.toLowerCase(),
        sr: screen.width + 'x' + screen.height, vp: w.innerWidth + 'x' + w.innerHeight,
        de: d.characterSet, sd: screen.colorDepth + '-bit',
      }), t.fields), fields);
      p.z = rnd(); // cache buster, last
      const body = new URLSearchParams(p) + '';
      // sendBeacon survives page unload; fetch keepalive is the fallback when it is missing or refuses.
      nav.sendBeacon?.(t.url, body) ||
        fetch(t.url, { method: 'POST', body, keepalive: true, mode: 'no-cors' }).catch(() => {});
    }
    fields.hitCallback?.();
  };

  // Opt-in automatic tracking, per tracker.
  const autoTrack = (t, o) => {
    const on = (target, types, f) => words(types).forEach((type) => target.addEventListener(type, f, true));
    if (o.spa) {
      let last = loc.href;
      // Deferred so that the app can update the title first.
      const changed = () => setTimeout(() => {
        if (last != loc.href) {
          last = loc.href;
          t.fields.dp = loc.pathname + loc.search + loc.hash; // kept for the hits that follow
          send(t, ['pageview']);
        }
      });
      words('pushState replaceState').forEach((m) => {
        const orig = history[m];
        history[m] = function () { orig.apply(this, arguments); changed(); };
      });
      on(w, 'popstate hashchange', changed);
    }
    if (o.outbound || o.downloads) {
      const ext = /\.(pdf|zip|rar|7z|gz|dmg|exe|msi|apk|csv|docx?|xlsx?|pptx?|mp3|mp4)$/i;
      on(d, 'click', (e) => {
        const a = e.target.closest?.('a');
        const category = /^http/.test(a?.protocol) &&
          (o.downloads && ext.test(a.pathname) ? 'Download' : o.outbound && a.host != loc.host && 'Outbound');
        if (category) send(t, ['event', category, 'click', a.href]);
      });
    }
    if (o.errors) on(w, 'error unhandledrejection', (e) => {
      // Only uncaught script errors (ErrorEvent) and rejections; failed image or script loads are not exceptions.
      const r = e.reason;
      if (e.message || r) send(t, ['exception', { exd: e.message || r.message || r, exf: 1 }]);
    });
  };

  const commands = {
    // create(trackingId, [cookieDomain], [options]); options.name names the tracker.
    create(name, tid, ...args) {
      const {
        name: n = name, cookieDomain = args.find((a) => !isObj(a)),
        cookieless, transportUrl, autoTrack: auto, respectDnt, clientId: cid, ...rest
      } = args.find(isObj) || {};
      // Like analytics.js, a second create of the same name is ignored. With
      // respectDnt and Do Not Track on, no tracker: its commands do nothing.
      if (trackers[n] || (respectDnt && nav.doNotTrack == '1')) return;
      const t = (trackers[n] = { tid, url: transportUrl || endpoint, fields: put({}, rest), ecom: [] });
      // Cookieless: no storage at all; the collector derives a daily-rotating id from `_cl=1`.
      if (!cookieless && !disabled(tid)) t.cid = cid || clientId(cookieDomain);
      autoTrack(t, auto || {});
    },
    send: (t, ...args) => send(t, args),
    set: (t, field, value) => put(t.fields, isObj(field) ? field : { [field]: value }),
    require() {},
    'ecommerce:addTransaction': (t, o) => t.ecom.unshift(['transaction', o]),
    'ecommerce:addItem': (t, o) => t.ecom.push(['item', o]),
    'ecommerce:send': (t) => t.ecom.splice(0).forEach((hit) => send(t, hit)),
    'ecommerce:clear': (t) => (t.ecom = []),
  };

  // `wa('name.command', ...)` goes to the tracker of that name (default t0).
  const wa = (cmd, ...args) => {
    try { // never break the page
      const [c, name = 't0'] = cmd.split('.').reverse();
      const f = commands[c];
      const t = trackers[name];
      if (c == 'create') f(name, ...args);
      else if (f && t) f(t, ...args);
    } catch (e) {}
  };
  wa.loaded = 1;
  w.wa = wa;
  queue?.q?.forEach((a) => wa(...a));
})(window, document, navigator, location);
