// Turns zod issues into the one-line messages Webalytic shows everywhere:
// `<field path>: <rule>`, e.g. `customDimensions[0].index: must be 1 to 200`.
// Used by the property decider and by the event contract's parseEvent.
import type { z } from 'zod';

const ARTICLES: Record<string, string> = {
  int: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
};

/**
 * A per-parse error map: pass it as `schema.safeParse(input, { error: friendlyErrors })`.
 * Messages set on the schema itself win over it; it only rewords zod's generic ones.
 */
export const friendlyErrors: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${ARTICLES[issue.expected] ?? issue.expected}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern ? `must match ${issue.pattern}` : `must be a valid ${issue.format}`;
    case 'invalid_union':
      return 'matches none of the allowed shapes';
    default:
      return undefined;
  }
};

/** `['customDimensions', 0, 'index']` -> `customDimensions[0].index`; `prefix` when the path is empty. */
export function formatPath(path: readonly PropertyKey[], prefix: string): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? prefix : out;
}

/** One `field: rule` line per issue, in zod's order. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix = 'data'): string[] {
  return issues.map((issue) => `${formatPath(issue.path, prefix)}: ${issue.message}`);
}
