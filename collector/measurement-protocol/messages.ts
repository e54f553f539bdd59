// Parser messages in the shape and wording of GA's /debug/collect validator
// (ga-processing.md §1.6). The GA codes are VALUE_INVALID, VALUE_OUT_OF_BOUNDS and
// VALUE_REQUIRED; the others are ours, for what GA drops silently.

export type MessageCode =
  | 'VALUE_INVALID'
  | 'VALUE_OUT_OF_BOUNDS'
  | 'VALUE_REQUIRED'
  | 'VALUE_TRUNCATED'
  | 'INDEX_OUT_OF_BOUNDS'
  | 'PARAMETER_UNKNOWN'
  | 'PARAMETER_NOT_APPLICABLE'
  | 'PARAMETER_REPEATED'
  | 'TOO_MANY_PARAMETERS'
  | 'TOO_MANY_MESSAGES'
  | 'PAYLOAD_TOO_LARGE'
  | 'BATCH_TOO_MANY_HITS'
  | 'BATCH_TOO_LARGE';

export interface ParserMessage {
  messageType: 'INFO' | 'WARN' | 'ERROR';
  description: string;
  messageCode?: MessageCode | (string & {});
  parameter?: string;
}

const REFERENCE = 'http://goo.gl/a8d4RP';

/** Names come from the payload: bounded in messages so a hostile key cannot bloat them. */
export const shownName = (name: string): string => (name.length > 64 ? `${name.slice(0, 64)}…` : name);

/** GA's reference anchors use the parameter name with its indices as `_` (`pr1cd2` → `pr_cd_`). */
const anchor = (name: string): string => name.replace(/[0-9]+/g, '_');

const seeAlso = (name: string): string => `Please see ${REFERENCE}#${anchor(name)} for details.`;

export function invalidValue(name: string, type: 'ERROR' | 'WARN'): ParserMessage {
  const shown = shownName(name);
  return { messageType: type, description: `The value provided for parameter '${shown}' is invalid. ${seeAlso(shown)}`, messageCode: 'VALUE_INVALID', parameter: shown };
}

export function outOfBounds(name: string, type: 'ERROR' | 'WARN'): ParserMessage {
  const shown = shownName(name);
  return { messageType: type, description: `The value provided for parameter '${shown}' is out of bounds. ${seeAlso(shown)}`, messageCode: 'VALUE_OUT_OF_BOUNDS', parameter: shown };
}

export function requiredField(name: string, label: string, alternative?: string): ParserMessage {
  const unless = alternative === undefined ? '' : ` unless ${alternative} is sent`;
  return { messageType: 'ERROR', description: `${label} is a required field for this hit${unless}. ${seeAlso(name)}`, messageCode: 'VALUE_REQUIRED', parameter: name };
}

export function truncated(name: string, maxBytes: number): ParserMessage {
  const shown = shownName(name);
  return {
    messageType: 'INFO',
    description: `The value provided for parameter '${shown}' is longer than ${maxBytes} bytes and was truncated. ${seeAlso(shown)}`,
    messageCode: 'VALUE_TRUNCATED',
    parameter: shown,
  };
}

export function indexOutOfBounds(name: string, family: string, max: number): ParserMessage {
  const shown = shownName(name);
  return {
    messageType: 'WARN',
    description: `The index of parameter '${shown}' is out of range: ${family} takes indices 1 to ${max}; the parameter was ignored.`,
    messageCode: 'INDEX_OUT_OF_BOUNDS',
    parameter: shown,
  };
}

export function notApplicable(name: string, hitType: string): ParserMessage {
  return {
    messageType: 'INFO',
    description: `Parameter '${name}' does not apply to hit type '${hitType}' and was ignored.`,
    messageCode: 'PARAMETER_NOT_APPLICABLE',
    parameter: name,
  };
}

export function repeated(name: string): ParserMessage {
  const shown = shownName(name);
  return { messageType: 'WARN', description: `Parameter '${shown}' was sent more than once; only its first value is used.`, messageCode: 'PARAMETER_REPEATED', parameter: shown };
}

export function unknownParameters(names: readonly string[], total: number): ParserMessage {
  const listed = names.map((n) => `'${shownName(n)}'`).join(', ');
  const more = total > names.length ? ` and ${total - names.length} more` : '';
  return { messageType: 'INFO', description: `Unknown parameters were ignored: ${listed}${more}.`, messageCode: 'PARAMETER_UNKNOWN' };
}

export function tooManyParameters(max: number, ignored: number): ParserMessage {
  return {
    messageType: 'WARN',
    description: `The payload has more than ${max} parameters; the last ${ignored} were ignored.`,
    messageCode: 'TOO_MANY_PARAMETERS',
  };
}

export function tooManyMessages(omitted: number): ParserMessage {
  return { messageType: 'WARN', description: `${omitted} further warnings were omitted.`, messageCode: 'TOO_MANY_MESSAGES' };
}

export function payloadTooLarge(maxBytes: number): ParserMessage {
  return { messageType: 'ERROR', description: `The payload is larger than ${maxBytes} bytes and was not processed.`, messageCode: 'PAYLOAD_TOO_LARGE' };
}
