// One Measurement Protocol v1 payload (`k=v&k=v`, as in a /collect query string or
// POST body) → typed, validated parameters plus GA-style parser messages
// (ga-processing.md §1.3–1.5, §2). Pure and bounded: at most MAX_PAYLOAD_BYTES are
// read and at most MAX_PARAMETERS pairs considered, whatever the input.
//
// Rules, in the order they apply to each pair:
// - keys and values are URL-decoded (`+` is a space, bad encodings become U+FFFD);
// - unknown keys are dropped (one INFO naming them; analytics.js internals silently);
// - a family key with an index out of range (`cd0`, `cd201`, `cg6`, `cd01`) is dropped (WARN);
// - a repeated key keeps its first value (WARN);
// - an empty value is "not sent" (except `aip`, where presence alone means true);
// - a value failing its type is dropped (WARN), unless the parameter is required, which
//   makes the hit invalid (ERROR); `qt` out of bounds also invalidates the hit;
// - text is folded and truncated to its maximum bytes (INFO);
// - a parameter of another hit type (`ec` on a pageview) is dropped (INFO).
// Then the required parameters are checked (§1.4): v, tid, t; cid unless uid (or `_cl=1`,
// our SDK's cookieless hit, whose id the collector derives); those of the hit type.
// A present but invalid required value gives one ERROR (VALUE_INVALID), as GA reports
// it, and a missing one VALUE_REQUIRED.
import type { HitParameters, HitType } from '../../domain/hit.ts';
import { decodeComponent } from './decode.ts';
import {
  indexOutOfBounds,
  invalidValue,
  notApplicable,
  outOfBounds,
  payloadTooLarge,
  repeated,
  requiredField,
  tooManyMessages,
  tooManyParameters,
  truncated,
  unknownParameters,
  type ParserMessage,
} from './messages.ts';
import { isSilentlyIgnored, labelOf, REQUIRED_BY_HIT_TYPE, resolveParameter } from './parameters.ts';
import { failureCode, foldText, truncateUtf8, type StoredValue } from './values.ts';

/** `/collect` POST body limit (MP-REF). */
export const MAX_PAYLOAD_BYTES = 8192;
/** `/collect` GET: the whole encoded URL (MP-REF). */
export const MAX_GET_URL_BYTES = 8000;
/** Pairs considered per payload; 8192 bytes cannot hold a real hit with more. */
export const MAX_PARAMETERS = 1000;
/** INFO and WARN messages kept per payload (ERRORs are always kept). */
export const MAX_WARNINGS = 50;
/** Unknown parameter names listed in the one message about them. */
const UNKNOWN_LISTED = 10;

export type ParsedPayload =
  | { valid: true; params: HitParameters; messages: ParserMessage[] }
  | { valid: false; params: HitParameters; messages: ParserMessage[] };

/** Required on every hit; an invalid value is an ERROR at once. */
const ALWAYS_REQUIRED = ['v', 'tid', 't'] as const;
const ALWAYS_REQUIRED_SET: ReadonlySet<string> = new Set(ALWAYS_REQUIRED);

/** UTF-8 byte length above `max`, without counting when the length alone decides. */
export function exceedsBytes(text: string, max: number): boolean {
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  return Buffer.byteLength(text, 'utf8') > max;
}

interface Messages {
  readonly list: ParserMessage[];
  readonly errors: () => number;
  add(message: ParserMessage): void;
  /** A dropped optional value turns out to be required: its WARN becomes an ERROR. */
  escalate(message: ParserMessage): void;
  finish(): ParserMessage[];
}

/** Collects messages: every ERROR, and at most MAX_WARNINGS others (the rest are counted). */
function collectMessages(): Messages {
  const list: ParserMessage[] = [];
  let errors = 0;
  let omitted = 0;
  return {
    list,
    errors: () => errors,
    add(message) {
      if (message.messageType === 'ERROR') {
        errors++;
        list.push(message);
      } else if (list.length - errors < MAX_WARNINGS) {
        list.push(message);
      } else {
        omitted++;
      }
    },
    escalate(message) {
      if (message.messageType === 'ERROR') return;
      message.messageType = 'ERROR';
      errors++;
      if (!list.includes(message)) {
        omitted--; // it was counted as an omitted warning
        list.push(message);
      }
    },
    finish() {
      if (omitted > 0) list.push(tooManyMessages(omitted));
      return list;
    },
  };
}

