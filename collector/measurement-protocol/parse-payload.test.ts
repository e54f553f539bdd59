import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ParserMessage } from './messages.ts';
import { MAX_PARAMETERS, MAX_PAYLOAD_BYTES, MAX_WARNINGS, parsePayload, type ParsedPayload } from './parse-payload.ts';

const BASE = 'v=1&tid=UA-12345-1&cid=555';
const pageview = (extra = ''): ParsedPayload => parsePayload(`${BASE}&t=pageview&dp=%2Fhome${extra}`);
const codes = (parsed: ParsedPayload): string[] => parsed.messages.map((m) => `${m.messageType} ${m.messageCode ?? ''} ${m.parameter ?? ''}`.trim());
const message = (parsed: ParsedPayload, parameter: string): ParserMessage | undefined => parsed.messages.find((m) => m.parameter === parameter);

// ---------------------------------------------------------------- §1.3 tests
const spec = suite('parsePayload: §1.3 payload encoding and data types');

spec('cs=%20%20Summer%20%20%20Sale%20 is stored as "Summer Sale"', () => {
  const parsed = pageview('&cs=%20%20Summer%20%20%20Sale%20');
  assert.ok(parsed.valid);
  assert.is(parsed.params.cs, 'Summer Sale');
  assert.equal(parsed.messages, []);
});

spec('tr=%24-55.00 is stored as -55 (a number)', () => {
  const parsed = parsePayload(`${BASE}&t=transaction&ti=T1&tr=%24-55.00`);
  assert.ok(parsed.valid);
  assert.is(parsed.params.tr, -55);
});

spec('cm with a 60-byte value is stored as its first 50 bytes, with an INFO', () => {
  const value = 'abcdefghij'.repeat(6);
  const parsed = pageview(`&cm=${value}`);
  assert.ok(parsed.valid);
  assert.is(parsed.params.cm, value.slice(0, 50));
  assert.equal(codes(parsed), ['INFO VALUE_TRUNCATED cm']);
});

spec('ev=abc: ev is ignored (WARN) and the hit is still processed', () => {
  const parsed = parsePayload(`${BASE}&t=event&ec=video&ea=play&ev=abc`);
  assert.ok(parsed.valid);
  assert.not.ok('ev' in parsed.params);
  assert.equal(parsed.params, { v: '1', tid: 'UA-12345-1', cid: '555', t: 'event', ec: 'video', ea: 'play' });
  assert.equal(codes(parsed), ['WARN VALUE_INVALID ev']);
  assert.is(message(parsed, 'ev')?.description, "The value provided for parameter 'ev' is invalid. Please see http://goo.gl/a8d4RP#ev for details.");
});

spec('a malformed tid drops the whole hit with one VALUE_INVALID error, as GA reports it', () => {
  for (const tid of ['fake', 'G-C5VLPRS4QY', 'UA-XXXXXX-Y', 'ua-12345-1', 'UA-12345', 'UA-12345-1-2', 'UA-1234567890123-1']) {
    const parsed = parsePayload(`v=1&tid=${tid}&cid=555&t=pageview&dp=%2F`);
    assert.is(parsed.valid, false, tid);
    assert.equal(codes(parsed), ['ERROR VALUE_INVALID tid'], tid);
    assert.is(
      parsed.messages[0]?.description,
      "The value provided for parameter 'tid' is invalid. Please see http://goo.gl/a8d4RP#tid for details.",
    );
    assert.not.ok('tid' in parsed.params);
    assert.is(parsed.params.dp, '/', 'what could be parsed is still returned');
  }
});

spec('tid: any id a Webalytic property may have is accepted, UA-1234-5 and UA-9-2 included (pinned)', () => {
  // GA's validator was seen rejecting UA-1234-5, most likely for an unknown account:
  // here the property table decides, so the format is the property's (domain TID_PATTERN).
  for (const tid of ['UA-1234-5', 'UA-9-2', 'UA-10000000-1', '%20UA-12345-1%20']) {
    const parsed = parsePayload(`v=1&tid=${tid}&cid=1&t=pageview&dp=%2F`);
    assert.ok(parsed.valid, tid);
    assert.is(parsed.params.tid, decodeURIComponent(tid).trim());
  }
});

