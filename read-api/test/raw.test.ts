// GET /sessions/:id, GET and DELETE /clients/:property/:clientId/events over real HTTP,
// against a real embedded store filled through the collector's recorder.
import { readFileSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bearer, getJson, NOW, readAllEvents, startHarness } from './raw-harness.ts';

const TID = 'UA-1111-1';
const OTHER = 'UA-2222-1';
const CID = '555.666';
const MINUTE = 60_000;

interface SessionAnswer {
  id: string;
  property: string;
  client: string;
  stream: string;
  client_id: string | null;
  channel: string;
  start: string;
  hits: {
    position: string;
    revision: number;
    event_type: string;
    type: string;
    time: number;
    page: { path?: string };
    event?: { category?: string };
    params: Record<string, unknown>;
    derived: { browser: string; os: string; device_category: string; channel: string; time_on_page: number | null };
  }[];
}

test('GET /sessions/:id: the hits of one session in order, raw facts with derived fields beside them', async () => {
  const h = await startHarness({ properties: [TID, OTHER] });
  try {
    const first = await h.hit(TID, { cid: CID, dl: 'https://www.example.com/a', dt: 'A', dr: 'https://www.google.com/' }, NOW);
    await h.hit(TID, { cid: CID, dl: 'https://www.example.com/b', dt: 'B' }, NOW + 5 * MINUTE);
    await h.hit(TID, { cid: CID, t: 'event', ec: 'video', ea: 'play', dl: 'https://www.example.com/b' }, NOW + 7 * MINUTE);
    // 40 minutes of inactivity: a second session of the same client.
    await h.hit(TID, { cid: CID, dl: 'https://www.example.com/c' }, NOW + 47 * MINUTE);
    await h.hit(TID, { cid: 'someone.else', dl: 'https://www.example.com/a' }, NOW);

    const stream = (await readAllEvents(h.store)).filter((e) => e.stream === first.stream);
    const sessionIds = stream.map((e) => (e.data as { session: { id: string } }).session.id);
    assert.is(sessionIds[0], `UA-1111-1.c.555.666:1`);
    assert.is(sessionIds[3], `UA-1111-1.c.555.666:2`);

    const res = await getJson(`${h.url}/api/v1/sessions/${encodeURIComponent(sessionIds[0]!)}`, bearer(h.readKey));
    assert.is(res.status, 200);
    const session = res.body as SessionAnswer;
    assert.is(session.id, sessionIds[0]);
    assert.is(session.property, TID);
    assert.is(session.client, 'UA-1111-1.c.555.666');
    assert.is(session.stream, first.stream);
    assert.is(session.client_id, CID);
    assert.is(session.start, new Date(NOW).toISOString());
    assert.equal(session.hits.map((hit) => hit.type), ['pageview', 'pageview', 'event']);
    assert.equal(session.hits.map((hit) => hit.revision), [0, 1, 2]);
    assert.equal(session.hits.map((hit) => hit.position), stream.slice(0, 3).map((e) => e.position));
    assert.equal(session.hits.map((hit) => hit.page.path), ['/a', '/b', '/b']);
    assert.is(session.hits[2]!.event?.category, 'video');
    assert.is(session.hits[0]!.event_type, 'PageviewRecorded.v1');
    assert.is(session.hits[0]!.params['dt'], 'A');
    // Derived: Chrome on Windows, a desktop; organic search from google; time on page
    // until the next page, and for the last page until the last interaction (M-2).
    assert.equal(session.hits.map((hit) => hit.derived.time_on_page), [300, 120, null]);
    assert.is(session.hits[0]!.derived.browser, 'Chrome');
    assert.is(session.hits[0]!.derived.os, 'Windows');
    assert.is(session.hits[0]!.derived.device_category, 'desktop');
    assert.is(session.channel, 'Organic Search');
    assert.ok(session.hits.every((hit) => hit.derived.channel === 'Organic Search'));

    const second = await getJson(`${h.url}/api/v1/sessions/${encodeURIComponent(sessionIds[3]!)}`, bearer(h.adminKey));
    assert.is(second.status, 200);
    const later = second.body as SessionAnswer;
    assert.equal(later.hits.map((hit) => hit.page.path), ['/c']);
    assert.is(later.channel, 'Organic Search', 'a direct visit keeps the earlier campaign (GA source memory)');
    assert.equal(later.hits[0]!.derived.time_on_page, 0);
  } finally {
    await h.stop();
  }
});

