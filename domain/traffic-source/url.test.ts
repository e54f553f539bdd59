// Real-world URL shapes: parseUrl itself, then referrers (`dr`) and landing pages
// (`dl`) through sourceOfHit. Each row is one shape; the choices are in docs/processing-rules.md.

import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isExcludedReferrer } from './referral.ts';
import { settingsWith, sourceOf } from './testing.ts';
import { parseUrl } from './url.ts';

const parse = suite('parseUrl');

const LONG_PATH = `/${'a'.repeat(9000)}`;

/** raw → [host, path, query as key=value pairs] or undefined. */
const parseRows: [string, string, [string, string, string[]] | undefined][] = [
  ['plain https', 'https://www.example.com/a/b?x=1', ['www.example.com', '/a/b', ['x=1']]],
  ['[I] missing scheme', 'www.google.com/search?q=x', ['www.google.com', '/search', ['q=x']]],
  ['missing scheme, scheme-relative', '//cdn.example.com/x', ['cdn.example.com', '/x', []]],
  ['missing scheme, host with port', 'localhost:8080/x', ['localhost:8080', '/x', []]],
  ['bare host', 'example.com', ['example.com', '/', []]],
  ['uppercase scheme and host', 'HTTPS://WWW.Example.COM/Path', ['www.example.com', '/Path', []]],
  ['[I] trailing root dot dropped', 'https://www.example.com./', ['www.example.com', '/', []]],
  ['non-default port kept', 'http://example.com:8080/', ['example.com:8080', '/', []]],
  ['default port dropped', 'https://example.com:443/', ['example.com', '/', []]],
  ['[I] IDN kept in punycode', 'https://bücher.de/', ['xn--bcher-kva.de', '/', []]],
  ['punycode as sent', 'https://xn--bcher-kva.de/', ['xn--bcher-kva.de', '/', []]],
  ['IPv4', 'http://192.168.0.1:3000/x', ['192.168.0.1:3000', '/x', []]],
  ['IPv6 literal', 'http://[::1]:3000/', ['[::1]:3000', '/', []]],
  ['user info dropped', 'https://user:secret@example.com/', ['example.com', '/', []]],
  ['path spaces and Unicode are percent-encoded', 'https://example.com/a b/café', ['example.com', '/a%20b/caf%C3%A9', []]],
  ['+ and %20 decode to a space in the query', 'https://example.com/?q=a+b%20c', ['example.com', '/', ['q=a b c']]],
  ['%2F decodes in the query', 'https://example.com/?u=%2Fx%2Fy', ['example.com', '/', ['u=/x/y']]],
  ['invalid % sequences stay literal', 'https://example.com/?q=100%&r=%zz', ['example.com', '/', ['q=100%', 'r=%zz']]],
  ['invalid UTF-8 becomes U+FFFD', 'https://example.com/?q=%FF', ['example.com', '/', ['q=\uFFFD']]],
  ['empty values and bare keys', 'https://example.com/?a=&b', ['example.com', '/', ['a=', 'b=']]],
  ['[I] the fragment is never read', 'https://example.com/p?x=1#utm_source=frag', ['example.com', '/p', ['x=1']]],
  ['android-app referrer: the package is the host', 'android-app://com.Google.Android.GM/', ['com.google.android.gm', '/', []]],
  ['ios-app referrer', 'ios-app://12345/x', ['12345', '/x', []]],
  ['surrounding whitespace', '  https://example.com/x  ', ['example.com', '/x', []]],
  ['tabs and newlines inside are stripped', 'https://exa\tmple.com/x\n', ['example.com', '/x', []]],
  ['single-slash scheme still parses', 'https:/example.com/x', ['example.com', '/x', []]],
  ['very long URL', `https://example.com${LONG_PATH}?q=1`, ['example.com', LONG_PATH, ['q=1']]],
  ['empty', '', undefined],
  ['about:blank', 'about:blank', undefined],
  ['javascript:', 'javascript:void(0)', undefined],
  ['file URL has no host', 'file:///C:/x.html', undefined],
  ['space in host', 'http://exa mple.com/', undefined],
  ['invalid % in host', 'http://%zz.com/', undefined],
  ['(not set)', '(not set)', undefined],
];

for (const [name, raw, expected] of parseRows) {
  parse(name, () => {
    const url = parseUrl(raw);
    assert.equal(url && [url.host, url.path, [...url.query].map(([k, v]) => `${k}=${v}`)], expected);
  });
}

parse.run();

const referrers = suite('referrer shapes through sourceOfHit');

