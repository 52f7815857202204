// Pieces several screens share.

import type { Item } from "../../lib/api";
import { h, when } from "../../lib/dom";

export function place(i: Item): string {
  return `${i.home.site} ${i.home.bank}-${i.home.compartment}`;
}

export function stateWords(i: Item): string {
  if (i.custody?.overdue) return "Overdue";
  switch (i.state) {
    case "in":
      return i.quarantined ? "Quarantined (in its compartment)" : "In its compartment";
    case "out":
      return "Signed out";
    case "signing_out":
      return "Being signed out";
    case "returning":
      return "Being returned";
    case "quarantined":
      return "Quarantined";
  }
  return i.state;
}

export function holder(i: Item): string {
  const c = i.custody;
  if (!c) return "";
  return `${c.name ? `${c.name} (${c.badge})` : c.badge}`;
}

export function table(caption: string, head: string[], rows: Node[], attrs: Record<string, string> = {}): HTMLElement {
  return h(
    "table",
    attrs,
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows),
  );
}

export { when };
