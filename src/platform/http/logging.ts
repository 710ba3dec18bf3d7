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
        paths: [...PHI_KEYS.map((k) => `*.${k}`), 'req.headers', 'body', 'query', 'params'],
        censor: '[redacted]',
      },
      serializers: { req: requestSummary, res: replySummary, err: errorSummary },
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
  // Only what our own code put there: pg's `detail` is dropped, and quoted
  // values in a database message ('invalid input syntax: "Maria"') are masked.
  const fromDatabase = typeof err.severity === 'string';
  const mask = (s = '') => (fromDatabase ? s.replace(/"[^"]*"/g, '"…"') : s);
  return {
    type: err.name,
    code: err.code,
    statusCode: err.statusCode,
    message: mask(err.message),
    stack: mask(err.stack),
  };
}
