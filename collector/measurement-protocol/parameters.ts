// The Measurement Protocol v1 parameter table (ga-processing.md §2) as data, compiled
// once into lookup maps: exact names in one Map, indexed families (`cd<N>`,
// `pr<N>cd<M>`, `il<L>pi<N>id`, ...) in another keyed by their shape (`pr#cd#`).
// An exact name wins over a family, which settles the `cd` (screen name) / `cd<N>`
// and `cm` (campaign medium) / `cm<N>` clashes.
import { isIP } from 'node:net';
import { z } from 'zod';
import { HIT_TYPES, type HitType } from '../../domain/hit.ts';
import { TID_PATTERN } from '../../domain/property/fields.ts';
import {
  booleanValue,
  currencyValue,
  integerValue,
  normalisedTextValue,
  numberValue,
  oneOfValue,
  patternValue,
  textValue,
  type Bounds,
  type ValueSchema,
} from './values.ts';

export type ValueType = 'text' | 'integer' | 'number' | 'currency' | 'boolean';

export interface ParameterDefinition {
  /** Protocol name; a family uses placeholders: `cd<N>`, `pr<N>cd<M>`, `il<L>pi<N>id`. */
  name: string;
  /** Human name, as in GA's messages ("Tracking Id is a required field ..."). */
  label: string;
  type: ValueType;
  /** Text maximum in UTF-8 bytes; longer values are truncated. */
  maxBytes?: number;
  /** The hit types the parameter applies to; absent = all. Sent on another type, it is dropped. */
  hitTypes?: readonly HitType[];
  /** Allowed text values (compared after whitespace folding). */
  oneOf?: readonly string[];
  pattern?: RegExp;
  /** Integer bounds. */
  bounds?: Bounds;
  /** An out-of-bounds value drops the whole hit instead of just the parameter (`qt`). */
  outOfBoundsDropsHit?: boolean;
  /** Present at all means true, whatever the value (`aip`: `&aip=`, `&aip=0`, `&aip=1`). */
  presenceIsTrue?: boolean;
  /** The value must be an IPv4 or IPv6 address (`uip`). */
  ipAddress?: boolean;
  normalise?: (value: string) => string;
  /** Highest index of each placeholder, in order; families only (default 200 each). */
  indexMax?: readonly number[];
}

/** Product, impression-list, promotion, custom dimension/metric indices (§2). */
export const MAX_INDEX = 200;
/** Content grouping indices (§2). */
export const MAX_CONTENT_GROUP = 5;
/** `qt` above 4 hours drops the hit (§1.5 [I]). */
export const MAX_QUEUE_TIME_MS = 14_400_000;

export const PRODUCT_ACTIONS = ['detail', 'click', 'add', 'remove', 'checkout', 'checkout_option', 'purchase', 'refund'] as const;
/** `promo_click` is the documented value, `click` the documented example: both are accepted (§2 [I]). */
export const PROMOTION_ACTIONS = ['view', 'click', 'promo_click'] as const;

const SLASH_RUN = /\/{2,}/g;
const EDGE_SLASHES = /^\/+|\/+$/g;
/** Content group values: `/a//b/` → `a/b` (§2). */
export const normaliseContentGroup = (value: string): string => value.replace(SLASH_RUN, '/').replace(EDGE_SLASHES, '');

const EVENT: readonly HitType[] = ['event'];
const ITEM: readonly HitType[] = ['item'];
const SOCIAL: readonly HitType[] = ['social'];
const TIMING: readonly HitType[] = ['timing'];
const EXCEPTION: readonly HitType[] = ['exception'];
const NON_NEGATIVE: Bounds = { min: 0 };

const text = (name: string, label: string, maxBytes?: number, extra: Partial<ParameterDefinition> = {}): ParameterDefinition => ({
  name,
  label,
  type: 'text',
  ...(maxBytes === undefined ? {} : { maxBytes }),
  ...extra,
});
const typed = (name: string, label: string, type: Exclude<ValueType, 'text'>, extra: Partial<ParameterDefinition> = {}): ParameterDefinition => ({
  name,
  label,
  type,
  ...extra,
});

const timing = (name: string, label: string): ParameterDefinition => typed(name, label, 'integer', { hitTypes: TIMING, bounds: NON_NEGATIVE });