spec('value types: numbers, booleans and text keep their protocol types', () => {
  const parsed = parsePayload(`${BASE}&t=event&ec=a&ea=b&ev=42&ni=1&je=0&cm3=2.5&cd3=gold&qt=560&tr=1000.000001`);
  assert.ok(parsed.valid);
  assert.equal(parsed.params, {
    v: '1',
    tid: 'UA-12345-1',
    cid: '555',
    t: 'event',
    ec: 'a',
    ea: 'b',
    ev: 42,
    ni: true,
    je: false,
    cm3: 2.5,
    cd3: 'gold',
    qt: 560,
    tr: 1000.000001,
  });
});

spec('currency: leading text removed up to a digit, "-" or "."; up to 6 decimals; trailing text is invalid', () => {
  const cases: [string, number | undefined][] = [
    ['%24-55.00', -55],
    ['EUR%2012.5', 12.5],
    ['%E2%82%AC.5', 0.5],
    ['-.25', -0.25],
    ['1000.000001', 1000.000001],
    ['1.23456789', 1.234568], // rounded to 6 decimals
    ['0', 0],
    ['-0', 0],
    ['12abc', undefined],
    ['1%2C000.50', undefined], // "1,000.50"
    ['USD', undefined],
    ['-', undefined],
    ['.', undefined],
    ['--5', undefined],
    ['1e5', undefined],
    ['99999999999999', undefined], // beyond int64 micro-units
  ];
  for (const [raw, expected] of cases) {
    const parsed = parsePayload(`${BASE}&t=transaction&ti=T&tr=${raw}`);
    assert.ok(parsed.valid, raw);
    assert.is(parsed.params.tr, expected, raw);
    if (expected === undefined) assert.is(message(parsed, 'tr')?.messageType, 'WARN', raw);
  }
});

spec('boolean: 1 and 0 only; aip is true when present at all', () => {
  assert.is(pageview('&ni=1').params.ni, true);
  assert.is(pageview('&ni=0').params.ni, false);
  assert.equal(codes(pageview('&ni=true')), ['WARN VALUE_INVALID ni']);
  assert.not.ok('ni' in pageview('&ni=2').params);
  for (const aip of ['&aip=', '&aip=0', '&aip=1', '&aip', '&aip=yes']) {
    const parsed = pageview(aip);
    assert.is(parsed.params.aip, true, aip);
    assert.equal(parsed.messages, [], aip);
  }
});

spec('integer: signed 64-bit; non-integers invalid; beyond 2^53 out of bounds; beyond int64 invalid', () => {
  const ev = (raw: string) => parsePayload(`${BASE}&t=event&ec=a&ea=b&ev=${raw}`);
  assert.is(ev('7').params.ev, 7);
  assert.is(ev('%2B7').params.ev, 7);
  assert.is(ev('%207%20').params.ev, 7);
  assert.is(ev('9007199254740991').params.ev, Number.MAX_SAFE_INTEGER);
  assert.equal(codes(ev('1.5')), ['WARN VALUE_INVALID ev']);
  assert.equal(codes(ev('1e3')), ['WARN VALUE_INVALID ev']);
  assert.equal(codes(ev('9007199254740993')), ['WARN VALUE_OUT_OF_BOUNDS ev']);
  assert.equal(codes(ev('9223372036854775807')), ['WARN VALUE_OUT_OF_BOUNDS ev']);
  assert.equal(codes(ev('9223372036854775808')), ['WARN VALUE_INVALID ev']);
  assert.equal(codes(ev('-1')), ['WARN VALUE_OUT_OF_BOUNDS ev'], 'ev must be non-negative');
  assert.is(parsePayload(`${BASE}&t=item&ti=T&in=Shirt&iq=-2`).params.iq, -2, 'negative integers are integers');
  for (const raw of ['1.5', '-1', '9007199254740993']) assert.ok(ev(raw).valid, `a bad optional ev keeps the hit: ${raw}`);
});

spec('number (cm<N>): integer or floating point', () => {
  assert.is(pageview('&cm1=1.5').params.cm1, 1.5);
  assert.is(pageview('&cm1=-3').params.cm1, -3);
  assert.is(pageview('&cm1=1e3').params.cm1, 1000);
  assert.is(pageview('&cm1=.5').params.cm1, 0.5);
  assert.equal(codes(pageview('&cm1=abc')), ['WARN VALUE_INVALID cm1']);
  assert.equal(codes(pageview('&cm1=1e999')), ['WARN VALUE_OUT_OF_BOUNDS cm1']);
  assert.equal(codes(pageview('&cm1=NaN')), ['WARN VALUE_INVALID cm1']);
});

spec('an empty or blank value is "not sent", without a message', () => {
  const parsed = pageview('&el=&dt=%20%20&qt=&cd1=');
  assert.ok(parsed.valid);
  assert.equal(parsed.messages, []);
  for (const key of ['el', 'dt', 'qt', 'cd1']) assert.not.ok(key in parsed.params, key);
});

