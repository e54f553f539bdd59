// Problem documents (RFC 9457, `application/problem+json`): the one error shape of the
// read API. Route code throws a ProblemError (or lets a ZodError or a property
// rejection escape); the error handler at the end of the router turns it into
// `{ type, title, status, detail, field }`. A 5xx never leaks the error's message.
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { ApiKeyCommandRejected } from '../../domain/access/decider.ts';
import { PropertyCommandRejected } from '../../domain/property/errors.ts';
import { formatPath, friendlyErrors } from '../../domain/property/issues.ts';
import type { Logger } from '../../platform/logger.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem types are URNs: stable identifiers, not links that must resolve. */
export const problemType = (slug: string): string => `urn:webalytic:problem:${slug}`;

/** One failing field and its rule, e.g. `{ field: 'metrics[2]', rule: '"foo" is not a metric' }`. */
export interface ProblemIssue {
  field: string;
  rule: string;
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The (first) failing field, when the problem is about one. */
  field?: string;
  /** Where the field is: the path, the query string or the body. */
  in?: 'path' | 'query' | 'body' | 'header';
  /** Every failing field, when there are several. */
  issues?: ProblemIssue[];
}

/** The zod schema of a problem document, for the OpenAPI document. */
export const problemDocumentSchema = z
  .object({
    type: z.string().describe('A URN naming the kind of problem, e.g. urn:webalytic:problem:invalid-request.'),
    title: z.string().describe('Short, the same for every problem of this type.'),
    status: z.number().int().describe('The HTTP status code.'),
    detail: z.string().describe('What went wrong with this request, naming the field and the rule.'),
    field: z.string().optional().describe('The failing field, e.g. `date_range` or `customDimensions[0].index`.'),
    in: z.enum(['path', 'query', 'body', 'header']).optional(),
    issues: z.array(z.object({ field: z.string(), rule: z.string() })).optional().describe('Every failing field and its rule.'),
  })
  .describe('An RFC 9457 problem document.');

export interface ProblemOptions {
  /** Defaults to the status text (e.g. 'Not Found'). */
  title?: string;
  /** A slug (`invalid-request`) or a full URI; defaults to the status text as a slug. */
  type?: string;
  field?: string;
  in?: ProblemDocument['in'];
  issues?: ProblemIssue[];
  /** Extra response headers, e.g. Retry-After for 429 or Allow for 405. */
  headers?: Record<string, string>;
}

const slugOf = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** A failure to answer with a problem document: `throw new ProblemError(404, 'property "UA-1-1" does not exist')`. */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly status: number;
  readonly title: string;
  readonly type: string;
  readonly detail: string;
  readonly field: string | undefined;
  readonly in: ProblemDocument['in'] | undefined;
  readonly issues: ProblemIssue[] | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, detail: string, options: ProblemOptions = {}) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.title = options.title ?? STATUS_CODES[status] ?? 'Error';
    const type = options.type ?? slugOf(this.title);
    this.type = type.includes(':') ? type : problemType(type);
    this.field = options.field;
    this.in = options.in;
    this.issues = options.issues;
    this.headers = options.headers ?? {};
  }

  toDocument(): ProblemDocument {
    return {
      type: this.type,
      title: this.title,
      status: this.status,
      detail: this.detail,
      ...(this.field !== undefined ? { field: this.field } : {}),
      ...(this.in !== undefined ? { in: this.in } : {}),
      ...(this.issues !== undefined ? { issues: this.issues } : {}),
    };
  }
}

// Short constructors for the common cases.
export const badRequest = (detail: string, field?: string, where?: ProblemDocument['in']): ProblemError =>
  new ProblemError(400, detail, { type: 'invalid-request', title: 'Invalid request', ...(field !== undefined ? { field } : {}), ...(where ? { in: where } : {}) });
export const unauthorized = (detail: string): ProblemError =>
  new ProblemError(401, detail, { type: 'unauthorized', headers: { 'WWW-Authenticate': 'Bearer realm="webalytic"' } });
export const forbidden = (detail: string, field?: string): ProblemError =>
  new ProblemError(403, detail, { type: 'forbidden', ...(field !== undefined ? { field } : {}) });
export const notFound = (detail: string, field?: string): ProblemError =>
  new ProblemError(404, detail, { type: 'not-found', ...(field !== undefined ? { field } : {}) });
