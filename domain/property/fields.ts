// Validators of single property fields, shared by the command schemas (which
// normalise input) and the event schemas (which only check structure).
// Pure: the Intl checks read the runtime's time zone and currency tables, no I/O.
import { z } from 'zod';
import type { CustomDefinition } from './settings.ts';

/** GA tracking id `UA-<account>-<property>`; bounded so stream names stay short. */
export const TID_PATTERN = /^UA-[0-9]{1,12}-[0-9]{1,6}$/;

/** One DNS label: letters, digits and inner hyphens, 1 to 63 characters. */
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** Lower-case ASCII hostname (IDNs in punycode). No lookarounds: it is also a JSON Schema pattern. */
export const HOSTNAME_PATTERN = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;

export const SESSION_TIMEOUT_MINUTES = { min: 1, max: 240 } as const;
export const CAMPAIGN_TIMEOUT_DAYS = { min: 1, max: 730 } as const;
export const CUSTOM_INDEX = { min: 1, max: 200 } as const;
/** Raw data retention, days: 0 keeps it forever; at most ten years. */
export const RETENTION_DAYS = { min: 0, max: 3650 } as const;
export const NAME_MAX = 100;
export const DEFINITION_NAME_MAX = 150;
export const URL_MAX = 2048;

const TIME_ZONES = new Set<string>([...Intl.supportedValuesOf('timeZone'), 'UTC']);
const CURRENCIES = new Set<string>(Intl.supportedValuesOf('currency'));

/**
 * The canonical IANA name of a time zone, or undefined when it is not one.
 * Aliases (`US/Eastern`, `Etc/UTC`, lower case) are accepted and stored under the
 * name Intl resolves them to; UTC offsets like `+01:00` are not IANA zones.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (TIME_ZONES.has(name)) return name;
  try {
    const resolved = new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
    return /^[+-]/.test(resolved) ? undefined : resolved;
  } catch {
    return undefined;
  }
}

export const isKnownCurrency = (code: string): boolean => CURRENCIES.has(code);

/** Trim, lower-case, drop a trailing root dot, and punycode a Unicode name. */
export function normaliseHostname(raw: string): string {
  let host = raw.trim().toLowerCase().replace(/\.$/, '');
  if (/[^\x00-\x7f]/.test(host)) {
    try {
      host = new URL(`http://${host}/`).hostname;
    } catch {
      return host;
    }
  }
  return host;
}

export const isHostname = (host: string): boolean => host.length <= 253 && HOSTNAME_PATTERN.test(host);

/** The host of a URL without a leading `www.`: the domain a new property excludes from referrals. */
export function siteDomainOf(url: string): string {
  return new URL(url).hostname.replace(/^www\./, '');
}

const nameKey = (name: string): string => name.trim().toLowerCase();

/**
 * Why `candidate` cannot join `existing` (definitions of one kind), or undefined.
 * A definition at the same index is the one being replaced, not a conflict.
 * Names are compared trimmed and case-insensitively: reports would show both.
 */
export function definitionConflict(existing: readonly CustomDefinition[], candidate: CustomDefinition): string | undefined {
  const clash = existing.find((d) => d.index !== candidate.index && nameKey(d.name) === nameKey(candidate.name));
  return clash ? `name "${candidate.name}" is already used by index ${clash.index}` : undefined;
}

// --- Input validators (commands): they trim and normalise. -------------------------------

export const tidInput = z
  .string()
  .trim()
  .refine((v) => TID_PATTERN.test(v), { error: (iss) => `"${String(iss.input)}" is not a tracking id of the form UA-<digits>-<digits>` });

export const propertyNameInput = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(NAME_MAX, `must be at most ${NAME_MAX} characters`);

export const urlInput = z
  .string()
  .trim()
  .max(URL_MAX, `must be at most ${URL_MAX} characters`)
  .transform((raw, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(raw);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
      ctx.issues.push({ code: 'custom', input: raw, message: `"${raw}" is not an absolute http(s) URL` });
      return z.NEVER;
    }
    return url.href;
  });