spec('enumerations: pa, promoa, sc take their documented values only', () => {
  for (const pa of ['detail', 'click', 'add', 'remove', 'checkout', 'checkout_option', 'purchase', 'refund']) {
    assert.is(pageview(`&pa=${pa}`).params.pa, pa);
  }
  assert.equal(codes(pageview('&pa=buy')), ['WARN VALUE_INVALID pa']);
  assert.equal(codes(pageview('&pa=Purchase')), ['WARN VALUE_INVALID pa']);
  for (const promoa of ['view', 'click', 'promo_click']) assert.is(pageview(`&promoa=${promoa}`).params.promoa, promoa);
  assert.equal(codes(pageview('&promoa=hover')), ['WARN VALUE_INVALID promoa']);
  assert.is(pageview('&sc=start').params.sc, 'start');
  assert.is(pageview('&sc=end').params.sc, 'end');
  assert.equal(codes(pageview('&sc=restart')), ['WARN VALUE_INVALID sc'], 'other values are ignored');
});

spec('content groups: slashes normalised (/a//b/ → a/b), 100 bytes', () => {
  assert.is(pageview('&cg1=%2Fa%2F%2Fb%2F').params.cg1, 'a/b');
  assert.is(pageview('&cg2=Blog').params.cg2, 'Blog');
  assert.not.ok('cg3' in pageview('&cg3=%2F%2F').params, 'only slashes: nothing left');
  assert.is((pageview(`&cg4=${'x'.repeat(120)}`).params.cg4 as string).length, 100);
});

spec('uip must be an IP address; it is kept in full (the collector anonymises it)', () => {
  assert.is(pageview('&uip=123.123.123.123').params.uip, '123.123.123.123');
  assert.is(pageview('&uip=2001%3Adb8%3A%3A1').params.uip, '2001:db8::1');
  assert.equal(codes(pageview('&uip=localhost')), ['WARN VALUE_INVALID uip']);
  assert.ok(pageview('&uip=999.1.1.1').valid);
});

spec('max lengths come from the table (text, bytes)', () => {
  const limits: Record<string, number> = { dr: 2048, cn: 100, cs: 100, cm: 50, ck: 500, cc: 500, ci: 100, sr: 20, ul: 20, dl: 2048, dh: 100, dt: 1500, an: 100, aid: 150, cu: 10, cd5: 150, xid: 40, pr1cd1: 150, pr1nm: 500 };
  for (const [key, max] of Object.entries(limits)) {
    const parsed = pageview(`&${key}=${'y'.repeat(max + 1)}`);
    assert.is((parsed.params[key] as string).length, max, key);
    assert.equal(codes(parsed), [`INFO VALUE_TRUNCATED ${key}`], key);
    assert.equal(codes(pageview(`&${key}=${'y'.repeat(max)}`)), [], `${key} at its maximum is kept whole`);
  }
  const long = 'z'.repeat(5000);
  assert.is(pageview(`&z=${long}`).params.z, long, 'no maximum: kept whole');
});

spec('truncation counts UTF-8 bytes and never cuts a character', () => {
  // 49 ASCII bytes + "é" (2 bytes) = 51 bytes: the é does not fit in 50.
  assert.is(pageview(`&cm=${'a'.repeat(49)}%C3%A9`).params.cm, 'a'.repeat(49));
  // 48 + "é" = 50 bytes: fits exactly.
  assert.is(pageview(`&cm=${'a'.repeat(48)}%C3%A9`).params.cm, `${'a'.repeat(48)}é`);
  // "€" is 3 bytes: 16 of them are 48 bytes, the 17th would make 51.
  assert.is(pageview(`&cm=${'%E2%82%AC'.repeat(20)}`).params.cm, '€'.repeat(16));
  // "😀" is 4 bytes (a surrogate pair): 12 fit in 48, a 13th would make 52.
  const emoji = pageview(`&cm=${'%F0%9F%98%80'.repeat(13)}`).params.cm as string;
  assert.is(emoji, '😀'.repeat(12));
  assert.is(Buffer.byteLength(emoji), 48);
  // Folding happens before truncation.
  assert.is(pageview(`&cm=${'%20'.repeat(30)}x${'%20%20'.repeat(20)}y`).params.cm, 'x y');
});

// ---------------------------------------------------------------- decoding
const decoding = suite('parsePayload: URL decoding');

spec.run();

