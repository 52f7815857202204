// What every dashboard screen is given: who is logged in, the API with this session's CSRF token,
// and a way to ask for a screen's data again when the ledger says something changed.

import { ApiError, call } from "../lib/api";
import type { LedgerEvent } from "../lib/events";

export type Role =
  | "supervisor"
  | "armorer"
  | "admin"
  | "auditor"
  | "evidence_custodian"
  | "emergency"
  | "officer";

// The server's role sets (src/api/api_internal.h); the route table says which set guards what.
export const kStaffRoles: readonly Role[] = ["supervisor", "armorer", "admin", "auditor", "evidence_custodian"];
export const kBoardRoles: readonly Role[] = ["supervisor", "armorer", "admin", "auditor"];
export const kAckRoles: readonly Role[] = ["supervisor", "armorer", "admin", "evidence_custodian"];
export const kOversightRoles: readonly Role[] = ["supervisor", "admin", "auditor"];
export const kEmergencyRoles: readonly Role[] = ["supervisor", "admin", "emergency"];
export const kStatsRoles: readonly Role[] = ["supervisor", "admin", "auditor", "armorer"];
export const kAdminRoles: readonly Role[] = ["admin"];

export interface Me {
  badge: string;
  name?: string;
  roles: Role[];
  sites: string[];
}

export interface Ctx {
  me: Me;
  // Any of these roles (at any of the caller's sites; the server checks the site again).
  can(roles: readonly Role[]): boolean;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown, contentType?: string): Promise<T>;
}

// A mounted screen. refresh() fetches again; onEvent() hears every ledger event the caller may see.
export interface View {
  onEvent?(e: LedgerEvent): void;
  dispose?(): void;
}

export interface ScreenDef {
  path: string; // "#/alerts" without "#/"
  title: string;
  roles: readonly Role[];
  mount(root: HTMLElement, ctx: Ctx): View;
}

// Runs `load` again after events, at most one at a time: events that arrive while a load is under
// way cause exactly one more load after it. The first load starts after `delayMs` (0: at once).
export function reloader(load: () => Promise<void>, delayMs = 0): () => void {
  let running = false;
  let again = false;
  let timer = 0;
  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await load();
    } catch (e) {
      if (!(e instanceof ApiError)) console.error(e);
    } finally {
      running = false;
      if (again) {
        again = false;
        void run();
      }
    }
  };
  return () => {
    if (delayMs === 0) {
      void run();
      return;
    }
    if (timer) return;
    timer = window.setTimeout(() => {
      timer = 0;
      void run();
    }, delayMs);
  };
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.sentences().join(" ");
  return e instanceof Error ? e.message : String(e);
}

export { call };
