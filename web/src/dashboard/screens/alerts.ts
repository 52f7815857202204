// Alerts feed: open alerts at my sites, newest first, severity in words and colour, each with
// Acknowledge (a note, then the server records alert.acknowledged by name). Live: an event that
// carries an alert adds its row at once, from the event itself; alert.acknowledged removes one.
// Rows are kept by index, so a note being typed survives other alerts arriving.

import { h, mount, when } from "../../lib/dom";
import type { LedgerEvent } from "../../lib/events";
import { errorText, kAckRoles, reloader, type Ctx, type View } from "../context";

interface Alert {
  index: number;
  time: string;
  kind: string;
  code: string;
  severity: "critical" | "warning" | "info";
  site: string;
  bank?: string;
  compartment?: string;
  badge?: string;
  serial?: string;
  summary: string;
  cleared: string | null;
  acknowledged: { by: string; time: string; note: string } | null;
}

export function alerts(root: HTMLElement, ctx: Ctx): View {
  const mayAck = ctx.can(kAckRoles);
  const list = h("ol", { id: "alerts", class: "alerts", "aria-label": "Open alerts, newest first" });
  const empty = h("p", { id: "alerts-empty", class: "notice", hidden: true }, "No open alerts.");
  const count = h("p", { id: "alerts-count", "aria-live": "polite" });
  const rows = new Map<number, HTMLElement>();
  let state: "open" | "acknowledged" = "open";
  const stateSel = h(
    "select",
    { id: "alert-state" },
    h("option", { value: "open" }, "Open"),
    h("option", { value: "acknowledged" }, "Recently acknowledged"),
  );
  stateSel.addEventListener("change", () => {
    state = stateSel.value as typeof state;
    rows.clear();
    list.replaceChildren();
    void load();
  });

  const updateCount = (): void => {
    empty.hidden = rows.size > 0;
    count.textContent = `${rows.size} ${state === "open" ? "open" : "acknowledged"} alert${rows.size === 1 ? "" : "s"}`;
  };

  const row = (a: Alert): HTMLElement => {
    const actions = h("div", { class: "alert-actions" });
    const li = h(
      "li",
      { class: `alert sev-${a.severity}`, "data-index": a.index, "data-code": a.code, "data-badge": a.badge, "data-serial": a.serial },
      h(
        "div",
        { class: "alert-head" },
        h("span", { class: `sev tag sev-${a.severity}` }, a.severity.toUpperCase()),
        h("span", { class: "alert-code" }, a.code.replaceAll("_", " ")),
        h("span", { class: "muted small" }, `${a.site || "agency"}${a.bank ? ` ${a.bank}${a.compartment ? `-${a.compartment}` : ""}` : ""} · ${when(a.time)}`),
        a.cleared ? h("span", { class: "tag" }, "condition ended") : null,
      ),
      h("p", { class: "alert-summary" }, a.summary),
      a.acknowledged
        ? h("p", { class: "muted small" }, `Acknowledged by ${a.acknowledged.by} ${when(a.acknowledged.time)}: ${a.acknowledged.note}`)
        : null,
      actions,
    );
    if (mayAck && !a.acknowledged) {
      const open = h("button", { type: "button", class: "ack" }, "Acknowledge");
      actions.append(open);
      open.addEventListener("click", () => {
        const id = `note-${a.index}`;
        const note = h("input", { id, name: "note", maxlength: 1000, autocomplete: "off" });
        const err = h("div", { role: "alert" });
        const form = h(
          "form",
          { class: "inline-form ack-form" },
          h("label", { for: id }, "Note"),
          note,
          h("button", { type: "submit", class: "ack-confirm" }, "Confirm acknowledge"),
          h("button", { type: "button", class: "secondary", onclick: () => mount(actions, open) }, "Cancel"),
          err,
        );
        form.addEventListener("submit", async (ev) => {
          ev.preventDefault();
          try {
            await ctx.post(`/api/v1/alerts/${a.index}/acknowledge`, { note: note.value });
            remove(a.index);
          } catch (e) {
            mount(err, h("p", { class: "error" }, errorText(e)));
          }
        });
        mount(actions, form);
        note.focus();
      });
    }
    return li;
  };

  const add = (a: Alert): void => {
    if (rows.has(a.index)) return;
    const li = row(a);
    rows.set(a.index, li);
    // Newest (highest index) first.
    const after = [...list.children].find((c) => Number((c as HTMLElement).dataset.index) < a.index);
    list.insertBefore(li, after ?? null);
    updateCount();
  };
  const remove = (index: number): void => {
    rows.get(index)?.remove();
    rows.delete(index);
    updateCount();
  };

  const load = async (): Promise<void> => {
    try {
      const { alerts: found } = await ctx.get<{ alerts: Alert[] }>(`/api/v1/alerts?state=${state}`);
      const keep = new Set(found.map((a) => a.index));
      for (const i of [...rows.keys()]) if (!keep.has(i)) remove(i);
      for (const a of found) add(a);
      updateCount();
    } catch (e) {
      mount(list, h("li", { class: "error" }, errorText(e)));
    }
  };

  mount(
    root,
    h("h1", {}, "Alerts"),
    h("div", { class: "inline-form" }, h("label", { for: "alert-state" }, "Show"), stateSel),
    count,
    empty,
    list,
  );
  void load();
  const again = reloader(load, 300);
  return {
    onEvent: (e: LedgerEvent) => {
      if (state === "open" && e.alert) {
        const a = e.alert as unknown as Alert;
        if (!a.acknowledged) add(a);
      }
      if (e.kind === "alert.acknowledged") {
        if (state === "open") remove(Number(e.payload.alert));
        else again();
      }
      if (e.alert || e.kind.startsWith("alert.")) again();
    },
  };
}
