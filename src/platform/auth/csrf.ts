// CSRF protection by signed double submit: a random value lives in a strict
// SameSite, HttpOnly cookie; the page gets its HMAC from GET /api/session
// and sends it back in the x-csrf-token header. Another site can neither
// read the HMAC nor set the cookie.
import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { newToken, sameText } from '../crypto/crypto.ts';
import { ApiError } from '../errors.ts';

const cookieName = (config: Config) =>
  config.env === 'production' ? '__Host-portal_csrf' : 'portal_csrf';
const sign = (config: Config, nonce: string) =>
  createHmac('sha256', config.cookieSecret).update(`csrf:${nonce}`).digest('base64url');

/** The token for this browser, setting its cookie on first use. */
export function csrfToken(req: FastifyRequest, reply: FastifyReply, config: Config): string {
  let nonce = req.cookies[cookieName(config)];
  if (!nonce) {
    nonce = newToken(16);
    reply.setCookie(cookieName(config), nonce, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: config.env === 'production',
    });
  }
  return sign(config, nonce);
}

export function checkCsrf(req: FastifyRequest, config: Config) {
  const nonce = req.cookies[cookieName(config)];
  const sent = req.headers['x-csrf-token'];
  if (!nonce || typeof sent !== 'string' || !sameText(sent, sign(config, nonce)))
    throw new ApiError(403, 'csrf_failed', 'This page is out of date: reload it and try again.');
}
