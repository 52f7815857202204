// Item locator: a serial → where the item is, or who holds it since when and until when.
// Live: an event naming the serial shown fetches it again.

import { ApiError, type Item } from "../../lib/api";
import { h, mount, when } from "../../lib/dom";
import { errorText, reloader, type Ctx, type View } from "../context";
import { holder, place, stateWords } from "./common";

export function locator(root: HTMLElement, ctx: Ctx): View {
  const serial = h("input", { id: "serial", name: "serial", autocomplete: "off", required: true, spellcheck: "false" });
  const result = h("div", { id: "locator-result", "aria-live": "polite" });
  let shown = "";
  const find = async (): Promise<void> => {
    const s = serial.value.trim().toUpperCase();
    if (!s) return;
    shown = s;
    try {
      const i = await ctx.get<Item>(`/api/v1/items/${encodeURIComponent(s)}`);
      mount(result, card(i));
    } catch (e) {
      mount(
        result,
        h("p", { class: "error" }, e instanceof ApiError && e.status === 404 ? `No item ${s} at your sites.` : errorText(e)),
      );
    }
  };
  const form = h(
    "form",
    { class: "inline-form", role: "search" },
    h("label", { for: "serial" }, "Serial number"),
    serial,
    h("button", { type: "submit" }, "Find"),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    void find();
  });
  mount(root, h("h1", {}, "Item locator"), form, result);
  serial.focus();
  const again = reloader(find, 100);
  return {
    onEvent: (e) => {
      if (shown && JSON.stringify(e.payload).includes(`"${shown}"`)) again();
    },
  };
}

function card(i: Item): HTMLElement {
  const c = i.custody;
  return h(
    "section",
    { class: "card item-card", "data-serial": i.serial, "aria-labelledby": "item-h" },
    h("h2", { id: "item-h" }, `${i.serial} · ${i.type}${i.category ? ` (${i.category.replaceAll("_", " ")})` : ""}`),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "State"),
      h("dd", { id: "item-state" }, stateWords(i)),
      h("dt", {}, "Home compartment"),
      h("dd", {}, place(i)),
      c ? [h("dt", {}, "Held by"), h("dd", { id: "item-holder" }, holder(i))] : null,
      c ? [h("dt", {}, "Since"), h("dd", {}, when(c.since))] : null,
      c ? [h("dt", {}, "Due back"), h("dd", { class: c.overdue ? "bad-text" : "" }, when(c.due), c.overdue ? " — OVERDUE" : "")] : null,
      i.charge_percent !== undefined ? [h("dt", {}, "Charge"), h("dd", {}, `${i.charge_percent} %`)] : null,
      i.quarantine_reason ? [h("dt", {}, "Quarantine reason"), h("dd", {}, i.quarantine_reason)] : null,
    ),
  );
}
