// What a newcomer needs after `webalytic start` on a fresh data dir: how to create the
// first property and how to sign in. Logged once at start, only for what is missing.
import { API_KEY_STREAM_PREFIX } from '../domain/access/events.ts';
import { PROPERTY_STREAM_PREFIX } from '../domain/property/decider.ts';
import type { EventStore } from '../storage/eventstore/port.ts';

async function hasAnyEvent(store: EventStore, prefix: string): Promise<boolean> {
  for await (const _event of store.readAll({ filter: { streamPrefixes: [prefix] }, maxCount: 1 })) return true;
  return false;
}

/** The next steps for what the store lacks (no property, no key); empty when set up. */
export async function firstStartHints(store: EventStore, options: { url: string; adminKeyConfigured: boolean }): Promise<string[]> {
  const hints: string[] = [];
  if (!(await hasAnyEvent(store, PROPERTY_STREAM_PREFIX))) {
    hints.push(
      `no property yet: open ${options.url}/ to create the first one, or run ` +
        `'npx webalytic property create --id UA-12345-1 --name "My site" --url https://example.com --time-zone Europe/Berlin'; ` +
        `then 'npx webalytic simulate --property UA-12345-1 --visitors 500 --days 30' for demo data`,
    );
  }
  if (!options.adminKeyConfigured && !(await hasAnyEvent(store, API_KEY_STREAM_PREFIX))) {
    hints.push(`no API key yet: run 'npx webalytic keys create --role admin --name dashboard' (the key is shown once) and sign in to ${options.url}/ with it`);
  }
  return hints;
}