export const hostnameInput = z.string().transform((raw, ctx) => {
  const host = normaliseHostname(raw);
  if (!isHostname(host)) {
    ctx.issues.push({
      code: 'custom',
      input: raw,
      message: `"${raw}" is not a valid hostname (like example.com: no scheme, port or path)`,
    });
    return z.NEVER;
  }
  return host;
});

/** A list of hostnames, each at most once. */
export const hostnameListInput = z.array(hostnameInput).superRefine((hosts, ctx) => {
  hosts.forEach((host, i) => {
    if (hosts.indexOf(host) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `"${host}" is listed twice` });
  });
});

export const timeZoneInput = z.string().trim().transform((raw, ctx) => {
  const zone = canonicalTimeZone(raw);
  if (zone === undefined) {
    ctx.issues.push({ code: 'custom', input: raw, message: `"${raw}" is not an IANA time zone` });
    return z.NEVER;
  }
  return zone;
});

export const currencyInput = z.string().superRefine((code, ctx) => {
  if (!CURRENCY_PATTERN.test(code)) {
    ctx.addIssue({ code: 'custom', message: `"${code}" is not an ISO 4217 code (3 upper-case letters)` });
  } else if (!isKnownCurrency(code)) {
    ctx.addIssue({ code: 'custom', message: `"${code}" is not a known ISO 4217 currency` });
  }
});

const boundedInt = (bounds: { min: number; max: number }, unit: string) => {
  const rule = `must be ${bounds.min} to ${bounds.max}${unit}`;
  return z.number().int({ error: `must be a whole number of${unit}` }).min(bounds.min, rule).max(bounds.max, rule);
};

export const sessionTimeoutInput = boundedInt(SESSION_TIMEOUT_MINUTES, ' minutes');
export const campaignTimeoutInput = boundedInt(CAMPAIGN_TIMEOUT_DAYS, ' days');
export const retentionDaysInput = boundedInt(RETENTION_DAYS, ' days');

const token = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .regex(/^\S+$/, 'must not contain spaces');

export const organicSearchEngineInput = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(NAME_MAX, `must be at most ${NAME_MAX} characters`),
  domain: token.max(253, 'must be at most 253 characters'),
  keywordParams: z.array(token).min(1, 'must list at least one query parameter'),
});

export const ipAnonymizationInput = z.enum(['always', 'on-request'], { error: 'must be "always" or "on-request"' });

const definitionIndex = z
  .number()
  .int({ error: 'must be a whole number' })
  .min(CUSTOM_INDEX.min, 'must be 1 to 200')
  .max(CUSTOM_INDEX.max, 'must be 1 to 200');

const definitionName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(DEFINITION_NAME_MAX, `must be at most ${DEFINITION_NAME_MAX} characters`);

export const dimensionScopeInput = z.enum(['hit', 'session', 'user', 'product'], {
  error: 'must be "hit", "session", "user" or "product"',
});
/** GA custom metrics are hit- or product-scoped only. */
export const metricScopeInput = z.enum(['hit', 'product'], {
  error: 'must be "hit" or "product" (custom metrics have no session or user scope)',
});

export const customDimensionInput = z.strictObject({
  index: definitionIndex,
  name: definitionName,
  scope: dimensionScopeInput,
  active: z.boolean().default(true),
});

export const customMetricInput = z.strictObject({
  index: definitionIndex,
  name: definitionName,
  scope: metricScopeInput,
  active: z.boolean().default(true),
});

/** A whole list of definitions (CreateProperty): unique indices and names, stored in index order. */
export const definitionListInput = <S extends z.ZodType<CustomDefinition, z.input<typeof customDimensionInput>>>(item: S) =>
  z
    .array(item)
    .superRefine((defs, ctx) => {
      const seen: CustomDefinition[] = [];
      for (const def of defs) {
        if (seen.some((d) => d.index === def.index)) {
          ctx.addIssue({ code: 'custom', message: `index ${def.index} is defined twice` });
          continue;
        }
        const conflict = definitionConflict(seen, def);
        if (conflict) ctx.addIssue({ code: 'custom', message: conflict });
        seen.push(def);
      }
    })
    .transform((defs) => [...defs].sort((a, b) => a.index - b.index));