export const PARAMETERS: readonly ParameterDefinition[] = [
  // General / user / session
  text('v', 'Protocol Version', undefined, { oneOf: ['1'] }),
  text('tid', 'Tracking Id', undefined, { pattern: TID_PATTERN }),
  typed('aip', 'Anonymize IP', 'boolean', { presenceIsTrue: true }),
  typed('npa', 'Disabling Advertising Personalization', 'boolean'),
  text('ds', 'Data Source'),
  typed('qt', 'Queue Time', 'integer', { bounds: { min: 0, max: MAX_QUEUE_TIME_MS }, outOfBoundsDropsHit: true }),
  text('z', 'Cache Buster'),
  text('cid', 'Client Id'),
  text('uid', 'User Id'),
  text('sc', 'Session Control', undefined, { oneOf: ['start', 'end'] }),
  text('uip', 'IP Override', undefined, { ipAddress: true }),
  text('ua', 'User Agent Override'),
  text('geoid', 'Geographical Override'),
  // Webalytic SDK: a cookieless hit, sent without `cid`; the collector derives the visitor id.
  typed('_cl', 'Cookieless Hit', 'boolean'),
  // Traffic sources
  text('dr', 'Document Referrer', 2048),
  text('cn', 'Campaign Name', 100),
  text('cs', 'Campaign Source', 100),
  text('cm', 'Campaign Medium', 50),
  text('ck', 'Campaign Keyword', 500),
  text('cc', 'Campaign Content', 500),
  text('ci', 'Campaign ID', 100),
  text('gclid', 'Google Ads ID'),
  text('dclid', 'Google Display Ads ID'),
  // System info
  text('sr', 'Screen Resolution', 20),
  text('vp', 'Viewport size', 20),
  text('de', 'Document Encoding', 20),
  text('sd', 'Screen Colors', 20),
  text('ul', 'User Language', 20),
  typed('je', 'Java Enabled', 'boolean'),
  text('fl', 'Flash Version', 20),
  // Hit
  text('t', 'Hit type', undefined, { oneOf: HIT_TYPES }),
  typed('ni', 'Non-Interaction Hit', 'boolean'),
  // Content information
  text('dl', 'Document location URL', 2048),
  text('dh', 'Document Host Name', 100),
  text('dp', 'Document Path', 2048),
  text('dt', 'Document Title', 1500),
  // The old docs allow it on every hit type; on the web it names the screen of a pageview too.
  text('cd', 'Screen Name', 2048),
  text('cg<N>', 'Content Group', 100, { normalise: normaliseContentGroup, indexMax: [MAX_CONTENT_GROUP] }),
  text('linkid', 'Link ID'),
  // App
  text('an', 'Application Name', 100),
  text('aid', 'Application ID', 150),
  text('av', 'Application Version', 100),
  text('aiid', 'Application Installer ID', 150),
  // Events
  text('ec', 'Event Category', 150, { hitTypes: EVENT }),
  text('ea', 'Event Action', 500, { hitTypes: EVENT }),
  text('el', 'Event Label', 500, { hitTypes: EVENT }),
  typed('ev', 'Event Value', 'integer', { hitTypes: EVENT, bounds: NON_NEGATIVE }),
  // Ecommerce (classic); ti/ta/tr/ts/tt also serve Enhanced Ecommerce on every hit type.
  text('ti', 'Transaction ID', 500),
  text('ta', 'Transaction Affiliation', 500),
  typed('tr', 'Transaction Revenue', 'currency'),
  typed('ts', 'Transaction Shipping', 'currency'),
  typed('tt', 'Transaction Tax', 'currency'),
  text('in', 'Item Name', 500, { hitTypes: ITEM }),
  typed('ip', 'Item Price', 'currency', { hitTypes: ITEM }),
  typed('iq', 'Item Quantity', 'integer', { hitTypes: ITEM }),
  text('ic', 'Item Code', 500, { hitTypes: ITEM }),
  text('iv', 'Item Category', 500, { hitTypes: ITEM }),
  text('cu', 'Currency Code', 10),
  // Enhanced Ecommerce
  text('pr<N>id', 'Product SKU', 500),
  text('pr<N>nm', 'Product Name', 500),
  text('pr<N>br', 'Product Brand', 500),
  text('pr<N>ca', 'Product Category', 500),
  text('pr<N>va', 'Product Variant', 500),
  typed('pr<N>pr', 'Product Price', 'currency'),
  typed('pr<N>qt', 'Product Quantity', 'integer'),
  text('pr<N>cc', 'Product Coupon Code', 500),
  typed('pr<N>ps', 'Product Position', 'integer'),
  text('pr<N>cd<M>', 'Product Custom Dimension', 150),
  typed('pr<N>cm<M>', 'Product Custom Metric', 'integer'),
  text('pa', 'Product Action', undefined, { oneOf: PRODUCT_ACTIONS }),
  text('tcc', 'Coupon Code'),
  text('pal', 'Product Action List'),
  typed('cos', 'Checkout Step', 'integer'),
  text('col', 'Checkout Step Option'),
  text('il<L>nm', 'Product Impression List Name'),
  text('il<L>pi<N>id', 'Product Impression SKU'),
  text('il<L>pi<N>nm', 'Product Impression Name'),
  text('il<L>pi<N>br', 'Product Impression Brand'),
  text('il<L>pi<N>ca', 'Product Impression Category'),
  text('il<L>pi<N>va', 'Product Impression Variant'),
  typed('il<L>pi<N>ps', 'Product Impression Position', 'integer'),
  typed('il<L>pi<N>pr', 'Product Impression Price', 'currency'),
  text('il<L>pi<N>cd<M>', 'Product Impression Custom Dimension'),
  typed('il<L>pi<N>cm<M>', 'Product Impression Custom Metric', 'integer'),
  text('promo<N>id', 'Promotion ID'),
  text('promo<N>nm', 'Promotion Name'),
  text('promo<N>cr', 'Promotion Creative'),
  text('promo<N>ps', 'Promotion Position'),
  text('promoa', 'Promotion Action', undefined, { oneOf: PROMOTION_ACTIONS }),
  // Social
  text('sn', 'Social Network', 50, { hitTypes: SOCIAL }),
  text('sa', 'Social Action', 50, { hitTypes: SOCIAL }),
  text('st', 'Social Action Target', 2048, { hitTypes: SOCIAL }),
  // Timing ([I] durations are non-negative)
  text('utc', 'User timing category', 150, { hitTypes: TIMING }),
  text('utv', 'User timing variable name', 500, { hitTypes: TIMING }),
  timing('utt', 'User timing time'),
  text('utl', 'User timing label', 500, { hitTypes: TIMING }),
  timing('plt', 'Page Load Time'),
  timing('dns', 'DNS Time'),
  timing('pdt', 'Page Download Time'),
  timing('rrt', 'Redirect Response Time'),
  timing('tcp', 'TCP Connect Time'),
  timing('srt', 'Server Response Time'),
  timing('dit', 'DOM Interactive Time'),
  timing('clt', 'Content Load Time'),
  // Exceptions
  text('exd', 'Exception Description', 150, { hitTypes: EXCEPTION }),
  typed('exf', 'Is Exception Fatal?', 'boolean', { hitTypes: EXCEPTION }),
  // Custom dimensions and metrics
  text('cd<N>', 'Custom Dimension', 150),
  typed('cm<N>', 'Custom Metric', 'number'),
  // Content experiments
  text('xid', 'Experiment ID', 40),
  text('xvar', 'Experiment Variant'),
];