decoding('"+" is a space, %2B a plus; keys are decoded too', () => {
  const parsed = pageview('&dt=Hello+World%2B1&%63d1=x');
  assert.is(parsed.params.dt, 'Hello World+1');
  assert.is(parsed.params.cd1, 'x');
});

decoding('invalid UTF-8 and broken escapes never throw; they become U+FFFD', () => {
  const cases: [string, string][] = [
    ['%FF', '\uFFFD'],
    ['a%C3', 'a\uFFFD'],
    ['%C3%28', '\uFFFD('],
    ['%E2%82', '\uFFFD'],
    ['%ED%A0%80', '\uFFFD\uFFFD\uFFFD'], // an encoded surrogate is not UTF-8
    ['100%', '100\uFFFD'],
    ['%4', '\uFFFD4'],
    ['%zz', '\uFFFDzz'],
    ['%%41', '\uFFFDA'],
    ['caf%C3%A9%', 'café\uFFFD'],
  ];
  for (const [raw, expected] of cases) {
    const parsed = pageview(`&dt=${raw}`);
    assert.ok(parsed.valid, raw);
    assert.is(parsed.params.dt, expected, raw);
  }
});

decoding('lone surrogates in the raw string become U+FFFD; valid non-ASCII text is kept', () => {
  assert.is(pageview('&dt=a\uD800b').params.dt, 'a\uFFFDb');
  assert.is(pageview('&dt=\uDC00').params.dt, '\uFFFD');
  assert.is(pageview('&dt=😀 ünïcödé').params.dt, '😀 ünïcödé');
  assert.is(pageview('&dt=%F0%9F%98%80%20%C3%BC').params.dt, '😀 ü');
});

decoding('a broken key is an unknown parameter, not a crash', () => {
  const parsed = pageview('&%FF%FE=1&%=2');
  assert.ok(parsed.valid);
  assert.equal(codes(parsed), ['INFO PARAMETER_UNKNOWN']);
  assert.match(parsed.messages[0]!.description, "'\uFFFD\uFFFD'");
});

decoding('a leading "?" and empty pairs are tolerated', () => {
  const parsed = parsePayload(`?&&${BASE}&&t=pageview&&dp=%2F&`);
  assert.ok(parsed.valid);
  assert.equal(parsed.messages, []);
});

decoding.run();

// ---------------------------------------------------------------- §1.4 required parameters
const required = suite('parsePayload: §1.4 required parameters');

required('v, tid, t: each missing one is a VALUE_REQUIRED error', () => {
  const all = { v: 'v=1', tid: 'tid=UA-12345-1', t: 't=pageview' } as const;
  const labels = { v: 'Protocol Version', tid: 'Tracking Id', t: 'Hit type' } as const;
  for (const key of ['v', 'tid', 't'] as const) {
    const rest = Object.entries(all)
      .filter(([k]) => k !== key)
      .map(([, pair]) => pair);
    const parsed = parsePayload([...rest, 'cid=1', 'dp=%2F'].join('&'));
    assert.is(parsed.valid, false, key);
    assert.equal(codes(parsed), [`ERROR VALUE_REQUIRED ${key}`], key);
    assert.is(parsed.messages[0]?.description, `${labels[key]} is a required field for this hit. Please see http://goo.gl/a8d4RP#${key} for details.`);
  }
});

required('v must be 1; t must be one of the 8 hit types', () => {
  assert.equal(codes(parsePayload('v=2&tid=UA-12345-1&cid=1&t=pageview&dp=%2F')), ['ERROR VALUE_INVALID v']);
  assert.equal(codes(parsePayload('v=1&tid=UA-12345-1&cid=1&t=page_view&dp=%2F')), ['ERROR VALUE_INVALID t']);
  assert.equal(codes(parsePayload('v=1&tid=UA-12345-1&cid=1&t=Pageview&dp=%2F')), ['ERROR VALUE_INVALID t']);
});

required('cid is required unless uid is sent (or our SDK marks a cookieless hit with _cl=1)', () => {
  const noId = parsePayload('v=1&tid=UA-12345-1&t=pageview&dp=%2F');
  assert.is(noId.valid, false);
  assert.equal(codes(noId), ['ERROR VALUE_REQUIRED cid']);
  assert.is(noId.messages[0]?.description, "Client Id is a required field for this hit unless 'uid' is sent. Please see http://goo.gl/a8d4RP#cid for details.");
  assert.ok(parsePayload('v=1&tid=UA-12345-1&uid=user-7&t=pageview&dp=%2F').valid);
  assert.ok(parsePayload('v=1&tid=UA-12345-1&cid=1&uid=user-7&t=pageview&dp=%2F').valid);
  const cookieless = parsePayload('v=1&tid=UA-12345-1&_cl=1&t=pageview&dp=%2F');
  assert.ok(cookieless.valid);
  assert.is(cookieless.params._cl, true);
  assert.is(parsePayload('v=1&tid=UA-12345-1&_cl=0&t=pageview&dp=%2F').valid, false);
  assert.is(parsePayload('v=1&tid=UA-12345-1&cid=%20&t=pageview&dp=%2F').valid, false, 'a blank cid is no cid');
});

