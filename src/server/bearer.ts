/**
 * Bearer tokens: reading `Authorization: Bearer <token>` and checking it against the configured
 * secrets in constant time. Shared by the admin token (POST /reindex, document changes) and the
 * API keys (API_KEYS: /ask, /search, /documents reads, /v1/*, /metrics).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { AppError } from '../errors.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(req: Request): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
  return m?.[1]?.trim() || undefined;
}

/**
 * True when `token` equals one of `secrets`. Digests are compared, so the time taken does not
 * depend on the secrets' lengths, and every secret is compared, so it does not tell which one
 * (or how many) came close.
 */
export function tokenMatches(token: string | undefined, secrets: readonly string[]): boolean {
  if (token === undefined) return false;
  const presented = digest(token);
  let found = false;
  for (const secret of secrets) found = timingSafeEqual(presented, digest(secret)) || found;
  return found;
}

export const invalidApiKey = (): AppError => new AppError('invalid_api_key', 401, 'A valid API key is required (Authorization: Bearer <key>).');

/** Requires one of `keys` as the bearer token; with no keys configured, lets everything through. */
export function requireApiKey(keys: readonly string[]): RequestHandler {
  return (req, res, next) => {
    if (keys.length === 0 || tokenMatches(bearerToken(req), keys)) return next();
    res.setHeader('www-authenticate', 'Bearer');
    next(invalidApiKey());
  };
}

/**
 * Requires ADMIN_TOKEN as the bearer token: `disabled()` (a 403 naming the feature) while none
 * is configured, 401 unauthorized for a missing or wrong one.
 */
export function requireAdminToken(adminToken: string | undefined, disabled: () => AppError): RequestHandler {
  return (req, _res, next) => {
    if (!adminToken) return next(disabled());
    if (!tokenMatches(bearerToken(req), [adminToken])) return next(new AppError('unauthorized', 401, 'A valid admin token is required (Authorization: Bearer <ADMIN_TOKEN>).'));
    next();
  };
}
