import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../platform/logger.ts';
import { openCookielessIds } from '../cookieless.ts';
import { tempDir } from './support.ts';

const DAY1 = Date.UTC(2024, 5, 3, 8, 0, 0);
const LATER_DAY1 = Date.UTC(2024, 5, 3, 23, 59, 0);
const DAY2 = Date.UTC(2024, 5, 4, 0, 1, 0);
const open = (file: string | undefined, now = DAY1) => openCookielessIds({ ...(file ? { file } : {}), logger: silentLogger(), purgeEveryMs: false, now: () => now });

test('one visitor keeps its id all day; another address, user agent or property gives another id', () => {
  const ids = open(undefined);
  const a = ids.clientId('81.2.69.142', 'UA one', 'UA-1-1', DAY1);
  assert.is(ids.clientId('81.2.69.142', 'UA one', 'UA-1-1', LATER_DAY1), a);
  assert.match(a, /^cl\.[0-9a-f]{32}$/);
  assert.is.not(ids.clientId('81.2.69.143', 'UA one', 'UA-1-1', DAY1), a);
  assert.is.not(ids.clientId('81.2.69.142', 'UA two', 'UA-1-1', DAY1), a);
  assert.is.not(ids.clientId('81.2.69.142', 'UA one', 'UA-1-2', DAY1), a);
});

test('the next UTC day draws a new salt: the same visitor gets an unrelated id', () => {
  const ids = open(undefined);
  const day1 = ids.clientId('81.2.69.142', 'UA one', 'UA-1-1', DAY1);
  const day2 = ids.clientId('81.2.69.142', 'UA one', 'UA-1-1', DAY2);
  assert.is.not(day2, day1);
});

test('a restart the same day keeps ids stable (the salt file), a restart the next day deletes the old salt', () => {
  const file = join(tempDir(), 'salt.json');
  const first = open(file);
  const id = first.clientId('81.2.69.142', 'UA one', 'UA-1-1', DAY1);
  first.close();
  assert.ok(existsSync(file));
  const salt = (JSON.parse(readFileSync(file, 'utf8')) as { salt: string }).salt;

  const sameDay = open(file, LATER_DAY1);
  assert.is(sameDay.clientId('81.2.69.142', 'UA one', 'UA-1-1', LATER_DAY1), id);
  sameDay.close();

  const nextDay = open(file, DAY2);
  assert.not.ok(existsSync(file), 'the salt of a finished day is deleted at open');
  assert.is.not(nextDay.clientId('81.2.69.142', 'UA one', 'UA-1-1', DAY2), id);
  assert.is.not((JSON.parse(readFileSync(file, 'utf8')) as { salt: string }).salt, salt);
  nextDay.close();
});

test('purge drops the salt once its day is over, even without traffic', () => {
  const file = join(tempDir(), 'salt.json');
  const ids = open(file);
  ids.clientId('81.2.69.142', 'UA one', 'UA-1-1', DAY1);
  ids.purge(LATER_DAY1);
  assert.ok(existsSync(file), 'still its day');
  ids.purge(DAY2);
  assert.not.ok(existsSync(file));
  ids.close();
});

test('an invalid salt file is replaced, not trusted', () => {
  const file = join(tempDir(), 'salt.json');
  writeFileSync(file, '{"day":"2024-06-03","salt":"short"}');
  const ids = open(file);
  assert.match(ids.clientId('1.2.3.4', 'x', 'UA-1-1', DAY1), /^cl\./);
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { day: string; salt: string };
  assert.is(stored.day, '2024-06-03');
  assert.ok(stored.salt.length >= 32);
  ids.close();
});

test.run();
