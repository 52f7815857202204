// Custody board: every item out at my sites, overdue first (the server's order), with who holds it
// since when and when it is due. Live: events fetch the board again.

import type { Item } from "../../lib/api";
import { h, mount, when } from "../../lib/dom";
import { errorText, reloader, type Ctx, type View } from "../context";
import { holder, place, table } from "./common";

export function custody(root: HTMLElement, ctx: Ctx): View {
  const body = h("div", { id: "custody" }, h("p", {}, "Loading…"));
  const summary = h("p", { id: "custody-summary", "aria-live": "polite" });
  mount(root, h("h1", {}, "Custody board"), summary, body);
  const load = async (): Promise<void> => {
    try {
      const { items } = await ctx.get<{ items: Item[] }>("/api/v1/custody");
      const overdue = items.filter((i) => i.custody?.overdue).length;
      summary.textContent = `${items.length} item${items.length === 1 ? "" : "s"} out, ${overdue} overdue.`;
      if (items.length === 0) {
        mount(body, h("p", { class: "notice" }, "Nothing is signed out at your sites."));
        return;
      }
      mount(
        body,
        table(
          "Items out, overdue first",
          ["Item", "Type", "Held by", "Since", "Due back", "Home"],
          items.map((i) =>
            h(
              "tr",
              { class: i.custody?.overdue ? "overdue" : "", "data-serial": i.serial },
              h("td", {}, i.serial),
              h("td", {}, i.type),
              h("td", {}, holder(i)),
              h("td", {}, when(i.custody?.since)),
              h(
                "td",
                {},
                i.custody?.overdue ? h("span", { class: "tag bad" }, "OVERDUE") : null,
                " ",
                when(i.custody?.due),
              ),
              h("td", {}, place(i)),
            ),
          ),
          { id: "custody-table" },
        ),
      );
    } catch (e) {
      mount(body, h("p", { class: "error" }, errorText(e)));
    }
  };
  const again = reloader(load, 150);
  void load();
  return {
    onEvent: (e) => {
      if (e.kind.startsWith("item.") || e.kind.startsWith("custody.") || e.kind.startsWith("signout") || e.kind.startsWith("return") || "serial" in e.payload) again();
    },
  };
}