test('GET /sessions/:id: 404 for an unknown session, 400 for a malformed id, 401 without a key, 403 for another property', async () => {
  const h = await startHarness({ properties: [TID, OTHER] });
  try {
    await h.hit(TID, { cid: CID }, NOW);
    await h.hit(OTHER, { cid: CID }, NOW);
    const missing = await getJson(`${h.url}/api/v1/sessions/UA-1111-1.c.555.666:9`, bearer(h.readKey));
    assert.is(missing.status, 404);
    assert.ok(missing.type.startsWith('application/problem+json'));
    const malformed = await getJson(`${h.url}/api/v1/sessions/not-a-session`, bearer(h.readKey));
    assert.is(malformed.status, 400);
    assert.is((malformed.body as { field: string }).field, 'id');
    const anonymous = await getJson(`${h.url}/api/v1/sessions/UA-1111-1.c.555.666:1`);
    assert.is(anonymous.status, 401);
    const foreign = await getJson(`${h.url}/api/v1/sessions/UA-2222-1.c.555.666:1`, bearer(h.readKey));
    assert.is(foreign.status, 403);
    assert.is((await getJson(`${h.url}/api/v1/sessions/UA-2222-1.c.555.666:1`, bearer(h.adminKey))).status, 200);
  } finally {
    await h.stop();
  }
});

test('GET /clients/:property/:clientId/events pages through the raw stream', async () => {
  const h = await startHarness();
  try {
    for (let i = 0; i < 5; i++) await h.hit(TID, { cid: CID, dp: `/p${i}` }, NOW + i * MINUTE);
    const base = `${h.url}/api/v1/clients/${TID}/${CID}/events`;
    type Page = { stream: string; events: { revision: number; type: string; data: { hit: { page: { path: string } } } }[]; next_from: number | null };
    const pages: Page[] = [];
    let from: number | null = 0;
    while (from !== null) {
      const res = await getJson(`${base}?limit=2&from=${from}`, bearer(h.readKey));
      assert.is(res.status, 200);
      const page = res.body as Page;
      pages.push(page);
      from = page.next_from;
    }
    assert.equal(pages.map((page) => page.events.map((e) => e.revision)), [[0, 1], [2, 3], [4]]);
    assert.equal(pages.flatMap((page) => page.events.map((e) => e.data.hit.page.path)), ['/p0', '/p1', '/p2', '/p3', '/p4']);
    assert.is(pages[0]!.stream, 'client-UA-1111-1.c.555.666');
    const all = (await getJson(base, bearer(h.readKey))).body as Page;
    assert.is(all.events.length, 5);
    assert.is(all.next_from, null);

    const unknown = await getJson(`${h.url}/api/v1/clients/${TID}/nobody/events`, bearer(h.readKey));
    assert.is(unknown.status, 404);
    const badLimit = await getJson(`${base}?limit=5000`, bearer(h.readKey));
    assert.is(badLimit.status, 400);
    assert.is((badLimit.body as { field: string }).field, 'limit');
    assert.is((await getJson(`${h.url}/api/v1/clients/UA-9999-1/${CID}/events`, bearer(h.adminKey))).status, 404);
    assert.is((await getJson(`${h.url}/api/v1/clients/UA-9999-1/${CID}/events`, bearer(h.readKey))).status, 403);
  } finally {
    await h.stop();
  }
});

test('GET /clients/…/events?identity=uid reads a stream keyed by the User ID', async () => {
  const h = await startHarness({ propertySettings: { userIdIdentity: true } });
  try {
    const recorded = await h.hit(TID, { cid: CID, uid: 'user@example.com' }, NOW);
    assert.is(recorded.stream, 'client-UA-1111-1.u.user@example.com');
    const res = await getJson(`${h.url}/api/v1/clients/${TID}/${encodeURIComponent('user@example.com')}/events?identity=uid`, bearer(h.readKey));
    assert.is(res.status, 200);
    assert.is((res.body as { stream: string; events: unknown[] }).events.length, 1);
    assert.is((await getJson(`${h.url}/api/v1/clients/${TID}/${encodeURIComponent('user@example.com')}/events`, bearer(h.readKey))).status, 404);
  } finally {
    await h.stop();
  }
});

