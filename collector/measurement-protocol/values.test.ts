import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeComponent } from './decode.ts';
import { currencyValue, foldText, integerValue, truncateUtf8 } from './values.ts';

const test = suite('value helpers');

test('foldText trims and folds runs of 2+ whitespace characters to one space; single ones stay', () => {
  assert.is(foldText('  Summer   Sale '), 'Summer Sale');
  assert.is(foldText('a\t\n b'), 'a b');
  assert.is(foldText('a\tb'), 'a\tb');
  assert.is(foldText('\u00a0\u00a0x\u2003\u2003y'), 'x y');
  assert.is(foldText('plain'), 'plain');
});

test('truncateUtf8 keeps whole characters within the byte budget', () => {
  assert.is(truncateUtf8('abc', 2), 'ab');
  assert.is(truncateUtf8('aé', 2), 'a');
  assert.is(truncateUtf8('aé', 3), 'aé');
  assert.is(truncateUtf8('€€', 5), '€');
  assert.is(truncateUtf8('😀x', 3), '');
  assert.is(truncateUtf8('😀x', 4), '😀');
  assert.is(truncateUtf8('short', 100), 'short');
});

test('the zod value schemas report GA message codes', () => {
  const ev = integerValue({ min: 0 });
  assert.equal(ev.safeParse('12').data, 12);
  assert.is(ev.safeParse('x').error?.issues[0]?.message, 'VALUE_INVALID');
  assert.is(ev.safeParse('-1').error?.issues[0]?.message, 'VALUE_OUT_OF_BOUNDS');
  assert.is(currencyValue.safeParse('$-55.00').data, -55);
});

test('decodeComponent: plain text is returned as is; escapes, plus and bad bytes are handled', () => {
  const plain = 'abc-123_~.';
  assert.is(decodeComponent(plain), plain);
  assert.is(decodeComponent('a+b%20c'), 'a b c');
  assert.is(decodeComponent('%E2%82%AC%FF'), '€\uFFFD');
  assert.is(decodeComponent('%e2%82%ac'), '€', 'lower-case hex');
  assert.is(decodeComponent('\uD83D'), '\uFFFD');
  assert.is(decodeComponent('%F0%9F%98%80\uD83D'), '😀\uFFFD');
});

test.run();
