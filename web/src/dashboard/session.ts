// The dashboard's session: the HttpOnly cookie the server set at login (the browser sends it) and
// the CSRF token from the login's answer, kept in sessionStorage so that a reload keeps working
// and closing the tab forgets it.

import { ApiError, call } from "../lib/api";

const kCsrfKey = "custodian.dashboard.csrf";

export function csrf(): string | null {
  return sessionStorage.getItem(kCsrfKey);
}

export function setCsrf(token: string | null): void {
  if (token) sessionStorage.setItem(kCsrfKey, token);
  else sessionStorage.removeItem(kCsrfKey);
}

// Calls the API with this session; a 401 (the session ended) goes to `onEnded` and is rethrown.
export function sessionCalls(onEnded: () => void) {
  const wrap = async <T>(p: Promise<T>): Promise<T> => {
    try {
      return await p;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) onEnded();
      throw e;
    }
  };
  return {
    get: <T>(path: string) => wrap(call<T>({ csrf: csrf() ?? undefined }, "GET", path)),
    post: <T>(path: string, body?: unknown, contentType?: string) =>
      wrap(call<T>({ csrf: csrf() ?? undefined }, "POST", path, body ?? {}, contentType)),
  };
}
