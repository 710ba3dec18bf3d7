// One error shape for the whole API: {"error":{"code","message","details"}}.
// Validation errors name each field; unexpected errors never show internals.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ApiError } from '../errors.ts';

/** The schema of every error response, for route declarations and the OpenAPI document. */
export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  }),
});

interface AjvIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

export interface FieldProblem {
  field: string;
  message: string;
}

export function installErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof ApiError) return reply.status(err.status).send(err.toBody());
    if (err.validation) return sendValidation(reply, err.validation as AjvIssue[]);
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own 4xx (body too large, wrong content type). A JSON parse
      // error's message quotes the body, so it gets a fixed one instead.
      const message =
        err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError
          ? 'The request body is not valid JSON.'
          : err.message;
      return reply.status(status).send({ error: { code: clientCode(err), message } });
    }
    req.log.error({ err }, 'unexpected error');
    return reply.status(500).send({
      error: {
        code: 'internal_error',
        message: `Something went wrong on our side. Please try again; if it keeps happening, contact support and quote reference ${req.id}.`,
      },
    });
  });

  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({
      error: {
        code: 'not_found',
        message: `There is no ${req.method} ${routeOnly(req)} in this API.`,
      },
    }),
  );
}

function sendValidation(reply: FastifyReply, issues: AjvIssue[]) {
  const details = issues.map(describe);
  const first = details[0];
  const message = first
    ? `${first.field}: ${first.message}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}`
    : 'The request is not valid.';
  return reply.status(400).send({ error: { code: 'validation_failed', message, details } });
}

export function describe(issue: AjvIssue): FieldProblem {
  const path = issue.instancePath.split('/').filter(Boolean);
  if (issue.keyword === 'required') path.push(String(issue.params.missingProperty));
  if (issue.keyword === 'additionalProperties') path.push(String(issue.params.additionalProperty));
  const field = path.join('.') || '(request)';
  return { field, message: explain(issue) };
}

function explain({ keyword, params, message }: AjvIssue): string {
  switch (keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a field this request accepts';
    case 'format':
      return `must be a valid ${String(params.format).replace('-', ' ')}`;
    case 'minLength':
      return `must be at least ${params.limit} characters`;
    case 'maxLength':
      return `must be at most ${params.limit} characters`;
    case 'minimum':
      return `must be at least ${params.limit}`;
    case 'maximum':
      return `must be at most ${params.limit}`;
    case 'pattern':
      return 'is not in the expected format';
    case 'enum':
      return `must be one of: ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'type':
      return `must be ${params.type === 'integer' ? 'a whole number' : `a ${params.type}`}`;
    default:
      return message ?? 'is not valid';
  }
}

function clientCode(err: FastifyError): string {
  const known: Record<number, string> = {
    400: 'bad_request',
    404: 'not_found',
    413: 'too_large',
    415: 'unsupported_media_type',
    429: 'too_many_requests',
  };
  return known[err.statusCode ?? 400] ?? 'bad_request';
}

/** The path without its query string, which may carry personal data. */
function routeOnly(req: FastifyRequest): string {
  return req.url.split('?')[0] ?? '/';
}
