// Server-sent events from /api/v1/events over fetch, so that a bearer token can be sent (an
// EventSource cannot send headers). Reconnects with Last-Event-ID until stopped.

export interface LedgerEvent {
  index: number;
  kind: string;
  actor: string;
  time: string;
  payload: Record<string, unknown>;
  alert?: Record<string, unknown>;
}

export function followEvents(
  headers: Record<string, string>,
  onEvent: (e: LedgerEvent) => void,
  onEnded?: () => void, // the server said the session has ended (401)
): () => void {
  const stop = new AbortController();
  let last = "";
  const run = async (): Promise<void> => {
    while (!stop.signal.aborted) {
      try {
        const h: Record<string, string> = { ...headers, Accept: "text/event-stream" };
        if (last) h["Last-Event-ID"] = last;
        const res = await fetch("/api/v1/events", { headers: h, signal: stop.signal });
        if (res.status === 401) {
          onEnded?.();
          return;
        }
        if (!res.body) return;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let data = "";
            for (const line of block.split("\n")) {
              if (line.startsWith("id:")) last = line.slice(3).trim();
              else if (line.startsWith("data:")) data += line.slice(5).trim();
            }
            if (data) {
              try {
                onEvent(JSON.parse(data) as LedgerEvent);
              } catch {
                /* a line that is not JSON is not an event */
              }
            }
          }
        }
      } catch {
        if (stop.signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  void run();
  return () => stop.abort();
}
