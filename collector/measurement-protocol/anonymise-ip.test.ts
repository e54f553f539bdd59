import { isIP } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { anonymiseIp } from './anonymise-ip.ts';

const test = suite('anonymiseIp');

test('IPv4: the last octet is zeroed (§1.7: 123.123.123.123 → 123.123.123.0)', () => {
  assert.is(anonymiseIp('123.123.123.123'), '123.123.123.0');
  assert.is(anonymiseIp('111.111.111.111'), '111.111.111.0');
  assert.is(anonymiseIp('10.0.0.1'), '10.0.0.0');
  assert.is(anonymiseIp('0.0.0.0'), '0.0.0.0');
  assert.is(anonymiseIp('255.255.255.255'), '255.255.255.0');
  assert.is(anonymiseIp(' 81.2.69.160 '), '81.2.69.0', 'surrounding spaces are ignored');
});

test('IPv4: anything but a dotted quad of 0-255 without leading zeros is refused', () => {
  for (const bad of ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', '1..3.4', 'a.b.c.d', '1.2.3.4/24', '', ' ', '1.2.3.-4', '１.2.3.4']) {
    assert.is(anonymiseIp(bad), undefined, bad);
  }
});

test('IPv6: the last 80 bits are zeroed, printed in RFC 5952 form', () => {
  assert.is(anonymiseIp('2001:0db8:85a3:08d3:1319:8a2e:0370:7348'), '2001:db8:85a3::');
  assert.is(anonymiseIp('2001:DB8:85A3:8D3:1319:8A2E:370:7348'), '2001:db8:85a3::');
  assert.is(anonymiseIp('2a00:1450:4001:81c::200e'), '2a00:1450:4001::');
  assert.is(anonymiseIp('2001:db8::1'), '2001:db8::');
  assert.is(anonymiseIp('2001::1'), '2001::');
  assert.is(anonymiseIp('2001:0:0:1::1'), '2001::');
  assert.is(anonymiseIp('0:0:1:2:3:4:5:6'), '0:0:1::');
  assert.is(anonymiseIp('::1'), '::');
  assert.is(anonymiseIp('::'), '::');
  assert.is(anonymiseIp('fe80::1%eth0'), 'fe80::', 'a zone id is dropped');
  assert.is(anonymiseIp('64:ff9b::192.0.2.33'), '64:ff9b::', 'an embedded IPv4 tail (not mapped) is part of the zeroed bits');
});

test('IPv6: the 48 kept bits are exactly the first three groups', () => {
  for (const [address, prefix] of [
    ['2001:db8:1234:5678:9abc:def0:1234:5678', '2001:db8:1234::'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff:ffff:ffff::'],
    ['1:2:3:4:5:6:7:8', '1:2:3::'],
  ] as const) {
    const anonymised = anonymiseIp(address);
    assert.is(anonymised, prefix);
    assert.is(isIP(anonymised!), 6, 'the result is an IPv6 address');
  }
});

test('IPv4-mapped IPv6 (dual-stack peers) is the IPv4 address, anonymised as IPv4', () => {
  assert.is(anonymiseIp('::ffff:123.123.123.123'), '123.123.123.0');
  assert.is(anonymiseIp('::FFFF:1.2.3.4'), '1.2.3.0');
  assert.is(anonymiseIp('::ffff:7b7b:7b7b'), '123.123.123.0', 'the hex form too');
  assert.is(anonymiseIp('0:0:0:0:0:ffff:1.2.3.4'), '1.2.3.0');
});

test('IPv6: malformed addresses are refused', () => {
  for (const bad of ['1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', ':::', '1::2::3', 'g::1', '12345::', '1:2:3:4:5:6:7::8', '::1.2.3', '::ffff:256.1.1.1', 'fe80::1%', '[::1]', '1.2.3.4::', 'localhost', '::1.2.3.4:5']) {
    assert.is(anonymiseIp(bad), undefined, bad);
  }
});

test('anonymising twice changes nothing more', () => {
  for (const address of ['123.123.123.123', '2001:db8:85a3:8d3:1319:8a2e:370:7348', '::ffff:1.2.3.4']) {
    const once = anonymiseIp(address)!;
    assert.is(anonymiseIp(once), once);
  }
});

test.run();
