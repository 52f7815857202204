// The server's public API (docs/openapi.yaml) as the pages use it. A terminal session is a bearer
// token; a dashboard session is the HttpOnly cookie the server set at login plus the CSRF token it
// returned, sent back on every POST.

export interface Key {
  site: string;
  bank: string;
  compartment: string;
}
export interface Reason {
  code: string;
  sentence: string;
}
export interface Custody {
  badge: string;
  name?: string;
  since: string;
  due: string;
  overdue: boolean;
}
export interface Item {
  serial: string;
  type: string;
  category?: string;
  home: Key;
  state: "in" | "out" | "signing_out" | "returning" | "quarantined";
  quarantined: boolean;
  quarantine_reason?: string;
  charge_percent?: number;
  custody?: Custody;
  requirements?: Reason[];
  reasons?: Reason[];
}
export interface Outcome {
  granted: boolean;
  compartment?: Key;
  reasons: Reason[];
  requirements: Reason[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
  // The sentences of a refusal (403 with reasons) or the error's message.
  sentences(): string[] {
    const b = this.body as { reasons?: Reason[] } | undefined;
    if (b && Array.isArray(b.reasons) && b.reasons.length > 0) return b.reasons.map((r) => r.sentence);
    return [this.message];
  }
}

export interface Auth {
  bearer?: string;
  csrf?: string;
}

export async function call<T>(
  auth: Auth,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<T> {
  const headers: Record<string, string> = {};
  if (auth.bearer) headers["Authorization"] = `Bearer ${auth.bearer}`;
  if (method === "POST" && auth.csrf) headers["X-CSRF-Token"] = auth.csrf;
  let payload: string | undefined;
  if (body !== undefined) {
    headers["Content-Type"] = contentType;
    payload = typeof body === "string" ? body : JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check the network.", undefined);
  }
  const text = await res.text();
  let data: unknown = text;
  if ((res.headers.get("Content-Type") ?? "").includes("json")) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  // A refusal by the rules is a 403 with "granted": false and reasons: an answer, not an error.
  if (!res.ok && !(res.status === 403 && (data as Outcome)?.granted === false && path.includes("/terminal/"))) {
    const e = (data as { error?: { code?: string; message?: string } })?.error;
    throw new ApiError(res.status, e?.code ?? String(res.status), e?.message ?? `HTTP ${res.status}`, data);
  }
  return data as T;
}