const HIT_REQUIREMENTS: [string, string, string[]][] = [
  ['screenview', 'cd=Home', ['cd']],
  ['event', 'ec=video&ea=play', ['ec', 'ea']],
  ['transaction', 'ti=T-1', ['ti']],
  ['item', 'ti=T-1&in=Shirt', ['ti', 'in']],
  ['social', 'sn=facebook&sa=like&st=%2Fhome', ['sn', 'sa', 'st']],
  ['timing', 'utc=JS&utv=load&utt=120', ['utc', 'utv', 'utt']],
];

for (const [hitType, fields, keys] of HIT_REQUIREMENTS) {
  required(`${hitType}: valid with ${keys.join(', ')}; each one missing makes it invalid`, () => {
    const complete = parsePayload(`${BASE}&t=${hitType}&${fields}`);
    assert.ok(complete.valid, hitType);
    assert.equal(complete.messages, []);
    for (const key of keys) {
      const without = fields
        .split('&')
        .filter((pair) => !pair.startsWith(`${key}=`))
        .join('&');
      const parsed = parsePayload(`${BASE}&t=${hitType}&${without}`);
      assert.is(parsed.valid, false, `${hitType} without ${key}`);
      assert.equal(codes(parsed), [`ERROR VALUE_REQUIRED ${key}`], `${hitType} without ${key}`);
      const empty = parsePayload(`${BASE}&t=${hitType}&${without}&${key}=`);
      assert.is(empty.valid, false, `${hitType} with an empty ${key} ("must not be empty")`);
    }
  });
}

required('timing: an invalid utt is one ERROR (VALUE_INVALID), not a WARN plus a VALUE_REQUIRED', () => {
  const parsed = parsePayload(`${BASE}&utt=fast&t=timing&utc=JS&utv=load`);
  assert.is(parsed.valid, false);
  assert.equal(codes(parsed), ['ERROR VALUE_INVALID utt']);
  assert.is(parsed.messages.length, 1);
});

required('exception: nothing beyond the common parameters', () => {
  assert.ok(parsePayload(`${BASE}&t=exception`).valid);
  const parsed = parsePayload(`${BASE}&t=exception&exd=TypeError&exf=0`);
  assert.equal(parsed.params, { v: '1', tid: 'UA-12345-1', cid: '555', t: 'exception', exd: 'TypeError', exf: false });
});

required('pageview: dl, or dh + dp, or dp alone (pinned [I]); dh alone or nothing is invalid', () => {
  const pv = (fields: string) => parsePayload(`${BASE}&t=pageview${fields}`);
  assert.ok(pv('&dl=https%3A%2F%2Fexample.com%2Fa').valid);
  assert.ok(pv('&dh=example.com&dp=%2Fa').valid);
  assert.ok(pv('&dp=%2Fa').valid);
  for (const fields of ['', '&dh=example.com', '&dt=Title']) {
    const parsed = pv(fields);
    assert.is(parsed.valid, false, fields);
    assert.equal(codes(parsed), ['ERROR VALUE_REQUIRED dl'], fields);
    assert.is(parsed.messages[0]?.description, "Document location URL is a required field for this hit unless 'dp' is sent. Please see http://goo.gl/a8d4RP#dl for details.");
  }
});

required('app fields without an app name are accepted (an is only required on app properties)', () => {
  assert.ok(pageview('&av=1.2.3&aid=com.example').valid);
});

required('all problems are reported together', () => {
  const parsed = parsePayload('tid=fake&v=1');
  assert.is(parsed.valid, false);
  assert.equal(codes(parsed), ['ERROR VALUE_INVALID tid', 'ERROR VALUE_REQUIRED t', 'ERROR VALUE_REQUIRED cid']);
});

required.run();

// ---------------------------------------------------------------- §1.5 qt
const queueTime = suite('parsePayload: §1.5 queue time');

