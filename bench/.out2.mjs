// collector/measurement-protocol/decode.ts
var NEEDS_DECODING = /[%+\uD800-\uDFFF]/;
var SURROGATE = /[\uD800-\uDFFF]/;
var PLUS = /\+/g;
var REPLACEMENT = [239, 191, 189];
var hexValue = (c2) => {
  if (c2 >= 48 && c2 <= 57) return c2 - 48;
  if (c2 >= 65 && c2 <= 70) return c2 - 55;
  if (c2 >= 97 && c2 <= 102) return c2 - 87;
  return -1;
};
function decodeComponent(text2) {
  if (!NEEDS_DECODING.test(text2)) return text2;
  const plain = text2.includes("+") ? text2.replace(PLUS, " ") : text2;
  if (!plain.includes("%")) {
    return Buffer.from(plain, "utf8").toString("utf8");
  }
  if (!SURROGATE.test(plain)) {
    try {
      return decodeURIComponent(plain);
    } catch {
    }
  }
  const bytes = Buffer.allocUnsafe(plain.length * 3);
  let length = 0;
  let runStart = 0;
  let i = plain.indexOf("%");
  while (i !== -1) {
    if (i > runStart) length += bytes.write(plain.slice(runStart, i), length, "utf8");
    const high = i + 1 < plain.length ? hexValue(plain.charCodeAt(i + 1)) : -1;
    const low = i + 2 < plain.length ? hexValue(plain.charCodeAt(i + 2)) : -1;
    if (high >= 0 && low >= 0) {
      bytes[length++] = high << 4 | low;
      runStart = i + 3;
    } else {
      for (const b of REPLACEMENT) bytes[length++] = b;
      runStart = i + 1;
    }
    i = plain.indexOf("%", runStart);
  }
  if (runStart < plain.length) length += bytes.write(plain.slice(runStart), length, "utf8");
  return bytes.toString("utf8", 0, length);
}

// collector/measurement-protocol/messages.ts
var REFERENCE = "http://goo.gl/a8d4RP";
var shownName = (name) => name.length > 64 ? `${name.slice(0, 64)}\u2026` : name;
var anchor = (name) => name.replace(/[0-9]+/g, "_");
var seeAlso = (name) => `Please see ${REFERENCE}#${anchor(name)} for details.`;
function invalidValue(name, type) {
  const shown = shownName(name);
  return { messageType: type, description: `The value provided for parameter '${shown}' is invalid. ${seeAlso(shown)}`, messageCode: "VALUE_INVALID", parameter: shown };
}
function outOfBounds(name, type) {
  const shown = shownName(name);
  return { messageType: type, description: `The value provided for parameter '${shown}' is out of bounds. ${seeAlso(shown)}`, messageCode: "VALUE_OUT_OF_BOUNDS", parameter: shown };
}
function requiredField(name, label, alternative) {
  const unless = alternative === void 0 ? "" : ` unless ${alternative} is sent`;
  return { messageType: "ERROR", description: `${label} is a required field for this hit${unless}. ${seeAlso(name)}`, messageCode: "VALUE_REQUIRED", parameter: name };
}
function truncated(name, maxBytes) {
  const shown = shownName(name);
  return {
    messageType: "INFO",
    description: `The value provided for parameter '${shown}' is longer than ${maxBytes} bytes and was truncated. ${seeAlso(shown)}`,
    messageCode: "VALUE_TRUNCATED",
    parameter: shown
  };
}
function indexOutOfBounds(name, family, max) {
  const shown = shownName(name);
  return {
    messageType: "WARN",
    description: `The index of parameter '${shown}' is out of range: ${family} takes indices 1 to ${max}; the parameter was ignored.`,
    messageCode: "INDEX_OUT_OF_BOUNDS",
    parameter: shown
  };
}
function notApplicable(name, hitType) {
  return {
    messageType: "INFO",
    description: `Parameter '${name}' does not apply to hit type '${hitType}' and was ignored.`,
    messageCode: "PARAMETER_NOT_APPLICABLE",
    parameter: name
  };
}
function repeated(name) {
  const shown = shownName(name);
  return { messageType: "WARN", description: `Parameter '${shown}' was sent more than once; only its first value is used.`, messageCode: "PARAMETER_REPEATED", parameter: shown };
}
function unknownParameters(names, total) {
  const listed = names.map((n) => `'${shownName(n)}'`).join(", ");
  const more = total > names.length ? ` and ${total - names.length} more` : "";
  return { messageType: "INFO", description: `Unknown parameters were ignored: ${listed}${more}.`, messageCode: "PARAMETER_UNKNOWN" };
}
function tooManyParameters(max, ignored) {
  return {
    messageType: "WARN",
    description: `The payload has more than ${max} parameters; the last ${ignored} were ignored.`,
    messageCode: "TOO_MANY_PARAMETERS"
  };
}
function tooManyMessages(omitted) {
  return { messageType: "WARN", description: `${omitted} further warnings were omitted.`, messageCode: "TOO_MANY_MESSAGES" };
}
function payloadTooLarge(maxBytes) {
  return { messageType: "ERROR", description: `The payload is larger than ${maxBytes} bytes and was not processed.`, messageCode: "PAYLOAD_TOO_LARGE" };
}