/** dr → [source, medium, keyword, referralPath] or undefined (no source). */
const referrerRows: [string, [string, string, string, string] | undefined][] = [
  ['https://www.google.com/', ['google', 'organic', '(not provided)', '(not set)']],
  ['https://www.google.com/search?q=red%20shoes&hl=en', ['google', 'organic', 'red shoes', '(not set)']],
  ['www.google.com/search?q=x', ['google', 'organic', 'x', '(not set)']],
  ['https://WWW.GOOGLE.COM/', ['google', 'organic', '(not provided)', '(not set)']],
  ['https://www.google.com./', ['google', 'organic', '(not provided)', '(not set)']],
  ['https://www.google.de/search?q=b%C3%BCcher', ['google', 'organic', 'bücher', '(not set)']],
  ['https://www.google.com/search?q=100%25+sure', ['google', 'organic', '100% sure', '(not set)']],
  ['https://www.google.com/search?q=%E0%A4%A', ['google', 'organic', '\uFFFD%A', '(not set)']],
  ['https://www.google.com/#q=frag', ['google', 'organic', '(not provided)', '(not set)']],
  ['android-app://com.google.android.googlequicksearchbox/https/www.google.com', ['google', 'organic', '(not provided)', '(not set)']],
  ['android-app://com.google.android.gm/', ['com.google.android.gm', 'referral', '(not set)', '/']],
  ['https://mail.google.com/mail/u/0/', ['mail.google.com', 'referral', '(not set)', '/mail/u/0/']],
  ['https://bücher.de/katalog?x=1', ['xn--bcher-kva.de', 'referral', '(not set)', '/katalog']],
  ['https://Blog.Example.ORG/Post/1?utm_source=x', ['blog.example.org', 'referral', '(not set)', '/Post/1']],
  ['http://partner.io:8080/a%20b', ['partner.io:8080', 'referral', '(not set)', '/a%20b']],
  ['https://m.facebook.com/', ['m.facebook.com', 'referral', '(not set)', '/']],
  ['https://t.co/AbC', ['t.co', 'referral', '(not set)', '/AbC']],
  ['https://shop.mysite.com/cart', undefined],
  ['https://MYSITE.COM./', undefined],
  ['mysite.com/page', undefined],
  ['', undefined],
  ['about:blank', undefined],
];

for (const [dr, expected] of referrerRows) {
  referrers(`dr=${dr || '(empty)'}`, () => {
    const source = sourceOf({ dr });
    assert.equal(source && [source.source, source.medium, source.keyword, source.referralPath], expected);
  });
}

referrers.run();

const landings = suite('landing URL shapes through sourceOfHit');

/** dl → [source, medium, campaign, keyword] or undefined (no source). */
const landingRows: [string, [string, string, string, string] | undefined][] = [
  ['https://mysite.com/?utm_source=news&utm_medium=email&utm_campaign=spring+sale', ['news', 'email', 'spring sale', '(not set)']],
  ['https://mysite.com/?utm_source=news%20letter&utm_term=a%2Fb', ['news letter', '(not set)', '(not set)', 'a/b']],
  ['https://mysite.com/?utm_source=100%&utm_medium=%zz', ['100%', '%zz', '(not set)', '(not set)']],
  ['https://mysite.com/?utm_source=&utm_medium=email', undefined],
  ['https://mysite.com/?utm_source=%20%20&utm_medium=email', undefined],
  ['https://mysite.com/?utm_source=news&utm_medium=', ['news', '(not set)', '(not set)', '(not set)']],
  ['https://mysite.com/#utm_source=news&utm_medium=email', undefined],
  ['https://mysite.com/?x=1#utm_source=news', undefined],
  ['https://mysite.com/?utm_source=Google&utm_medium=CPC', ['Google', 'CPC', '(not set)', '(not set)']],
  ['https://mysite.com/?utm_source=b%C3%BCcher.de&utm_medium=referral', ['bücher.de', 'referral', '(not set)', '(not set)']],
  ['mysite.com/landing?utm_source=news', ['news', '(not set)', '(not set)', '(not set)']],
  ['HTTPS://MYSITE.COM:8443/?utm_source=news', ['news', '(not set)', '(not set)', '(not set)']],
  ['https://mysite.com/?gclid=Cj0KCQ&utm_source=x', ['google', 'cpc', '(not set)', '(not set)']],
  ['https://mysite.com/?utm_source=news&gclid=', ['news', '(not set)', '(not set)', '(not set)']],
  [`https://mysite.com/${'p'.repeat(4000)}?utm_source=long`, ['long', '(not set)', '(not set)', '(not set)']],
  ['not a url at all', undefined],
];

for (const [dl, expected] of landingRows) {
  landings(`dl=${dl.length > 80 ? `${dl.slice(0, 40)}…(${dl.length} chars)` : dl}`, () => {
    const source = sourceOf({ dl });
    assert.equal(source && [source.source, source.medium, source.campaign, source.keyword], expected);
  });
}

landings.run();

const excluded = suite('isExcludedReferrer');

excluded('domain match includes subdomains, ignores case, ports and trailing dots, and matches IDNs in either form', () => {
  const property = settingsWith({ domains: ['mysite.com'], referralExclusions: ['xn--bcher-kva.de', 'pay.example.com'] });
  const rows: [string, boolean][] = [
    ['mysite.com', true],
    ['a.b.mysite.com', true],
    ['MYSITE.com.', true],
    ['mysite.com:8080', true],
    ['notmysite.com', false],
    ['mysite.com.evil.io', false],
    ['bücher.de', true],
    ['shop.xn--bcher-kva.de', true],
    ['pay.example.com', true],
    ['example.com', false],
    ['', false],
  ];
  for (const [host, expected] of rows) assert.is(isExcludedReferrer(host, property), expected, host);
});

excluded.run();
