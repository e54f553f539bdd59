import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildDebugResponse } from './debug-response.ts';
import { parsePayload } from './parse-payload.ts';

const test = suite('buildDebugResponse');
const debugHit = (query: string) => ({ hit: `/debug/collect?${query}`, parsed: parsePayload(query) });

test('a valid hit: the exact shape of GA\'s answer (§1.6)', () => {
  const query = 'v=1&tid=UA-10000000-1&cid=1337&t=event&ec=click&ea=start';
  const response = buildDebugResponse([debugHit(query)]);
  assert.equal(JSON.parse(JSON.stringify(response)), {
    hitParsingResult: [{ valid: true, parserMessage: [], hit: '/debug/collect?v=1&tid=UA-10000000-1&cid=1337&t=event&ec=click&ea=start' }],
    parserMessage: [{ messageType: 'INFO', description: 'Found 1 hit in the request.' }],
  });
  assert.equal(Object.keys(response.hitParsingResult[0]!), ['valid', 'parserMessage', 'hit'], "GA's key order");
});

test('an invalid tid: the message GA returns, in its key order', () => {
  const query = 'ec=Ecommerce&ea=Refund&el=&ev=0&v=1&tid=G-C5VLPRS4QY&cid=555&t=event';
  const response = buildDebugResponse([debugHit(query)]);
  const json = JSON.stringify(response);
  assert.equal(JSON.parse(json), {
    hitParsingResult: [
      {
        valid: false,
        parserMessage: [
          {
            messageType: 'ERROR',
            description: "The value provided for parameter 'tid' is invalid. Please see http://goo.gl/a8d4RP#tid for details.",
            messageCode: 'VALUE_INVALID',
            parameter: 'tid',
          },
        ],
        hit: `/debug/collect?${query}`,
      },
    ],
    parserMessage: [{ messageType: 'INFO', description: 'Found 1 hit in the request.' }],
  });
  assert.ok(json.includes('{"messageType":"ERROR","description":"The value provided for parameter \'tid\' is invalid.'), 'messageType first');
  assert.ok(json.includes('"messageCode":"VALUE_INVALID","parameter":"tid"}'), 'then messageCode, then parameter');
});

test('the documented example (tid=fake&v=1) reports the tid and the other missing fields', () => {
  const result = buildDebugResponse([debugHit('tid=fake&v=1')]).hitParsingResult[0]!;
  assert.is(result.valid, false);
  assert.equal(
    result.parserMessage.map((m) => [m.messageType, m.parameter]),
    [['ERROR', 'tid'], ['ERROR', 't'], ['ERROR', 'cid']],
  );
});

test('uip: the anonymised address is appended as ?_anon_uip=, after the query, as GA does', () => {
  const query = 'v=1&tid=UA-10000000-1&cid=1337&t=pageview&dp=%2Ftest%2Fclient%2Fpageview&uip=111.111.111.111&ua=Test+Agent';
  const result = buildDebugResponse([debugHit(query)]).hitParsingResult[0]!;
  assert.is(result.hit, `/debug/collect?${query}?_anon_uip=111.111.111.0`);
  assert.ok(result.valid);
  const invalid = buildDebugResponse([debugHit('v=1&tid=UA-XXXXXX-Y&cid=X&t=pageview&dh=example.com&dp=/index.html&uip=123.123.123.123')]).hitParsingResult[0]!;
  assert.is(invalid.valid, false);
  assert.ok(invalid.hit.endsWith('?_anon_uip=123.123.123.0'), 'also on an invalid hit');
  const v6 = buildDebugResponse([debugHit('v=1&tid=UA-1-1&cid=1&t=pageview&dp=%2F&uip=2001%3Adb8%3A85a3%3A8d3%3A1319%3A8a2e%3A370%3A7348')]).hitParsingResult[0]!;
  assert.ok(v6.hit.endsWith('?_anon_uip=2001:db8:85a3::'));
  const bad = buildDebugResponse([debugHit('v=1&tid=UA-1-1&cid=1&t=pageview&dp=%2F&uip=nope')]).hitParsingResult[0]!;
  assert.not.ok(bad.hit.includes('_anon_uip'), 'an invalid uip is dropped, nothing appended');
});

test('one result per hit, in order, and the count in the top-level INFO', () => {
  const response = buildDebugResponse([debugHit('v=1&tid=UA-1-1&cid=1&t=pageview&dp=%2F'), debugHit('garbage')]);
  assert.equal(response.hitParsingResult.map((r) => r.valid), [true, false]);
  assert.equal(response.parserMessage, [{ messageType: 'INFO', description: 'Found 2 hits in the request.' }]);
  assert.equal(buildDebugResponse([]), { hitParsingResult: [], parserMessage: [{ messageType: 'INFO', description: 'Found 0 hits in the request.' }] });
});

test('warnings of a valid hit are listed; extra ERROR messages make the hit invalid', () => {
  const parsed = parsePayload('v=1&tid=UA-1-1&cid=1&t=event&ec=a&ea=b&ev=abc');
  const [withWarning] = buildDebugResponse([{ hit: '/debug/collect?x', parsed }]).hitParsingResult;
  assert.is(withWarning?.valid, true);
  assert.equal(withWarning?.parserMessage.map((m) => m.messageType), ['WARN']);
  const extra = { messageType: 'ERROR' as const, description: 'Property UA-1-1 is not active.', parameter: 'tid' };
  const [rejected] = buildDebugResponse([{ hit: '/debug/collect?x', parsed, extraMessages: [extra] }]).hitParsingResult;
  assert.is(rejected?.valid, false);
  assert.equal(rejected?.parserMessage.at(-1), extra);
  assert.is(parsed.messages.length, 1, 'the parsed payload is not modified');
});

test.run();