queueTime('qt=14400001 is out of bounds and drops the hit; qt=14400000 and qt=0 are kept', () => {
  const over = pageview('&qt=14400001');
  assert.is(over.valid, false);
  assert.equal(codes(over), ['ERROR VALUE_OUT_OF_BOUNDS qt']);
  assert.is(over.messages[0]?.description, "The value provided for parameter 'qt' is out of bounds. Please see http://goo.gl/a8d4RP#qt for details.");
  assert.is(pageview('&qt=14400000').params.qt, 14_400_000);
  assert.is(pageview('&qt=0').params.qt, 0);
});

queueTime('negative qt and the huge qt GA was seen rejecting drop the hit', () => {
  assert.equal(codes(pageview('&qt=-1')), ['ERROR VALUE_OUT_OF_BOUNDS qt']);
  assert.equal(codes(pageview('&qt=12313123123123123')), ['ERROR VALUE_OUT_OF_BOUNDS qt']);
  assert.is(pageview('&qt=-1').valid, false);
});

queueTime('a qt that is not an integer is dropped alone (WARN); the hit stays valid', () => {
  const parsed = pageview('&qt=soon');
  assert.ok(parsed.valid);
  assert.equal(codes(parsed), ['WARN VALUE_INVALID qt']);
  assert.not.ok('qt' in parsed.params);
});

queueTime.run();

// ---------------------------------------------------------------- §2 names and indices
const names = suite('parsePayload: §2 parameter names and index ranges');

names('cd is the screen name, cd<N> a custom dimension; cm the campaign medium, cm<N> a custom metric', () => {
  const parsed = pageview(`&cd=Home&cd1=gold&cd200=x&cm=${'m'.repeat(60)}&cm1=2.5`);
  assert.is(parsed.params.cd, 'Home');
  assert.is(parsed.params.cd1, 'gold');
  assert.is(parsed.params.cd200, 'x');
  assert.is(parsed.params.cm, 'm'.repeat(50), 'cm is text of 50 bytes');
  assert.is(parsed.params.cm1, 2.5, 'cm1 is a number');
  assert.equal(codes(pageview('&cm=abc')), [], 'cm takes any text');
  assert.equal(codes(pageview('&cm1=abc')), ['WARN VALUE_INVALID cm1'], 'cm1 takes a number');
  assert.is(pageview(`&cd=${'s'.repeat(2100)}`).params.cd, 's'.repeat(2048), 'screen name: 2048 bytes');
  assert.is(pageview(`&cd1=${'s'.repeat(2100)}`).params.cd1, 's'.repeat(150), 'custom dimension: 150 bytes');
});

names('indices 1 and 200 are kept; 0, 201 and leading zeros are dropped with a WARN', () => {
  const families = ['cd#', 'cm#', 'pr#id', 'pr#cd1', 'pr1cd#', 'pr#cm1', 'il#nm', 'il#pi1id', 'il1pi#ps', 'il1pi1cd#', 'il#pi1cm1', 'promo#nm'];
  for (const family of families) {
    for (const index of ['1', '200']) {
      const key = family.replace('#', index);
      const parsed = pageview(`&${key}=5`);
      assert.ok(key in parsed.params, key);
      assert.equal(parsed.messages, [], key);
    }
    for (const index of ['0', '201', '01', '1000', '99999999999999999999']) {
      const key = family.replace('#', index);
      const parsed = pageview(`&${key}=5`);
      assert.ok(parsed.valid, key);
      assert.not.ok(key in parsed.params, key);
      assert.equal(codes(parsed), [`WARN INDEX_OUT_OF_BOUNDS ${key}`], key);
    }
  }
});

names('content groups run 1 to 5', () => {
  assert.is(pageview('&cg1=a').params.cg1, 'a');
  assert.is(pageview('&cg5=a').params.cg5, 'a');
  assert.equal(codes(pageview('&cg6=a')), ['WARN INDEX_OUT_OF_BOUNDS cg6']);
  assert.match(pageview('&cg6=a').messages[0]!.description, 'cg<N> takes indices 1 to 5');
  assert.equal(codes(pageview('&cg0=a')), ['WARN INDEX_OUT_OF_BOUNDS cg0']);
});

