// Audit search: the ledger's events by kind, person, item and day, newest first, a page at a time;
// the same filters as CSV (a plain link: the cookie authorises a GET, nothing else is needed).

import { h, mount, when } from "../../lib/dom";
import { errorText, type Ctx, type View } from "../context";
import { table } from "./common";

interface AuditEvent {
  index: number;
  time: string;
  actor: string;
  kind: string;
  payload: Record<string, unknown>;
}

const kKinds = ["", "signout.", "return.", "access.denied", "alert.", "item.", "emergency.", "login.", "credential.", "person.", "import."];

export function audit(root: HTMLElement, ctx: Ctx): View {
  const field = (id: string, label: string, input: HTMLElement) =>
    h("div", { class: "field" }, h("label", { for: id }, label), input);
  const kind = h("input", { id: "f-kind", name: "kind", list: "kinds", autocomplete: "off", placeholder: "e.g. signout." });
  const kinds = h("datalist", { id: "kinds" }, kKinds.filter(Boolean).map((k) => h("option", { value: k })));
  const badge = h("input", { id: "f-badge", name: "badge", autocomplete: "off", inputmode: "numeric" });
  const serial = h("input", { id: "f-serial", name: "serial", autocomplete: "off" });
  const day = h("input", { id: "f-day", name: "day", type: "date" });
  const csv = h("a", { id: "csv", class: "button-link", href: "#", download: "custodian-audit.csv" }, "Export CSV");
  const results = h("div", { id: "audit-results", "aria-live": "polite" });
  const more = h("button", { type: "button", class: "secondary", id: "older", hidden: true }, "Older events");
  let before: number | null = null;

  const query = (extra: Record<string, string>): string => {
    const q = new URLSearchParams();
    if (kind.value.trim()) q.set("kind", kind.value.trim());
    if (badge.value.trim()) q.set("badge", badge.value.trim());
    if (serial.value.trim()) q.set("serial", serial.value.trim().toUpperCase());
    if (day.value) {
      q.set("from", day.value);
      q.set("to", day.value);
    }
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    return q.toString();
  };
  const updateCsv = (): void => {
    csv.setAttribute("href", `/api/v1/audit?${query({ format: "csv", limit: "1000" })}`);
  };
  let tbody: HTMLElement | null = null;
  const search = async (next: boolean): Promise<void> => {
    updateCsv();
    const extra: Record<string, string> = { limit: "100" };
    if (next && before !== null) extra.before = String(before);
    try {
      const r = await ctx.get<{ events: AuditEvent[]; next_before: number | null }>(`/api/v1/audit?${query(extra)}`);
      const rows = r.events.map((e) =>
        h(
          "tr",
          { "data-index": e.index },
          h("td", {}, e.index),
          h("td", {}, when(e.time)),
          h("td", {}, e.actor),
          h("td", {}, e.kind),
          h("td", { class: "payload" }, JSON.stringify(e.payload)),
        ),
      );
      if (!next || !tbody) {
        const t = table("Events found, newest first", ["#", "Time", "Actor", "Kind", "Details"], rows, { id: "audit-table" });
        tbody = t.querySelector("tbody");
        mount(results, r.events.length ? t : h("p", { class: "notice" }, "No events match."));
      } else {
        tbody.append(...rows);
      }
      before = r.next_before;
      more.hidden = before === null;
    } catch (e) {
      mount(results, h("p", { class: "error" }, errorText(e)));
    }
  };
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Audit filters" },
    field("f-kind", "Kind (or prefix ending in .)", kind),
    kinds,
    field("f-badge", "Person (badge)", badge),
    field("f-serial", "Item (serial)", serial),
    field("f-day", "Day (UTC)", day),
    h("div", { class: "field actions" }, h("button", { type: "submit" }, "Search"), csv),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void search(false);
  });
  form.addEventListener("input", updateCsv);
  more.addEventListener("click", () => void search(true));
  mount(root, h("h1", {}, "Audit"), form, results, more);
  void search(false);
  return {};
}