export function parsePayload(raw: string): ParsedPayload {
  if (exceedsBytes(raw, MAX_PAYLOAD_BYTES)) {
    return { valid: false, params: {}, messages: [payloadTooLarge(MAX_PAYLOAD_BYTES)] };
  }
  const params: Record<string, StoredValue> = {};
  const messages = collectMessages();
  let dropped: Set<string> | undefined; // names read but not kept, for first-occurrence-wins
  let invalid: Map<string, ParserMessage> | undefined;
  let unknown: string[] | undefined;
  let unknownCount = 0;
  let hitType: string | undefined;
  let pending: string[] | undefined; // hit-type-bound names read before `t`
  let count = 0;

  const length = raw.length;
  let pos = raw.charCodeAt(0) === 63 /* ? */ ? 1 : 0;
  while (pos < length) {
    let end = raw.indexOf('&', pos);
    if (end === -1) end = length;
    if (end === pos) {
      pos++;
      continue;
    }
    if (++count > MAX_PARAMETERS) {
      let ignored = 0;
      for (let i = pos; i < length; i = end + 1) {
        end = raw.indexOf('&', i);
        if (end === -1) end = length;
        if (end > i) ignored++;
      }
      messages.add(tooManyParameters(MAX_PARAMETERS, ignored));
      break;
    }
    const pairStart = pos;
    pos = end + 1;

    let eq = raw.indexOf('=', pairStart);
    if (eq === -1 || eq > end) eq = end;
    const name = decodeComponent(raw.slice(pairStart, eq));
    if (name === '') continue;

    const resolved = resolveParameter(name);
    if (resolved === undefined) {
      if (!isSilentlyIgnored(name)) {
        unknownCount++;
        if (unknownCount <= UNKNOWN_LISTED) (unknown ??= []).push(name);
      }
      continue;
    }
    if (resolved.outOfRange) {
      messages.add(indexOutOfBounds(name, resolved.definition.name, Math.max(...resolved.indexMax)));
      continue;
    }
    // First occurrence wins, stored or not; `dropped` remembers the ones not stored.
    const key = resolved.key;
    if (params[key] !== undefined || dropped?.has(key)) {
      messages.add(repeated(name));
      continue;
    }

    let value: StoredValue | undefined;
    if (resolved.presenceIsTrue) {
      value = true;
    } else {
      const decoded = eq < end ? decodeComponent(raw.slice(eq + 1, end)) : '';
      // An empty value is "not sent".
      if (decoded.length !== 0 && decoded.trim().length !== 0) {
        const result = resolved.plainText ? { success: true as const, data: foldText(decoded) } : resolved.schema.safeParse(decoded);
        if (result.success) {
          value = result.data;
        } else {
          const code = failureCode(result.error);
          if (code === 'VALUE_OUT_OF_BOUNDS' && resolved.outOfBoundsDropsHit) {
            messages.add(outOfBounds(name, 'ERROR'));
          } else {
            const type = ALWAYS_REQUIRED_SET.has(name) ? 'ERROR' : 'WARN';
            const message = code === 'VALUE_OUT_OF_BOUNDS' ? outOfBounds(name, type) : invalidValue(name, type);
            messages.add(message);
            (invalid ??= new Map()).set(name, message);
          }
        }
      }
      if (typeof value === 'string') {
        if (value.length === 0) {
          value = undefined; // e.g. a content group of only slashes
        } else if (resolved.maxBytes !== 0) {
          const cut = truncateUtf8(value, resolved.maxBytes);
          if (cut !== value) {
            messages.add(truncated(name, resolved.maxBytes));
            value = cut;
          }
        }
      }
    }

    if (value !== undefined && resolved.hitTypes !== undefined) {
      if (hitType === undefined) {
        (pending ??= []).push(name);
      } else if (!resolved.hitTypes.has(hitType)) {
        messages.add(notApplicable(name, hitType));
        value = undefined;
      }
    }
    if (value === undefined) {
      (dropped ??= new Set()).add(key);
      continue;
    }
    if (key === 't') hitType = value as string;
    params[key] = value;
  }

  if (pending !== undefined && hitType !== undefined) {
    for (const name of pending) {
      if (!resolveHitTypes(name)?.has(hitType)) {
        messages.add(notApplicable(name, hitType));
        delete params[name];
      }
    }
  }

  const require = (name: string, label: string, alternative?: string): void => {
    if (name in params) return;
    const problem = invalid?.get(name);
    if (problem !== undefined) messages.escalate(problem);
    else messages.add(requiredField(name, label, alternative));
  };
  for (const name of ALWAYS_REQUIRED) require(name, labelOf(name));
  if (!('cid' in params) && !('uid' in params) && params._cl !== true) {
    messages.add(requiredField('cid', labelOf('cid'), "'uid'"));
  }
  if (hitType !== undefined) {
    if (hitType === 'pageview') {
      // §1.4: `dl`, or `dh` + `dp`; `dp` alone is accepted as the validator does [I].
      if (!('dl' in params) && !('dp' in params)) require('dl', labelOf('dl'), "'dp'");
    } else {
      for (const name of REQUIRED_BY_HIT_TYPE[hitType as HitType]) require(name, labelOf(name));
    }
  }

  if (unknown !== undefined) messages.add(unknownParameters(unknown, unknownCount));
  const list = messages.finish();
  return messages.errors() === 0 ? { valid: true, params, messages: list } : { valid: false, params, messages: list };
}

function resolveHitTypes(name: string): ReadonlySet<string> | undefined {
  return resolveParameter(name)?.hitTypes;
}