names('enhanced ecommerce: every product, impression and promotion field with its type', () => {
  const parsed = parsePayload(
    `${BASE}&t=event&ec=ecommerce&ea=purchase&pa=purchase&ti=T-1&tr=30.50&tcc=SUMMER&pal=Search&cos=2&col=VISA` +
      '&pr1id=P1&pr1nm=Shirt&pr1br=Brand&pr1ca=Apparel%2FShirts&pr1va=Blue&pr1pr=%2415.25&pr1qt=2&pr1cc=C&pr1ps=1&pr1cd2=x&pr1cm3=4' +
      '&il1nm=Results&il1pi1id=P2&il1pi1nm=Hat&il1pi1br=B&il1pi1ca=C&il1pi1va=V&il1pi1ps=3&il1pi1pr=9.99&il1pi1cd1=y&il1pi1cm1=7' +
      '&promo1id=PR1&promo1nm=Sale&promo1cr=banner&promo1ps=top&promoa=click',
  );
  assert.ok(parsed.valid);
  assert.equal(parsed.messages, []);
  const p = parsed.params;
  assert.equal(
    [p.pr1pr, p.pr1qt, p.pr1ps, p.pr1cm3, p.il1pi1ps, p.il1pi1pr, p.il1pi1cm1, p.cos, p.tr],
    [15.25, 2, 1, 4, 3, 9.99, 7, 2, 30.5],
  );
  assert.equal([p.pr1ca, p.pr1cd2, p.il1nm, p.il1pi1cd1, p.promo1ps, p.promoa, p.pal, p.col], ['Apparel/Shirts', 'x', 'Results', 'y', 'top', 'click', 'Search', 'VISA']);
  assert.equal(codes(pageview('&pr1cm1=1.5')), ['WARN VALUE_INVALID pr1cm1'], 'product metrics are integers');
});

names('hit-type-bound parameters sent on another hit type are dropped with an INFO', () => {
  const parsed = parsePayload(`${BASE}&ec=video&t=pageview&dp=%2F&ea=play&utt=5&in=Shirt&sn=x&exd=E`);
  assert.ok(parsed.valid);
  assert.equal(parsed.params, { v: '1', tid: 'UA-12345-1', cid: '555', t: 'pageview', dp: '/' });
  assert.equal(codes(parsed).sort(), [
    'INFO PARAMETER_NOT_APPLICABLE ea',
    'INFO PARAMETER_NOT_APPLICABLE ec',
    'INFO PARAMETER_NOT_APPLICABLE exd',
    'INFO PARAMETER_NOT_APPLICABLE in',
    'INFO PARAMETER_NOT_APPLICABLE sn',
    'INFO PARAMETER_NOT_APPLICABLE utt',
  ]);
  assert.ok(parsePayload(`${BASE}&t=event&ec=a&ea=b&cd=Home&ti=T&pa=detail`).params.cd === 'Home', 'cd, ti, pa apply to every hit type');
});

names('unknown parameters: dropped, named in one INFO; analytics.js internals silently', () => {
  const parsed = pageview('&foo=1&bar=2&_v=j101&_s=1&_u=QACA~&_gid=1.2&a=123&jid=&gjid=&gtm=2ou&tcfd=1&CID=9');
  assert.ok(parsed.valid);
  assert.equal(Object.keys(parsed.params).sort(), ['cid', 'dp', 't', 'tid', 'v']);
  assert.equal(codes(parsed), ['INFO PARAMETER_UNKNOWN']);
  assert.is(parsed.messages[0]?.description, "Unknown parameters were ignored: 'foo', 'bar', 'CID'.");
});

names('a repeated parameter keeps its first value, even an empty or invalid one', () => {
  const twice = pageview('&dt=First&dt=Second');
  assert.is(twice.params.dt, 'First');
  assert.equal(codes(twice), ['WARN PARAMETER_REPEATED dt']);
  assert.not.ok('el' in parsePayload(`${BASE}&t=event&ec=a&ea=b&el=&el=late`).params);
  assert.not.ok('ev' in parsePayload(`${BASE}&t=event&ec=a&ea=b&ev=x&ev=5`).params);
  assert.is(parsePayload(`v=1&tid=UA-12345-1&cid=1&cid=2&t=pageview&dp=%2F`).params.cid, '1');
});

names.run();

// ---------------------------------------------------------------- limits and hostile input
const limits = suite('parsePayload: bounded work on hostile input');

limits('a 1 MB payload of 100,000 parameters is refused at once', () => {
  const pairs = Array.from({ length: 100_000 }, (_, i) => `x${i}=1`);
  let raw = `${BASE}&${pairs.join('&')}&t=pageview&dp=%2F&z=`;
  raw = raw.padEnd(1_000_000, 'x');
  assert.is(raw.split('&').length, 100_006);
  const started = performance.now();
  const parsed = parsePayload(raw);
  const elapsed = performance.now() - started;
  assert.is(parsed.valid, false);
  assert.equal(codes(parsed), ['ERROR PAYLOAD_TOO_LARGE']);
  assert.equal(parsed.params, {});
  assert.ok(elapsed < 100, `took ${elapsed.toFixed(1)} ms`);
});