// collector/measurement-protocol/parameters.ts
import { isIP } from "node:net";
import { z as z3 } from "zod";

// domain/hit.ts
var HIT_TYPES = ["pageview", "screenview", "event", "transaction", "item", "social", "exception", "timing"];

// domain/property/fields.ts
import { z } from "zod";
var TID_PATTERN = /^UA-[0-9]{1,12}-[0-9]{1,6}$/;
var LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
var HOSTNAME_PATTERN = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
var CURRENCY_PATTERN = /^[A-Z]{3}$/;
var SESSION_TIMEOUT_MINUTES = { min: 1, max: 240 };
var CAMPAIGN_TIMEOUT_DAYS = { min: 1, max: 730 };
var CUSTOM_INDEX = { min: 1, max: 200 };
var NAME_MAX = 100;
var DEFINITION_NAME_MAX = 150;
var URL_MAX = 2048;
var TIME_ZONES = /* @__PURE__ */ new Set([...Intl.supportedValuesOf("timeZone"), "UTC"]);
var CURRENCIES = new Set(Intl.supportedValuesOf("currency"));
function canonicalTimeZone(name) {
  if (TIME_ZONES.has(name)) return name;
  try {
    const resolved2 = new Intl.DateTimeFormat("en", { timeZone: name }).resolvedOptions().timeZone;
    return /^[+-]/.test(resolved2) ? void 0 : resolved2;
  } catch {
    return void 0;
  }
}
var isKnownCurrency = (code) => CURRENCIES.has(code);
function normaliseHostname(raw) {
  let host = raw.trim().toLowerCase().replace(/\.$/, "");
  if (/[^\x00-\x7f]/.test(host)) {
    try {
      host = new URL(`http://${host}/`).hostname;
    } catch {
      return host;
    }
  }
  return host;
}
var isHostname = (host) => host.length <= 253 && HOSTNAME_PATTERN.test(host);
var tidInput = z.string().trim().refine((v) => TID_PATTERN.test(v), { error: (iss) => `"${String(iss.input)}" is not a tracking id of the form UA-<digits>-<digits>` });
var propertyNameInput = z.string().trim().min(1, "must not be empty").max(NAME_MAX, `must be at most ${NAME_MAX} characters`);
var urlInput = z.string().trim().max(URL_MAX, `must be at most ${URL_MAX} characters`).transform((raw, ctx) => {
  let url;
  try {
    url = new URL(raw);
  } catch {
    url = void 0;
  }
  if (!url || url.protocol !== "http:" && url.protocol !== "https:" || url.hostname === "") {
    ctx.issues.push({ code: "custom", input: raw, message: `"${raw}" is not an absolute http(s) URL` });
    return z.NEVER;
  }
  return url.href;
});
var hostnameInput = z.string().transform((raw, ctx) => {
  const host = normaliseHostname(raw);
  if (!isHostname(host)) {
    ctx.issues.push({
      code: "custom",
      input: raw,
      message: `"${raw}" is not a valid hostname (like example.com: no scheme, port or path)`
    });
    return z.NEVER;
  }
  return host;
});
var hostnameListInput = z.array(hostnameInput).superRefine((hosts, ctx) => {
  hosts.forEach((host, i) => {
    if (hosts.indexOf(host) !== i) ctx.addIssue({ code: "custom", path: [i], message: `"${host}" is listed twice` });
  });
});
var timeZoneInput = z.string().trim().transform((raw, ctx) => {
  const zone = canonicalTimeZone(raw);
  if (zone === void 0) {
    ctx.issues.push({ code: "custom", input: raw, message: `"${raw}" is not an IANA time zone` });
    return z.NEVER;
  }
  return zone;
});
var currencyInput = z.string().superRefine((code, ctx) => {
  if (!CURRENCY_PATTERN.test(code)) {
    ctx.addIssue({ code: "custom", message: `"${code}" is not an ISO 4217 code (3 upper-case letters)` });
  } else if (!isKnownCurrency(code)) {
    ctx.addIssue({ code: "custom", message: `"${code}" is not a known ISO 4217 currency` });
  }
});
var boundedInt = (bounds, unit) => {
  const rule = `must be ${bounds.min} to ${bounds.max}${unit}`;
  return z.number().int({ error: `must be a whole number of${unit}` }).min(bounds.min, rule).max(bounds.max, rule);
};
var sessionTimeoutInput = boundedInt(SESSION_TIMEOUT_MINUTES, " minutes");
var campaignTimeoutInput = boundedInt(CAMPAIGN_TIMEOUT_DAYS, " days");
var token = z.string().trim().min(1, "must not be empty").regex(/^\S+$/, "must not contain spaces");
var organicSearchEngineInput = z.strictObject({
  name: z.string().trim().min(1, "must not be empty").max(NAME_MAX, `must be at most ${NAME_MAX} characters`),
  domain: token.max(253, "must be at most 253 characters"),
  keywordParams: z.array(token).min(1, "must list at least one query parameter")
});
var ipAnonymizationInput = z.enum(["always", "on-request"], { error: 'must be "always" or "on-request"' });
var definitionIndex = z.number().int({ error: "must be a whole number" }).min(CUSTOM_INDEX.min, "must be 1 to 200").max(CUSTOM_INDEX.max, "must be 1 to 200");
var definitionName = z.string().trim().min(1, "must not be empty").max(DEFINITION_NAME_MAX, `must be at most ${DEFINITION_NAME_MAX} characters`);
var dimensionScopeInput = z.enum(["hit", "session", "user", "product"], {
  error: 'must be "hit", "session", "user" or "product"'
});
var metricScopeInput = z.enum(["hit", "product"], {
  error: 'must be "hit" or "product" (custom metrics have no session or user scope)'
});
var customDimensionInput = z.strictObject({
  index: definitionIndex,
  name: definitionName,
  scope: dimensionScopeInput,
  active: z.boolean().default(true)
});
var customMetricInput = z.strictObject({
  index: definitionIndex,
  name: definitionName,
  scope: metricScopeInput,
  active: z.boolean().default(true)
});