/**
 * Not in the table but sent by analytics.js (`_v`, `_s`, `_u`, `_gid`, `a`, `jid`, ...):
 * dropped without a message, so real hits validate cleanly. Any `_`-prefixed name counts.
 */
const SILENTLY_IGNORED = new Set(['a', 'jid', 'gjid', 'gtm', 'tcfd']);
export const isSilentlyIgnored = (name: string): boolean => name.charCodeAt(0) === 95 /* _ */ || SILENTLY_IGNORED.has(name);

/**
 * A parameter ready for the hot path. Every compiled entry has the same fields in the
 * same order (one hidden class), so the parser's property reads stay monomorphic.
 */
export interface CompiledParameter {
  /**
   * The protocol name to store the value under: the same string object for every hit,
   * so the parser's keyed stores reuse one internalized key instead of each payload's
   * freshly decoded copy (measured: the single largest cost on ecommerce hits).
   */
  readonly key: string;
  readonly definition: ParameterDefinition;
  readonly schema: ValueSchema;
  /** Text maximum in bytes; 0 when there is none. */
  readonly maxBytes: number;
  readonly hitTypes: ReadonlySet<string> | undefined;
  readonly presenceIsTrue: boolean;
  readonly outOfBoundsDropsHit: boolean;
  /** Highest index per placeholder; empty for exact names. */
  readonly indexMax: readonly number[];
  /** True on the twin returned for a family name whose index is out of range. */
  readonly outOfRange: boolean;
  /**
   * Plain text: the schema is `textValue`, which only folds whitespace and cannot fail,
   * so the parser calls `foldText` itself and saves zod's per-call overhead on the
   * most common parameter kind (see bench/parse-payload.ts).
   */
  readonly plainText: boolean;
}

const ipValue: ValueSchema = z.string().transform((raw, ctx) => {
  const value = raw.trim();
  if (isIP(value) !== 0) return value;
  ctx.issues.push({ code: 'custom', message: 'VALUE_INVALID', input: raw });
  return z.NEVER;
});