export const conflict = (detail: string, field?: string): ProblemError =>
  new ProblemError(409, detail, { type: 'conflict', ...(field !== undefined ? { field } : {}) });

/** Zod issues as problem issues: `metrics[2]` and the rule (friendly wording where zod's own is generic). */
export function issuesOf(error: z.ZodError, root = 'body'): ProblemIssue[] {
  return error.issues.map((issue) => ({ field: formatPath(issue.path, root), rule: issue.message }));
}

/** A 400 naming every failing field of `error`; `where` says which part of the request held them. */
export function validationProblem(error: z.ZodError, where: 'path' | 'query' | 'body' | 'header'): ProblemError {
  const issues = issuesOf(error, where);
  const detail = issues.map((i) => `${i.field}: ${i.rule}`).join('; ') || `the ${where} is invalid`;
  return new ProblemError(400, detail, { type: 'invalid-request', title: 'Invalid request', field: issues[0]?.field ?? where, in: where, issues });
}

/** Parses `input` with friendly messages; a failure throws the 400 problem naming the field and the rule. */
export function parseOrProblem<S extends z.ZodType>(schema: S, input: unknown, where: 'path' | 'query' | 'body' | 'header'): z.output<S> {
  const result = schema.safeParse(input, { error: friendlyErrors });
  if (result.success) return result.data;
  throw validationProblem(result.error, where);
}

const REJECTION_STATUS = { invalid: 400, 'already-exists': 409, 'not-found': 404, deactivated: 409 } as const;

/** `field: rule` lines (the domain's rejection issues) as problem issues. */
function splitIssueLines(lines: readonly string[]): ProblemIssue[] {
  return lines.map((line) => {
    const at = line.indexOf(': ');
    return at === -1 ? { field: 'body', rule: line } : { field: line.slice(0, at), rule: line.slice(at + 2) };
  });
}

/** The body parser's errors (http-errors) carry a 4xx `status` and a `type` like 'entity.parse.failed'. */
function bodyParserProblem(error: unknown): ProblemError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, type } = error as { status?: unknown; type?: unknown };
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  if (type === 'entity.parse.failed') {
    return new ProblemError(400, 'the body is not valid JSON', { type: 'invalid-json', title: 'Invalid JSON', field: 'body', in: 'body' });
  }
  if (type === 'entity.too.large') {
    return new ProblemError(413, 'the body is larger than the limit of 1 MB', { type: 'body-too-large', field: 'body', in: 'body' });
  }
  return new ProblemError(status, `the request could not be read (${typeof type === 'string' ? type : 'bad request'})`, { type: 'unreadable-request' });
}

/** Any error as a ProblemError when it is the client's fault; undefined for a server failure. */
export function toProblem(error: unknown): ProblemError | undefined {
  if (error instanceof ProblemError) return error;
  if (error instanceof z.ZodError) return validationProblem(error, 'body');
  if (error instanceof PropertyCommandRejected || error instanceof ApiKeyCommandRejected) {
    const issues = splitIssueLines(error.issues);
    return new ProblemError(REJECTION_STATUS[error.code], error.issues.join('; '), {
      type: `${error instanceof PropertyCommandRejected ? 'property' : 'api-key'}-${error.code}`,
      title: `${error.commandType} rejected`,
      ...(issues[0] ? { field: issues[0].field } : {}),
      issues,
    });
  }
  return bodyParserProblem(error);
}

export function sendProblem(res: Response, problem: ProblemError): void {
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.toDocument()));
}

/** The last error handler of the API: problem documents for client errors, a bare 500 problem for the rest. */
export function problemErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      // A streamed answer (SSE, CSV) failed midway: the status is gone, only the connection can say so.
      logger.warn({ err: error, method: req.method, path: req.path }, 'read API request failed after the answer started');
      next(error);
      return;
    }
    const problem = toProblem(error);
    if (problem) {
      sendProblem(res, problem);
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'read API request failed');
    sendProblem(res, new ProblemError(500, 'the server failed to answer; the error is in its log', { type: 'internal-error' }));
  };
}

/** Answers any request nothing else answered with a 404 problem. */
export function problemNotFound(): RequestHandler {
  return (req, res) => {
    sendProblem(res, notFound(`no endpoint ${req.method} ${req.baseUrl}${req.path}`));
  };
}
