// Regular expressions from requests (the `matches` filter), compiled so that no pattern
// can make the server spin: a backtracking engine takes exponential (or high polynomial)
// time on patterns such as (a+)+$ or .*a.*a.*a.*b.
//
// - At most MAX_PATTERN_LENGTH characters; the syntax is checked with the strict `v` flag.
// - Where V8's linear-time engine is available (`--enable-experimental-regexp-engine`,
//   switched on here at load), the pattern runs on it (`l` flag): matching time is linear
//   in the input whatever the pattern, and patterns it cannot run (backreferences,
//   lookarounds) are refused.
// - Without it, patterns are refused structurally: backreferences, lookarounds, a
//   repeated group that itself holds a quantifier or an alternation, and more than two
//   unbounded quantifiers (which bounds the polynomial degree).
// - Unicode property escapes and `v`-only set syntax are refused in both cases (the
//   linear engine runs without unicode mode, where they would mean something else).
// Values matched are the read model's, whose lengths the collector bounds.
import { setFlagsFromString } from 'node:v8';
import { badRequest } from '../../http/problem.ts';

export const MAX_PATTERN_LENGTH = 256;

function linearEngine(): boolean {
  try {
    setFlagsFromString('--enable-experimental-regexp-engine');
    new RegExp('a', 'l');
    return true;
  } catch {
    return false;
  }
}

/** Whether patterns run on the linear-time engine in this process. */
export const LINEAR_REGEX_ENGINE = linearEngine();

interface Shape {
  backreference: boolean;
  lookaround: boolean;
  unicodeOnly: boolean;
  nestedQuantifier: boolean;
  unboundedQuantifiers: number;
}

/** A scan of the pattern's structure (escapes, classes, groups, quantifiers). */
export function patternShape(pattern: string): Shape {
  const shape: Shape = { backreference: false, lookaround: false, unicodeOnly: false, nestedQuantifier: false, unboundedQuantifiers: 0 };
  // Per open group: does it (or a group inside it) hold a quantifier or an alternation?
  const groups: { complex: boolean }[] = [];
  let lastGroupComplex = false;
  let i = 0;
  const markComplex = (): void => {
    for (const g of groups) g.complex = true;
  };
  /** A quantifier at `i`, if any: its length and whether it repeats more than once. */
  const quantifierAt = (at: number): { length: number; repeats: boolean; unbounded: boolean } | undefined => {
    const c = pattern[at];
    if (c === '*' || c === '+') return { length: 1 + (pattern[at + 1] === '?' ? 1 : 0), repeats: true, unbounded: true };
    if (c === '?') return { length: 1 + (pattern[at + 1] === '?' ? 1 : 0), repeats: false, unbounded: false };
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}\??/.exec(pattern.slice(at));
      if (m === null) return undefined;
      const unbounded = m[2] !== undefined && m[3] === '';
      const max = m[2] === undefined ? Number(m[1]) : unbounded ? Infinity : Number(m[3]);
      return { length: m[0].length, repeats: max > 1, unbounded };
    }
    return undefined;
  };
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') shape.backreference = true;
      if (next === 'p' || next === 'P' || next === 'q') shape.unicodeOnly = true;
      i += 2;
    } else if (c === '[') {
      // A class: to its closing bracket; a nested class or a set operation is `v`-only syntax.
      i += 1;
      while (i < pattern.length && pattern[i] !== ']') {
        if (pattern[i] === '\\') i += 2;
        else {
          if (pattern[i] === '[' || pattern.startsWith('--', i) || pattern.startsWith('&&', i)) shape.unicodeOnly = true;
          i += 1;
        }
      }
      i += 1;
    } else if (c === '(') {
      if (pattern.startsWith('(?=', i) || pattern.startsWith('(?!', i) || pattern.startsWith('(?<=', i) || pattern.startsWith('(?<!', i)) shape.lookaround = true;
      groups.push({ complex: false });
      i += 1;
    } else if (c === ')') {
      const group = groups.pop();
      lastGroupComplex = group?.complex ?? false;
      if (lastGroupComplex) markComplex();
      i += 1;
      const quantifier = quantifierAt(i);
      if (quantifier !== undefined) {
        if (quantifier.repeats && lastGroupComplex) shape.nestedQuantifier = true;
        if (quantifier.unbounded) shape.unboundedQuantifiers += 1;
        if (quantifier.repeats) markComplex();
        i += quantifier.length;
        }
    } else if (c === '|') {
      markComplex();
      i += 1;
    } else {
      const quantifier = quantifierAt(i);
      if (quantifier !== undefined) {
        if (quantifier.unbounded) shape.unboundedQuantifiers += 1;
        if (quantifier.repeats) markComplex();
        i += quantifier.length;
      } else i += 1;
    }
  }
  return shape;
}

/** The pattern compiled for safe matching, or a 400 problem naming `field` and the rule. */
export function compileSafeRegex(pattern: string, field: string): RegExp {
  const refuse = (rule: string): never => {
    throw badRequest(`${field}: the pattern ${JSON.stringify(pattern.length > 60 ? `${pattern.slice(0, 60)}…` : pattern)} ${rule}`, field);
  };
  if (pattern.length === 0) refuse('is empty');
  if (pattern.length > MAX_PATTERN_LENGTH) refuse(`is ${pattern.length} characters long; at most ${MAX_PATTERN_LENGTH}`);
  try {
    new RegExp(pattern, 'v');
  } catch (error) {
    refuse(`is not a valid regular expression (${error instanceof Error ? error.message.replace(/^Invalid regular expression: /, '') : 'syntax'})`);
  }
  const shape = patternShape(pattern);
  if (shape.unicodeOnly) refuse('uses unicode property escapes or character-class set operations, which are not supported');
  if (shape.backreference) refuse('uses a backreference, which cannot be matched in linear time');
  if (LINEAR_REGEX_ENGINE) {
    try {
      return new RegExp(pattern, 'l');
    } catch {
      return refuse('cannot be matched in linear time (lookarounds and backreferences are not supported)');
    }
  }
  if (shape.lookaround) refuse('uses a lookaround, which is not supported');
  if (shape.nestedQuantifier) refuse('repeats a group that itself holds a quantifier or an alternation (catastrophic backtracking)');
  if (shape.unboundedQuantifiers > 2) refuse(`has ${shape.unboundedQuantifiers} unbounded quantifiers (*, +, {n,}); at most 2`);
  return new RegExp(pattern);
}
