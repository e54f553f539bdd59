// Visitor ids for cookieless hits (`_cl=1` and no `cid`, sent by our SDK): a hash of a
// random per-day salt, the full client address, the user agent and the property. The
// id is stable for one visitor within a UTC day and unrelated across days, and nothing
// on the device is read or written.
//
// The salt of the current UTC day lives in memory and in a small file of the data dir,
// so a restart the same day keeps ids stable. A salt is deleted as soon as its day is
// over (checked on every hit and hourly), so no salt outlives two calendar days; once
// it is gone nobody can recompute which address produced an id.
//
// Single-process limit: each process draws its own salt unless they share the data dir
// file and start the same day in order. Several collector processes must share one
// data dir (or accept that a cookieless visitor counts once per process per day).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { Logger } from '../platform/logger.ts';

export interface CookielessIds {
  /** The day's visitor id for this address, user agent and property. */
  clientId(ip: string, userAgent: string, tid: string, now: number): string;
  /** Drops every salt but today's (memory and file). */
  purge(now: number): void;
  close(): void;
}

export interface CookielessOptions {
  /** Where the salt is kept across restarts; omitted: memory only. */
  file?: string;
  logger: Logger;
  /** Injected by tests; 32 random bytes by default. */
  randomSalt?: () => string;
  /** The clock of the hourly purge and of the purge at open; Date.now by default. */
  now?: () => number;
  /** Hourly purge timer; tests turn it off and call purge() with their clock. */
  purgeEveryMs?: number | false;
}

const saltFileSchema = z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'), salt: z.string().min(32, 'must be at least 32 characters') });

const utcDay = (now: number): string => new Date(now).toISOString().slice(0, 10);

export function openCookielessIds(options: CookielessOptions): CookielessIds {
  const { file, logger } = options;
  const randomSalt = options.randomSalt ?? (() => randomBytes(32).toString('hex'));
  let current: { day: string; salt: string } | undefined = readSaltFile();

  function readSaltFile(): { day: string; salt: string } | undefined {
    if (!file) return undefined;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined; // no file yet
    }
    try {
      return saltFileSchema.parse(JSON.parse(text));
    } catch (error) {
      logger.warn({ err: error, file }, 'the cookieless salt file is unreadable; a new salt is drawn (cookieless ids of today change)');
      return undefined;
    }
  }

  function writeSaltFile(value: { day: string; salt: string }): void {
    if (!file) return;
    try {
      const temporary = `${file}.tmp`;
      writeFileSync(temporary, JSON.stringify(value), { mode: 0o600 });
      renameSync(temporary, file);
    } catch (error) {
      logger.warn({ err: error, file }, 'cannot write the cookieless salt file; ids stay stable until a restart only');
    }
  }

  function saltFor(now: number): string {
    const day = utcDay(now);
    if (current?.day === day) return current.salt;
    current = { day, salt: randomSalt() };
    writeSaltFile(current);
    return current.salt;
  }

  function purge(now: number): void {
    if (current === undefined || current.day === utcDay(now)) return;
    current = undefined;
    if (file) rmSync(file, { force: true });
  }

  const clock = options.now ?? Date.now;
  const timer = options.purgeEveryMs === false ? undefined : setInterval(() => purge(clock()), options.purgeEveryMs ?? 3_600_000);
  timer?.unref();
  purge(clock());

  return {
    clientId(ip, userAgent, tid, now) {
      const salt = saltFor(now);
      const digest = createHash('sha256').update(`${salt}\n${ip}\n${userAgent}\n${tid}`).digest('hex');
      return `cl.${digest.slice(0, 32)}`;
    },
    purge,
    close() {
      if (timer) clearInterval(timer);
    },
  };
}