test('DELETE /clients/…/events erases the visitor: erasure recorded, rows physically gone, a second DELETE changes nothing', async () => {
  const h = await startHarness();
  try {
    const marker = '/only-this-visitor-saw-this-page-7f3a9c';
    const erased = await h.hit(TID, { cid: CID, dp: marker }, NOW);
    await h.hit(TID, { cid: CID, dp: '/second' }, NOW + MINUTE);
    const kept = await h.hit(TID, { cid: 'kept.1', dp: '/kept' }, NOW);
    const url = `${h.url}/api/v1/clients/${TID}/${CID}/events`;

    const byReader = await fetch(url, { method: 'DELETE', headers: bearer(h.readKey) });
    assert.is(byReader.status, 403);
    assert.is((await fetch(url, { method: 'DELETE' })).status, 401);

    h.clock.now = NOW + 3 * MINUTE;
    const res = await fetch(url, { method: 'DELETE', headers: bearer(h.adminKey) });
    assert.is(res.status, 202);
    const body = (await res.json()) as { property: string; stream: string; erased: boolean; erasure: { stream: string; type: string; position: string } };
    assert.is(body.stream, erased.stream);
    assert.is(body.erased, true);
    assert.is(body.erasure.stream, 'erasure-UA-1111-1');
    assert.is(body.erasure.type, 'ClientErased.v1');

    const log = await readAllEvents(h.store);
    assert.not.ok(log.some((e) => e.stream === erased.stream), 'no event of the erased stream is readable');
    assert.ok(log.some((e) => e.stream === kept.stream), 'other visitors stay');
    const erasures = log.filter((e) => e.stream === 'erasure-UA-1111-1');
    assert.is(erasures.length, 1);
    assert.is(erasures[0]!.type, 'ClientErased.v1');
    assert.is(erasures[0]!.position, body.erasure.position);
    assert.equal(erasures[0]!.data, { propertyId: TID, stream: erased.stream, at: NOW + 3 * MINUTE });

    // Physically: no row in the SQLite file, and the page only this visitor saw is nowhere in its bytes.
    const db = new Database(h.store.file, { readonly: true });
    try {
      const rows = db.prepare('SELECT count(*) FROM events WHERE stream = ?').pluck().get(erased.stream);
      assert.is(rows, 0);
    } finally {
      db.close();
    }
    for (const file of [h.store.file, `${h.store.file}-wal`]) {
      if (existsSync(file)) assert.not.ok(readFileSync(file).includes(Buffer.from(marker)), `${file} still holds the erased page path`);
    }

    assert.is((await getJson(url, bearer(h.readKey))).status, 404);
    const again = await fetch(url, { method: 'DELETE', headers: bearer(h.adminKey) });
    assert.is(again.status, 202);
    assert.equal(await again.json(), { property: TID, stream: erased.stream, erased: false, erasure: null });
    assert.is((await readAllEvents(h.store)).filter((e) => e.stream === 'erasure-UA-1111-1').length, 1, 'nothing to erase: nothing recorded');

    // The visitor may come back: a new stream starts from scratch.
    const back = await h.hit(TID, { cid: CID, dp: '/back' }, NOW + 10 * MINUTE);
    assert.is(back.revision, 0);
  } finally {
    await h.stop();
  }
});

test('DELETE records the erasure before deleting: a failure in between leaves it recorded, and a retry finishes the job', async () => {
  const h = await startHarness();
  try {
    const visitor = await h.hit(TID, { cid: CID, dp: '/a' }, NOW);
    const url = `${h.url}/api/v1/clients/${TID}/${CID}/events`;
    h.failDeletes(1);
    const failed = await fetch(url, { method: 'DELETE', headers: bearer(h.adminKey) });
    assert.is(failed.status, 500);
    let log = await readAllEvents(h.store);
    assert.is(log.filter((e) => e.type === 'ClientErased.v1').length, 1, 'the projections already know');
    assert.ok(log.some((e) => e.stream === visitor.stream), 'the stream is still there');
    const retried = await fetch(url, { method: 'DELETE', headers: bearer(h.adminKey) });
    assert.is(retried.status, 202);
    assert.is(((await retried.json()) as { erased: boolean }).erased, true);
    log = await readAllEvents(h.store);
    assert.not.ok(log.some((e) => e.stream === visitor.stream));
    assert.is(log.filter((e) => e.type === 'ClientErased.v1').length, 2, 'recorded again: projections handle it idempotently');
  } finally {
    await h.stop();
  }
});

test.run();
