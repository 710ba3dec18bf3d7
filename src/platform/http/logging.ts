// Logs carry what operators need (route, status, timing, request id) and
// nothing that identifies a patient: no URLs with query strings, no bodies,
// no headers, no IP addresses (an identifier under HIPAA), no error details.
import type { FastifyReply, FastifyRequest } from 'fastify';
import pino, { type DestinationStream, type Logger } from 'pino';

/** Keys that may hold personal data if a developer ever logs an object. */
const PHI_KEYS = [
  'name',
  'firstName',
  'lastName',
  'given',
  'family',
  'birthDate',
  'dob',
  'email',
  'phone',
  'telecom',
  'address',
  'body',
  'text',
  'password',
  'token',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [...PHI_KEYS, ...PHI_KEYS.map((k) => `*.${k}`), 'req.headers', 'query', 'params'],
        censor: '[redacted]',
      },
      serializers: {
        req: requestSummary,
        res: replySummary,
        err: errorSummary,
        error: errorSummary,
      },
      hooks: {
        // Given an error and no message, pino would use the error's message as
        // the line's: `log.error({ err })` would print what errorSummary hides.
        logMethod(args, method) {
          const [first, msg] = args as unknown[];
          const withError =
            first instanceof Error ||
            (typeof first === 'object' && first !== null && 'err' in first);
          if (withError && typeof msg !== 'string')
            return method.call(this, first as object, 'error');
          return method.apply(this, args);
        },
      },
    },
    destination,
  );
}

function requestSummary(req: FastifyRequest) {
  // The route pattern, not the URL: paths and query strings can carry identifiers.
  return { method: req.method, route: req.routeOptions?.url ?? '(no route)' };
}

function replySummary(reply: FastifyReply) {
  return { statusCode: reply.statusCode };
}

type LoggedError = Error & { code?: string; statusCode?: number; severity?: string };

function errorSummary(err: LoggedError) {
  if (typeof err !== 'object' || err === null) return { type: typeof err };
  // A message may quote anything the code had at hand, a patient's name
  // included, so it is not logged, nor the stack's first line that repeats it;
  // the frames still show where it happened. A database's own message is kept
  // with its quoted values masked ('invalid input syntax: "Maria"'), and pg's
  // `detail` is dropped.
  const fromDatabase = typeof err.severity === 'string';
  return {
    type: err.name,
    code: err.code,
    statusCode: err.statusCode,
    message: fromDatabase ? String(err.message).replace(/"[^"]*"/g, '"…"') : undefined,
    stack: (err.stack ?? '')
      .split('\n')
      .filter((line) => /^\s+at /.test(line))
      .join('\n'),
  };
}