function schemaOf(d: ParameterDefinition): ValueSchema {
  switch (d.type) {
    case 'boolean':
      return booleanValue;
    case 'integer':
      return integerValue(d.bounds);
    case 'number':
      return numberValue;
    case 'currency':
      return currencyValue;
    case 'text':
      if (d.oneOf) return oneOfValue(d.oneOf);
      if (d.pattern) return patternValue(d.pattern);
      if (d.ipAddress) return ipValue;
      if (d.normalise) return normalisedTextValue(d.normalise);
      return textValue;
  }
}

const PLACEHOLDER = /<[A-Z]>/g;
const DIGITS = /[0-9]+/g;

function compile(definition: ParameterDefinition, indexMax: readonly number[], outOfRange: boolean): CompiledParameter {
  const schema = schemaOf(definition);
  return {
    key: definition.name,
    definition,
    schema,
    maxBytes: definition.maxBytes ?? 0,
    hitTypes: definition.hitTypes ? new Set<string>(definition.hitTypes) : undefined,
    presenceIsTrue: definition.presenceIsTrue === true,
    outOfBoundsDropsHit: definition.outOfBoundsDropsHit === true,
    indexMax,
    outOfRange,
    plainText: schema === textValue,
  };
}

interface CompiledFamily {
  readonly inRange: CompiledParameter;
  readonly outOfRange: CompiledParameter;
}

const exact = new Map<string, CompiledParameter>();
const families = new Map<string, CompiledFamily>();
for (const definition of PARAMETERS) {
  const placeholders = definition.name.match(PLACEHOLDER)?.length ?? 0;
  if (placeholders === 0) {
    exact.set(definition.name, compile(definition, [], false));
  } else {
    const indexMax = definition.indexMax ?? new Array<number>(placeholders).fill(MAX_INDEX);
    families.set(definition.name.replace(PLACEHOLDER, '#'), {
      inRange: compile(definition, indexMax, false),
      outOfRange: compile(definition, indexMax, true),
    });
  }
}

/** A valid index: 1 to max, written without leading zeros. */
function indexInRange(digits: string, max: number): boolean {
  if (digits.length > 3 || digits.charCodeAt(0) === 48 /* 0 */) return false;
  return Number(digits) <= max;
}

type Resolution = CompiledParameter | undefined;

/**
 * Exact names, plus family names already resolved so repeated ones (`pr1id`, `cd3`)
 * take one lookup. Bounded: when full it is reset to the exact names, so hostile
 * random names cost bounded memory.
 */
const known = new Map<string, Resolution>(exact);
const KNOWN_MAX = 20_000;

/**
 * The compiled parameter for a protocol name, undefined when unknown. For a family
 * name with an index out of range (or written with leading zeros) the entry has
 * `outOfRange: true`.
 */
export function resolveParameter(name: string): Resolution {
  const hit = known.get(name);
  if (hit !== undefined || known.has(name)) return hit;
  const resolution = resolveFamily(name);
  if (name.length <= 32) {
    if (known.size >= KNOWN_MAX) {
      known.clear();
      for (const [key, value] of exact) known.set(key, value);
    }
    known.set(name, resolution);
  }
  return resolution;
}

/** A family entry under its concrete name (`pr1id`); same fields, same order, as `compile` makes. */
function named(family: CompiledParameter, key: string): CompiledParameter {
  return {
    key,
    definition: family.definition,
    schema: family.schema,
    maxBytes: family.maxBytes,
    hitTypes: family.hitTypes,
    presenceIsTrue: family.presenceIsTrue,
    outOfBoundsDropsHit: family.outOfBoundsDropsHit,
    indexMax: family.indexMax,
    outOfRange: family.outOfRange,
    plainText: family.plainText,
  };
}

function resolveFamily(name: string): Resolution {
  const shape = name.replace(DIGITS, '#');
  if (shape === name) return undefined;
  const family = families.get(shape);
  if (family === undefined) return undefined;
  const indices = name.match(DIGITS)!;
  const max = family.inRange.indexMax;
  for (let i = 0; i < indices.length; i++) {
    if (!indexInRange(indices[i]!, max[i] ?? MAX_INDEX)) return family.outOfRange;
  }
  return named(family.inRange, name);
}

/** Parameters whose absence (or invalid value) makes a hit of that type invalid, besides the pageview rule. */
export const REQUIRED_BY_HIT_TYPE: Readonly<Record<HitType, readonly string[]>> = {
  pageview: [], // dl, or dp (with or without dh): checked on its own (§1.4 [I])
  screenview: ['cd'],
  event: ['ec', 'ea'],
  transaction: ['ti'],
  item: ['ti', 'in'],
  social: ['sn', 'sa', 'st'],
  timing: ['utc', 'utv', 'utt'],
  exception: [],
};

/** The human label of a known exact parameter, for messages. */
export const labelOf = (name: string): string => exact.get(name)?.definition.label ?? name;