// collector/measurement-protocol/values.ts
import { z as z2 } from "zod";
var WHITESPACE_RUN = /\s{2,}/g;
var DOUBLE_WHITESPACE = /\s\s/;
function foldText(value) {
  const trimmed = value.trim();
  return DOUBLE_WHITESPACE.test(trimmed) ? trimmed.replace(WHITESPACE_RUN, " ") : trimmed;
}
function truncateUtf8(value, maxBytes) {
  if (value.length * 3 <= maxBytes) return value;
  if (Buffer.byteLength(value, "utf8") <= maxBytes) return value;
  const bytes = Buffer.from(value, "utf8");
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 192) === 128) end--;
  return bytes.toString("utf8", 0, end);
}
var fail = (ctx, input, code) => {
  ctx.issues.push({ code: "custom", message: code, input });
  return z2.NEVER;
};
var textValue = z2.string().transform(foldText);
function oneOfValue(values) {
  const allowed = new Set(values);
  return z2.string().transform((raw, ctx) => {
    const value = foldText(raw);
    return allowed.has(value) ? value : fail(ctx, raw, "VALUE_INVALID");
  });
}
function patternValue(pattern) {
  return z2.string().transform((raw, ctx) => {
    const value = foldText(raw);
    return pattern.test(value) ? value : fail(ctx, raw, "VALUE_INVALID");
  });
}
function normalisedTextValue(normalise) {
  return z2.string().transform((raw) => normalise(foldText(raw)));
}
var booleanValue = z2.string().transform((raw, ctx) => {
  const value = raw.trim();
  if (value === "1") return true;
  if (value === "0") return false;
  return fail(ctx, raw, "VALUE_INVALID");
});
var INTEGER = /^[-+]?[0-9]+$/;
var INT64_MIN = -(2n ** 63n);
var INT64_MAX = 2n ** 63n - 1n;
function integerValue(bounds = {}) {
  const { min, max } = bounds;
  return z2.string().transform((raw, ctx) => {
    const value = raw.trim();
    if (!INTEGER.test(value)) return fail(ctx, raw, "VALUE_INVALID");
    const n = Number(value);
    if (!Number.isSafeInteger(n)) {
      const big = BigInt(value);
      return fail(ctx, raw, big < INT64_MIN || big > INT64_MAX ? "VALUE_INVALID" : "VALUE_OUT_OF_BOUNDS");
    }
    if (min !== void 0 && n < min || max !== void 0 && n > max) return fail(ctx, raw, "VALUE_OUT_OF_BOUNDS");
    return n === 0 ? 0 : n;
  });
}
var NUMBER = /^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;
var numberValue = z2.string().transform((raw, ctx) => {
  const value = raw.trim();
  if (!NUMBER.test(value)) return fail(ctx, raw, "VALUE_INVALID");
  const n = Number(value);
  if (!Number.isFinite(n)) return fail(ctx, raw, "VALUE_OUT_OF_BOUNDS");
  return n === 0 ? 0 : n;
});
var CURRENCY_START = /[0-9.-]/;
var MAX_CURRENCY = 9223372036854;
var CURRENCY = /^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
var currencyValue = z2.string().transform((raw, ctx) => {
  const start = raw.search(CURRENCY_START);
  if (start === -1) return fail(ctx, raw, "VALUE_INVALID");
  const value = raw.slice(start).trimEnd();
  if (!CURRENCY.test(value)) return fail(ctx, raw, "VALUE_INVALID");
  const n = Number(value);
  if (!Number.isFinite(n) || Math.abs(n) > MAX_CURRENCY) return fail(ctx, raw, "VALUE_OUT_OF_BOUNDS");
  const rounded = Math.round(n * 1e6) / 1e6;
  return rounded === 0 ? 0 : rounded;
});
function failureCode(error) {
  return error.issues[0]?.message === "VALUE_OUT_OF_BOUNDS" ? "VALUE_OUT_OF_BOUNDS" : "VALUE_INVALID";
}