limits('the byte limit counts UTF-8 bytes: 8192 is accepted, 8193 refused', () => {
  const fill = (bytes: number) => `${BASE}&t=pageview&dp=%2F&z=`.padEnd(bytes, 'x');
  assert.ok(parsePayload(fill(MAX_PAYLOAD_BYTES)).valid);
  assert.is(parsePayload(fill(MAX_PAYLOAD_BYTES + 1)).valid, false);
  const multiByte = `${BASE}&t=pageview&dp=%2F&z=${'é'.repeat(4080)}`; // < 8192 characters, > 8192 bytes
  assert.ok(multiByte.length < MAX_PAYLOAD_BYTES);
  assert.equal(codes(parsePayload(multiByte)), ['ERROR PAYLOAD_TOO_LARGE']);
});

limits('at most 1000 parameters are read from a payload within the byte limit', () => {
  let raw = `${BASE}&t=pageview&dp=%2F`;
  while (raw.length < MAX_PAYLOAD_BYTES - 2) raw += '&a';
  const pairs = raw.split('&').length;
  assert.ok(pairs > MAX_PARAMETERS * 4);
  const started = performance.now();
  const parsed = parsePayload(raw);
  const elapsed = performance.now() - started;
  assert.ok(parsed.valid);
  assert.equal(codes(parsed), ['WARN TOO_MANY_PARAMETERS']);
  assert.is(parsed.messages[0]?.description, `The payload has more than ${MAX_PARAMETERS} parameters; the last ${pairs - MAX_PARAMETERS} were ignored.`);
  assert.ok(elapsed < 100, `took ${elapsed.toFixed(1)} ms`);
});

limits('slow paths at full size (broken escapes, bad values, bad indices, duplicates) stay fast', () => {
  const kinds = ['dt=%E2%82%', 'ev=%zz%', 'cd0=1', 'pr999id=%FF', 'dt=%C3%28', 'qt=x%'];
  let raw = `${BASE}&t=pageview&dp=%2F`;
  for (let i = 0; raw.length < MAX_PAYLOAD_BYTES - 16; i++) raw += `&${kinds[i % kinds.length]}`;
  const started = performance.now();
  const parsed = parsePayload(raw);
  const elapsed = performance.now() - started;
  assert.ok(parsed.valid);
  assert.ok(parsed.messages.length <= MAX_WARNINGS + 1);
  assert.ok(elapsed < 100, `took ${elapsed.toFixed(1)} ms`);
});

limits('parameters after the first 1000 are not read, required ones included', () => {
  const raw = `${BASE}&t=pageview${'&a'.repeat(MAX_PARAMETERS)}&dp=%2F`;
  const parsed = parsePayload(raw);
  assert.is(parsed.valid, false);
  assert.equal(codes(parsed), ['WARN TOO_MANY_PARAMETERS', 'ERROR VALUE_REQUIRED dl']);
});

limits('messages are bounded: at most 50 warnings, then one summary; errors are always kept', () => {
  let raw = 'v=1&tid=UA-12345-1&cid=1&t=timing&utc=a&utv=b';
  for (let i = 201; i < 900; i++) raw += `&cd${i}=x`;
  raw += '&utt=slow';
  const parsed = parsePayload(raw);
  assert.is(parsed.valid, false);
  assert.is(parsed.messages.length, MAX_WARNINGS + 2);
  assert.equal(codes(parsed).slice(-2), ['ERROR VALUE_INVALID utt', 'WARN TOO_MANY_MESSAGES']);
  assert.is(parsed.messages.at(-1)?.description, `${899 - 200 - MAX_WARNINGS} further warnings were omitted.`);
});

limits('long hostile names are shortened in messages', () => {
  const name = `cd${'9'.repeat(500)}`;
  const parsed = pageview(`&${name}=1&${'q'.repeat(300)}=1`);
  for (const m of parsed.messages) assert.ok(m.description.length < 300, m.description);
});

limits('garbage is invalid, never an exception', () => {
  for (const raw of ['', 'garbage', '&&&', '=', '==&==', '%', '%%%%', '\u0000\uFFFF', 'v=1&tid', '?']) {
    const parsed = parsePayload(raw);
    assert.is(parsed.valid, false, JSON.stringify(raw));
    assert.ok(parsed.messages.some((m) => m.messageType === 'ERROR'));
  }
});

limits.run();
