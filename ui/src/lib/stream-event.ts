// A line of the live tail from one domain event of the SSE stream, whatever its type:
// the fields are looked up defensively because every event type carries different data.
export interface TailLine {
  key: string;
  id: string | undefined;
  type: string;
  time: number | undefined;
  stream: string | undefined;
  what: string;
  detail: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const at = (value: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, key) => (isRecord(v) ? v[key] : undefined), value);

let counter = 0;

export function tailLine(id: string | undefined, eventName: string, raw: string): TailLine {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    body = raw;
  }
  const data = isRecord(body) && isRecord(body.data) ? body.data : body;
  const type = text(at(body, 'type')) ?? (eventName !== 'message' ? eventName : 'event');
  const hit = at(data, 'hit');
  const created = at(body, 'created') ?? at(body, 'createdAt') ?? at(hit, 'time');
  const time = typeof created === 'number' ? created : typeof created === 'string' && !Number.isNaN(Date.parse(created)) ? Date.parse(created) : undefined;
  const stream = text(at(body, 'stream')) ?? text(at(body, 'streamId'));
  const hitType = text(at(hit, 'type'));
  const page = text(at(hit, 'page', 'path')) ?? text(at(hit, 'page', 'screenName')) ?? text(at(hit, 'page', 'location')) ?? text(at(data, 'params', 'dp')) ?? text(at(data, 'params', 'dl'));
  const title = text(at(hit, 'page', 'title'));
  const event = [at(hit, 'event', 'category'), at(hit, 'event', 'action'), at(hit, 'event', 'label')].map(text).filter(Boolean).join(' › ');
  const transaction = text(at(hit, 'transaction', 'id'));
  const reason = text(at(data, 'reason'));
  const what = reason ? 'discarded' : (hitType ?? type.replace(/\.v\d+$/, ''));
  const detail =
    [reason ? `(${reason})` : undefined, event || undefined, transaction ? `transaction ${transaction}` : undefined, page, title ? `“${title}”` : undefined].filter(Boolean).join(' · ') ||
    text(at(data, 'name')) ||
    '';
  counter += 1;
  return { key: `${id ?? ''}#${counter}`, id, type, time, stream, what, detail };
}