// collector/measurement-protocol/parameters.ts
var MAX_INDEX = 200;
var MAX_CONTENT_GROUP = 5;
var MAX_QUEUE_TIME_MS = 144e5;
var PRODUCT_ACTIONS = ["detail", "click", "add", "remove", "checkout", "checkout_option", "purchase", "refund"];
var PROMOTION_ACTIONS = ["view", "click", "promo_click"];
var SLASH_RUN = /\/{2,}/g;
var EDGE_SLASHES = /^\/+|\/+$/g;
var normaliseContentGroup = (value) => value.replace(SLASH_RUN, "/").replace(EDGE_SLASHES, "");
var EVENT = ["event"];
var ITEM = ["item"];
var SOCIAL = ["social"];
var TIMING = ["timing"];
var EXCEPTION = ["exception"];
var NON_NEGATIVE = { min: 0 };
var text = (name, label, maxBytes, extra = {}) => ({
  name,
  label,
  type: "text",
  ...maxBytes === void 0 ? {} : { maxBytes },
  ...extra
});
var typed = (name, label, type, extra = {}) => ({
  name,
  label,
  type,
  ...extra
});
var timing = (name, label) => typed(name, label, "integer", { hitTypes: TIMING, bounds: NON_NEGATIVE });
var PARAMETERS = [
  // General / user / session
  text("v", "Protocol Version", void 0, { oneOf: ["1"] }),
  text("tid", "Tracking Id", void 0, { pattern: TID_PATTERN }),
  typed("aip", "Anonymize IP", "boolean", { presenceIsTrue: true }),
  typed("npa", "Disabling Advertising Personalization", "boolean"),
  text("ds", "Data Source"),
  typed("qt", "Queue Time", "integer", { bounds: { min: 0, max: MAX_QUEUE_TIME_MS }, outOfBoundsDropsHit: true }),
  text("z", "Cache Buster"),
  text("cid", "Client Id"),
  text("uid", "User Id"),
  text("sc", "Session Control", void 0, { oneOf: ["start", "end"] }),
  text("uip", "IP Override", void 0, { ipAddress: true }),
  text("ua", "User Agent Override"),
  text("geoid", "Geographical Override"),
  // Webalytic SDK: a cookieless hit, sent without `cid`; the collector derives the visitor id.
  typed("_cl", "Cookieless Hit", "boolean"),
  // Traffic sources
  text("dr", "Document Referrer", 2048),
  text("cn", "Campaign Name", 100),
  text("cs", "Campaign Source", 100),
  text("cm", "Campaign Medium", 50),
  text("ck", "Campaign Keyword", 500),
  text("cc", "Campaign Content", 500),
  text("ci", "Campaign ID", 100),
  text("gclid", "Google Ads ID"),
  text("dclid", "Google Display Ads ID"),
  // System info
  text("sr", "Screen Resolution", 20),
  text("vp", "Viewport size", 20),
  text("de", "Document Encoding", 20),
  text("sd", "Screen Colors", 20),
  text("ul", "User Language", 20),
  typed("je", "Java Enabled", "boolean"),
  text("fl", "Flash Version", 20),
  // Hit
  text("t", "Hit type", void 0, { oneOf: HIT_TYPES }),
  typed("ni", "Non-Interaction Hit", "boolean"),
  // Content information
  text("dl", "Document location URL", 2048),
  text("dh", "Document Host Name", 100),
  text("dp", "Document Path", 2048),
  text("dt", "Document Title", 1500),
  // The old docs allow it on every hit type; on the web it names the screen of a pageview too.
  text("cd", "Screen Name", 2048),
  text("cg<N>", "Content Group", 100, { normalise: normaliseContentGroup, indexMax: [MAX_CONTENT_GROUP] }),
  text("linkid", "Link ID"),
  // App
  text("an", "Application Name", 100),
  text("aid", "Application ID", 150),
  text("av", "Application Version", 100),
  text("aiid", "Application Installer ID", 150),
  // Events
  text("ec", "Event Category", 150, { hitTypes: EVENT }),
  text("ea", "Event Action", 500, { hitTypes: EVENT }),
  text("el", "Event Label", 500, { hitTypes: EVENT }),
  typed("ev", "Event Value", "integer", { hitTypes: EVENT, bounds: NON_NEGATIVE }),
  // Ecommerce (classic); ti/ta/tr/ts/tt also serve Enhanced Ecommerce on every hit type.
  text("ti", "Transaction ID", 500),
  text("ta", "Transaction Affiliation", 500),
  typed("tr", "Transaction Revenue", "currency"),
  typed("ts", "Transaction Shipping", "currency"),
  typed("tt", "Transaction Tax", "currency"),
  text("in", "Item Name", 500, { hitTypes: ITEM }),
  typed("ip", "Item Price", "currency", { hitTypes: ITEM }),
  typed("iq", "Item Quantity", "integer", { hitTypes: ITEM }),
  text("ic", "Item Code", 500, { hitTypes: ITEM }),
  text("iv", "Item Category", 500, { hitTypes: ITEM }),
  text("cu", "Currency Code", 10),
  // Enhanced Ecommerce
  text("pr<N>id", "Product SKU", 500),
  text("pr<N>nm", "Product Name", 500),
  text("pr<N>br", "Product Brand", 500),
  text("pr<N>ca", "Product Category", 500),
  text("pr<N>va", "Product Variant", 500),
  typed("pr<N>pr", "Product Price", "currency"),
  typed("pr<N>qt", "Product Quantity", "integer"),
  text("pr<N>cc", "Product Coupon Code", 500),
  typed("pr<N>ps", "Product Position", "integer"),
  text("pr<N>cd<M>", "Product Custom Dimension", 150),
  typed("pr<N>cm<M>", "Product Custom Metric", "integer"),
  text("pa", "Product Action", void 0, { oneOf: PRODUCT_ACTIONS }),
  text("tcc", "Coupon Code"),
  text("pal", "Product Action List"),
  typed("cos", "Checkout Step", "integer"),
  text("col", "Checkout Step Option"),
  text("il<L>nm", "Product Impression List Name"),
  text("il<L>pi<N>id", "Product Impression SKU"),
  text("il<L>pi<N>nm", "Product Impression Name"),
  text("il<L>pi<N>br", "Product Impression Brand"),
  text("il<L>pi<N>ca", "Product Impression Category"),
  text("il<L>pi<N>va", "Product Impression Variant"),
  typed("il<L>pi<N>ps", "Product Impression Position", "integer"),
  typed("il<L>pi<N>pr", "Product Impression Price", "currency"),
  text("il<L>pi<N>cd<M>", "Product Impression Custom Dimension"),
  typed("il<L>pi<N>cm<M>", "Product Impression Custom Metric", "integer"),
  text("promo<N>id", "Promotion ID"),
  text("promo<N>nm", "Promotion Name"),
  text("promo<N>cr", "Promotion Creative"),
  text("promo<N>ps", "Promotion Position"),
  text("promoa", "Promotion Action", void 0, { oneOf: PROMOTION_ACTIONS }),
  // Social
  text("sn", "Social Network", 50, { hitTypes: SOCIAL }),
  text("sa", "Social Action", 50, { hitTypes: SOCIAL }),
  text("st", "Social Action Target", 2048, { hitTypes: SOCIAL }),
  // Timing ([I] durations are non-negative)
  text("utc", "User timing category", 150, { hitTypes: TIMING }),
  text("utv", "User timing variable name", 500, { hitTypes: TIMING }),
  timing("utt", "User timing time"),
  text("utl", "User timing label", 500, { hitTypes: TIMING }),
  timing("plt", "Page Load Time"),
  timing("dns", "DNS Time"),
  timing("pdt", "Page Download Time"),
  timing("rrt", "Redirect Response Time"),
  timing("tcp", "TCP Connect Time"),
  timing("srt", "Server Response Time"),
  timing("dit", "DOM Interactive Time"),
  timing("clt", "Content Load Time"),
  // Exceptions
  text("exd", "Exception Description", 150, { hitTypes: EXCEPTION }),
  typed("exf", "Is Exception Fatal?", "boolean", { hitTypes: EXCEPTION }),
  // Custom dimensions and metrics
  text("cd<N>", "Custom Dimension", 150),
  typed("cm<N>", "Custom Metric", "number"),
  // Content experiments
  text("xid", "Experiment ID", 40),
  text("xvar", "Experiment Variant")
];
var SILENTLY_IGNORED = /* @__PURE__ */ new Set(["a", "jid", "gjid", "gtm", "tcfd"]);
var isSilentlyIgnored = (name) => name.charCodeAt(0) === 95 || SILENTLY_IGNORED.has(name);
var ipValue = z3.string().transform((raw, ctx) => {
  const value = raw.trim();
  if (isIP(value) !== 0) return value;
  ctx.issues.push({ code: "custom", message: "VALUE_INVALID", input: raw });
  return z3.NEVER;
});
function schemaOf(d) {
  switch (d.type) {
    case "boolean":
      return booleanValue;
    case "integer":
      return integerValue(d.bounds);
    case "number":
      return numberValue;
    case "currency":
      return currencyValue;
    case "text":
      if (d.oneOf) return oneOfValue(d.oneOf);
      if (d.pattern) return patternValue(d.pattern);
      if (d.ipAddress) return ipValue;
      if (d.normalise) return normalisedTextValue(d.normalise);
      return textValue;
  }
}
var PLACEHOLDER = /<[A-Z]>/g;
var DIGITS = /[0-9]+/g;
function compile(definition, indexMax, outOfRange) {
  return {
    definition,
    schema: schemaOf(definition),
    maxBytes: definition.maxBytes ?? 0,
    hitTypes: definition.hitTypes ? new Set(definition.hitTypes) : void 0,
    presenceIsTrue: definition.presenceIsTrue === true,
    outOfBoundsDropsHit: definition.outOfBoundsDropsHit === true,
    indexMax,
    outOfRange
  };
}
var exact = /* @__PURE__ */ new Map();
var families = /* @__PURE__ */ new Map();
for (const definition of PARAMETERS) {
  const placeholders = definition.name.match(PLACEHOLDER)?.length ?? 0;
  if (placeholders === 0) {
    exact.set(definition.name, compile(definition, [], false));
  } else {
    const indexMax = definition.indexMax ?? new Array(placeholders).fill(MAX_INDEX);
    families.set(definition.name.replace(PLACEHOLDER, "#"), {
      inRange: compile(definition, indexMax, false),
      outOfRange: compile(definition, indexMax, true)
    });
  }
}
function indexInRange(digits, max) {
  if (digits.length > 3 || digits.charCodeAt(0) === 48) return false;
  return Number(digits) <= max;
}
var resolved = /* @__PURE__ */ new Map();
var RESOLVED_MAX = 2e4;
function resolveParameter(name) {
  const known = exact.get(name);
  if (known !== void 0) return known;
  const cached = resolved.get(name);
  if (cached !== void 0 || resolved.has(name)) return cached;
  const resolution = resolveFamily(name);
  if (name.length <= 32) {
    if (resolved.size >= RESOLVED_MAX) resolved.clear();
    resolved.set(name, resolution);
  }
  return resolution;
}
function resolveFamily(name) {
  const shape = name.replace(DIGITS, "#");
  if (shape === name) return void 0;
  const family = families.get(shape);
  if (family === void 0) return void 0;
  const indices = name.match(DIGITS);
  const max = family.inRange.indexMax;
  for (let i = 0; i < indices.length; i++) {
    if (!indexInRange(indices[i], max[i] ?? MAX_INDEX)) return family.outOfRange;
  }
  return family.inRange;
}
var REQUIRED_BY_HIT_TYPE = {
  pageview: [],
  // dl, or dp (with or without dh): checked on its own (§1.4 [I])
  screenview: ["cd"],
  event: ["ec", "ea"],
  transaction: ["ti"],
  item: ["ti", "in"],
  social: ["sn", "sa", "st"],
  timing: ["utc", "utv", "utt"],
  exception: []
};
var labelOf = (name) => exact.get(name)?.definition.label ?? name;

