// Who may talk to `selfguide serve`: requests on a loopback Host name carrying the session token
// (header, cookie set by the first page load, or ?token= in the URL).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'selfguide_token';
export const TOKEN_HEADER = 'x-selfguide-token';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function presentedToken(request: IncomingMessage): string | null {
  const header = request.headers[TOKEN_HEADER];
  if (typeof header === 'string') return header;
  const query = new URL(request.url ?? '/', 'http://localhost').searchParams.get('token');
  if (query) return query;
  const cookie = request.headers.cookie
    ?.split(';')
    .map((part) => part.trim().split('='))
    .find(([name]) => name === TOKEN_COOKIE);
  return cookie?.[1] ?? null;
}

export function tokenMatches(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Refuses other Host names so a web page cannot reach the server through DNS rebinding. */
export function isLoopbackHost(request: IncomingMessage, port: number): boolean {
  const host = request.headers.host;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}` || host === `[::1]:${port}`;
}
