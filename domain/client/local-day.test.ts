import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { localDay } from './local-day.ts';

test('localDay: the calendar day in the zone, DST-correct, also when answers are remembered per quarter hour', () => {
  assert.is(localDay(Date.parse('2024-03-30T22:59:59.999Z'), 'Europe/Berlin'), '2024-03-30');
  assert.is(localDay(Date.parse('2024-03-30T23:00:00Z'), 'Europe/Berlin'), '2024-03-31');
  assert.is(localDay(Date.parse('2024-03-31T21:59:59Z'), 'Europe/Berlin'), '2024-03-31');
  assert.is(localDay(Date.parse('2024-03-31T22:00:00Z'), 'Europe/Berlin'), '2024-04-01');
  assert.is(localDay(Date.parse('2024-11-04T04:59:59Z'), 'America/New_York'), '2024-11-03');
  assert.is(localDay(Date.parse('2024-11-04T05:00:00Z'), 'America/New_York'), '2024-11-04');
  assert.is(localDay(Date.parse('2024-01-15T08:10:00Z'), 'Asia/Kathmandu'), '2024-01-15');
  assert.is(localDay(Date.parse('2024-01-14T18:14:59Z'), 'Asia/Kathmandu'), '2024-01-14', 'UTC+5:45: day starts at 18:15Z');
  assert.is(localDay(Date.parse('2024-01-14T18:15:00Z'), 'Asia/Kathmandu'), '2024-01-15');
  // Every instant around a boundary agrees with a fresh Intl answer.
  const fresh = new Intl.DateTimeFormat('en-CA', { timeZone: 'Australia/Lord_Howe', year: 'numeric', month: '2-digit', day: '2-digit' });
  for (let t = Date.parse('2024-04-06T10:00:00Z'); t < Date.parse('2024-04-08T10:00:00Z'); t += 60_000) {
    assert.is(localDay(t, 'Australia/Lord_Howe'), fresh.format(t));
  }
});

test.run();