// collector/measurement-protocol/parse-payload.ts
var MAX_PAYLOAD_BYTES = 8192;
var MAX_PARAMETERS = 1e3;
var MAX_WARNINGS = 50;
var UNKNOWN_LISTED = 10;
var ALWAYS_REQUIRED = ["v", "tid", "t"];
var ALWAYS_REQUIRED_SET = new Set(ALWAYS_REQUIRED);
function exceedsBytes(text2, max) {
  if (text2.length > max) return true;
  if (text2.length * 3 <= max) return false;
  return Buffer.byteLength(text2, "utf8") > max;
}
function collectMessages() {
  const list = [];
  let errors = 0;
  let omitted = 0;
  return {
    list,
    errors: () => errors,
    add(message) {
      if (message.messageType === "ERROR") {
        errors++;
        list.push(message);
      } else if (list.length - errors < MAX_WARNINGS) {
        list.push(message);
      } else {
        omitted++;
      }
    },
    escalate(message) {
      if (message.messageType === "ERROR") return;
      message.messageType = "ERROR";
      errors++;
      if (!list.includes(message)) list.push(message);
    },
    finish() {
      if (omitted > 0) list.push(tooManyMessages(omitted));
      return list;
    }
  };
}
function parsePayload(raw) {
  if (exceedsBytes(raw, MAX_PAYLOAD_BYTES)) {
    return { valid: false, params: {}, messages: [payloadTooLarge(MAX_PAYLOAD_BYTES)] };
  }
  const params = Object.create(null);
  const messages = collectMessages();
  const seen = /* @__PURE__ */ new Set();
  let invalid;
  let unknown;
  let unknownCount = 0;
  let hitType;
  let pending;
  let count = 0;
  const length = raw.length;
  let pos = raw.charCodeAt(0) === 63 ? 1 : 0;
  while (pos < length) {
    let end = raw.indexOf("&", pos);
    if (end === -1) end = length;
    if (end === pos) {
      pos++;
      continue;
    }
    if (++count > MAX_PARAMETERS) {
      let ignored = 0;
      for (let i = pos; i < length; i = end + 1) {
        end = raw.indexOf("&", i);
        if (end === -1) end = length;
        if (end > i) ignored++;
      }
      messages.add(tooManyParameters(MAX_PARAMETERS, ignored));
      break;
    }
    const pairStart = pos;
    pos = end + 1;
    let eq = raw.indexOf("=", pairStart);
    if (eq === -1 || eq > end) eq = end;
    const name = decodeComponent(raw.slice(pairStart, eq));
    if (name === "") continue;
    const resolved2 = resolveParameter(name);
    if (resolved2 === void 0) {
      if (!isSilentlyIgnored(name)) {
        unknownCount++;
        if (unknownCount <= UNKNOWN_LISTED) (unknown ??= []).push(name);
      }
      continue;
    }
    if (resolved2.outOfRange) {
      messages.add(indexOutOfBounds(name, resolved2.definition.name, Math.max(...resolved2.indexMax)));
      continue;
    }
    if (seen.has(name)) {
      messages.add(repeated(name));
      continue;
    }
    seen.add(name);
    let value;
    if (resolved2.presenceIsTrue) {
      value = true;
    } else {
      const decoded = eq < end ? decodeComponent(raw.slice(eq + 1, end)) : "";
      if (decoded.length === 0 || decoded.trim().length === 0) continue;
      const result = resolved2.schema.safeParse(decoded);
      if (!result.success) {
        const code = failureCode(result.error);
        if (code === "VALUE_OUT_OF_BOUNDS" && resolved2.outOfBoundsDropsHit) {
          messages.add(outOfBounds(name, "ERROR"));
        } else {
          const type = ALWAYS_REQUIRED_SET.has(name) ? "ERROR" : "WARN";
          const message = code === "VALUE_OUT_OF_BOUNDS" ? outOfBounds(name, type) : invalidValue(name, type);
          messages.add(message);
          (invalid ??= /* @__PURE__ */ new Map()).set(name, message);
        }
        continue;
      }
      value = result.data;
      if (typeof value === "string") {
        if (value.length === 0) continue;
        const max = resolved2.maxBytes;
        if (max !== 0) {
          const cut = truncateUtf8(value, max);
          if (cut !== value) {
            messages.add(truncated(name, max));
            value = cut;
          }
        }
      }
    }
    if (resolved2.hitTypes !== void 0) {
      if (hitType === void 0) {
        (pending ??= []).push(name);
      } else if (!resolved2.hitTypes.has(hitType)) {
        messages.add(notApplicable(name, hitType));
        continue;
      }
    }
    if (name === "t") hitType = value;
    params[name] = value;
  }
  if (pending !== void 0 && hitType !== void 0) {
    for (const name of pending) {
      if (!resolveHitTypes(name)?.has(hitType)) {
        messages.add(notApplicable(name, hitType));
        delete params[name];
      }
    }
  }
  const require2 = (name, label, alternative) => {
    if (name in params) return;
    const problem = invalid?.get(name);
    if (problem !== void 0) messages.escalate(problem);
    else messages.add(requiredField(name, label, alternative));
  };
  for (const name of ALWAYS_REQUIRED) require2(name, labelOf(name));
  if (!("cid" in params) && !("uid" in params) && params._cl !== true) {
    messages.add(requiredField("cid", labelOf("cid"), "'uid'"));
  }
  if (hitType !== void 0) {
    if (hitType === "pageview") {
      if (!("dl" in params) && !("dp" in params)) require2("dl", labelOf("dl"), "'dp'");
    } else {
      for (const name of REQUIRED_BY_HIT_TYPE[hitType]) require2(name, labelOf(name));
    }
  }
  if (unknown !== void 0) messages.add(unknownParameters(unknown, unknownCount));
  const list = messages.finish();
  return messages.errors() === 0 ? { valid: true, params, messages: list } : { valid: false, params, messages: list };
}
function resolveHitTypes(name) {
  return resolveParameter(name)?.hitTypes;
}

