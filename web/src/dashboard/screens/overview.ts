// Overview: per site and bank, the compartment grid coloured by state, with a legend that says
// each state in words and a symbol too (never colour alone). Live: any ledger event fetches the
// grids again (at most one fetch at a time).

import { h, mount } from "../../lib/dom";
import type { Item } from "../../lib/api";
import { errorText, reloader, type Ctx, type View } from "../context";

interface SiteSummary {
  site: string;
  name: string;
}
interface Compartment {
  compartment: string;
  size: string;
  state: string;
  door_open: boolean;
  items: Item[];
}
interface Bank {
  bank: string;
  offline: boolean;
  lockdown: boolean;
  compartments?: Compartment[];
}
interface SiteGrid {
  site: string;
  name: string;
  timezone: string;
  lockdown: boolean;
  banks: Bank[];
}

// The server's states, most urgent first (docs/openapi.yaml SiteGrid).
export const kStates: { state: string; label: string; symbol: string }[] = [
  { state: "fault", label: "Fault", symbol: "⚠" },
  { state: "door_open", label: "Door open", symbol: "□" },
  { state: "overdue", label: "Overdue", symbol: "‼" },
  { state: "quarantined", label: "Quarantined", symbol: "✕" },
  { state: "out", label: "Out", symbol: "↗" },
  { state: "charging", label: "Charging", symbol: "⚡" },
  { state: "in", label: "In", symbol: "✓" },
  { state: "empty", label: "Empty", symbol: "○" },
];

const kSiteKey = "custodian.dashboard.overview-site";

function stateOf(s: string) {
  return kStates.find((k) => k.state === s) ?? { state: s, label: s, symbol: "?" };
}

function byNumber(a: Compartment, b: Compartment): number {
  return Number(a.compartment) - Number(b.compartment) || a.compartment.localeCompare(b.compartment);
}

export function overview(root: HTMLElement, ctx: Ctx): View {
  const status = h("p", { class: "muted small", "aria-live": "polite" });
  const body = h("div", { id: "grids" }, h("p", {}, "Loading…"));
  const legend = h(
    "ul",
    { class: "legend", "aria-label": "Legend" },
    kStates.map((k) => h("li", {}, h("span", { class: `swatch st-${k.state}`, "aria-hidden": "true" }, k.symbol), k.label)),
  );
  const siteSel = h("select", { id: "overview-site" }, h("option", { value: "" }, "All my sites"));
  siteSel.addEventListener("change", () => {
    sessionStorage.setItem(kSiteKey, siteSel.value);
    void load();
  });
  mount(
    root,
    h("h1", {}, "Overview"),
    h("div", { class: "inline-form" }, h("label", { for: "overview-site" }, "Site"), siteSel),
    legend,
    status,
    body,
  );

  let listed = false;
  const load = async (): Promise<void> => {
    try {
      const { sites } = await ctx.get<{ sites: SiteSummary[] }>("/api/v1/sites");
      if (!listed) {
        listed = true;
        siteSel.append(...sites.map((s) => h("option", { value: s.site }, `${s.name} (${s.site})`)));
        const remembered = sessionStorage.getItem(kSiteKey) ?? "";
        if (sites.some((s) => s.site === remembered)) siteSel.value = remembered;
      }
      const shown = sites.filter((s) => !siteSel.value || s.site === siteSel.value);
      const grids = await Promise.all(shown.map((s) => ctx.get<SiteGrid>(`/api/v1/sites/${encodeURIComponent(s.site)}`)));
      mount(body, grids.map(siteSection));
      status.textContent = `Updated ${new Date().toLocaleTimeString("en-GB")}`;
    } catch (e) {
      mount(body, h("p", { class: "error" }, errorText(e)));
    }
  };
  const again = reloader(load, 150);
  void load();
  return { onEvent: () => again() };
}

function siteSection(g: SiteGrid): HTMLElement {
  return h(
    "section",
    { class: "site card", "data-site": g.site, "aria-labelledby": `site-${g.site}` },
    h(
      "h2",
      { id: `site-${g.site}` },
      `${g.name} (${g.site})`,
      g.lockdown ? h("span", { class: "tag bad" }, "LOCKDOWN") : null,
    ),
    h("p", { class: "muted small" }, `Time zone ${g.timezone}`),
    g.banks.map((b) => {
      const comps = [...(b.compartments ?? [])].sort(byNumber);
      const counts = new Map<string, number>();
      for (const c of comps) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
      return h(
        "div",
        { class: "bank", "data-bank": b.bank },
        h(
          "h3",
          {},
          `Bank ${b.bank}`,
          b.lockdown ? h("span", { class: "tag bad" }, "LOCKDOWN") : null,
          b.offline ? h("span", { class: "tag bad" }, "OFFLINE") : null,
          h(
            "span",
            { class: "counts muted small" },
            kStates.filter((k) => counts.has(k.state)).map((k) => `${counts.get(k.state)} ${k.label.toLowerCase()}`).join(" · "),
          ),
        ),
        h(
          "ul",
          { class: "grid", "aria-label": `Bank ${b.bank} compartments` },
          comps.map((c) => {
            const st = stateOf(c.state);
            const serials = c.items.map((i) => i.serial).join(", ");
            return h(
              "li",
              {
                class: `cell st-${c.state}`,
                "data-compartment": `${b.bank}-${c.compartment}`,
                "data-state": c.state,
                title: `${b.bank}-${c.compartment}: ${st.label}${serials ? ` — ${serials}` : ""}`,
              },
              h("span", { class: "cell-no" }, `${b.bank}-${c.compartment}`),
              h("span", { class: "cell-state" }, h("span", { "aria-hidden": "true" }, st.symbol, " "), st.label),
              h(
                "span",
                { class: "cell-items" },
                c.items.length > 2
                  ? `${c.items.slice(0, 2).map((i) => i.serial).join(", ")} +${c.items.length - 2} more`
                  : serials || "—",
              ),
            );
          }),
        ),
      );
    }),
  );
}