// collector/measurement-protocol/batch.ts
var MAX_BATCH_BYTES = 16384;
var MAX_BODY_CHARS = 4 * MAX_BATCH_BYTES;

// bench/.prof.ts
var which = process.argv[2] ?? "eco";
var products = Array.from({ length: 5 }, (_, i) => {
  const n = i + 1;
  return `&pr${n}id=SKU-${1e3 + n}&pr${n}nm=Product%20${n}&pr${n}br=Brand&pr${n}ca=Apparel%2FShirts&pr${n}va=Blue&pr${n}pr=${19 + n}.99&pr${n}qt=${n}&pr${n}cd1=summer`;
}).join("");
var impressions = Array.from({ length: 10 }, (_, i) => {
  const l = i % 2 + 1;
  const n = Math.floor(i / 2) + 1;
  return `&il${l}pi${n}id=SKU-${2e3 + i}&il${l}pi${n}nm=Other%20${i}&il${l}pi${n}ps=${n}&il${l}pi${n}pr=9.5`;
}).join("");
var eco = `v=1&tid=UA-12345-1&cid=1234567890.1700000000&t=event&ec=ecommerce&ea=purchase&ni=1&dl=https%3A%2F%2Fshop.example.com%2Fcheckout%2Fdone&pa=purchase&ti=T-20240101-0042&ta=Online%20Store&tr=%E2%82%AC123.45&tt=20.58&ts=5.00&tcc=SUMMER&cu=EUR${products}&il1nm=Related&il2nm=Also%20bought${impressions}&z=42`;
var s = 0;
var c0 = process.cpuUsage();
for (let i = 0; i < 1e5; i++) s += parsePayload(eco).messages.length;
var c = process.cpuUsage(c0);
console.log(((c.user + c.system) / 1e3 / 100).toFixed(2), "\xB5s/payload", s);
