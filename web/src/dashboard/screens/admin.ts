// Admin (admin role only): people with "release credential" for locked ones; CSV imports (sites,
// lockers, types, people, items: docs/import.md) from a file or pasted, with the server's sentence
// naming the line when refused and the generated PINs shown once; API tokens (issue, shown once;
// revoke); the sites and their lockers.

import { h, mount, when } from "../../lib/dom";
import { errorText, reloader, type Ctx, type View } from "../context";
import { table } from "./common";
import { credentialWords, type Person } from "./people";
import type { Stats } from "./charts";

interface Token {
  name: string;
  badge: string;
  created: string;
}

export function admin(root: HTMLElement, ctx: Ctx): View {
  const peopleBox = h("div", { id: "admin-people" }, h("p", {}, "Loading…"));
  const tokensBox = h("div", { id: "tokens" });
  const sitesBox = h("div", { id: "admin-sites" });
  const typesBox = h("div", { id: "admin-types" });

  // Imports.
  const kind = h(
    "select",
    { id: "imp-kind", name: "kind" },
    ["people", "items", "sites", "lockers", "types"].map((k) => h("option", { value: k }, k)),
  );
  const file = h("input", { id: "imp-file", name: "file", type: "file", accept: ".csv,text/csv" });
  const text = h("textarea", { id: "imp-text", name: "csv", rows: 6, spellcheck: "false", "aria-describedby": "imp-hint" });
  const impResult = h("div", { id: "import-result", "aria-live": "polite" });
  file.addEventListener("change", async () => {
    const f = file.files?.[0];
    if (f) text.value = await f.text();
  });
  const impForm = h(
    "form",
    { class: "stack" },
    h("div", { class: "field" }, h("label", { for: "imp-kind" }, "What"), kind),
    h("div", { class: "field" }, h("label", { for: "imp-file" }, "CSV file"), file),
    h("div", { class: "field" }, h("label", { for: "imp-text" }, "or paste the CSV"), text),
    h("p", { id: "imp-hint", class: "muted small" }, "The formats of docs/import.md, header line first. All rows or none."),
    h("div", {}, h("button", { type: "submit", id: "import" }, "Import")),
  );
  impForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    mount(impResult);
    try {
      const r = await ctx.post<{ kind: string; imported: number; generated_pins: { badge: string; pin: string }[] }>(
        `/api/v1/imports/${kind.value}`,
        text.value,
        "text/csv",
      );
      mount(
        impResult,
        h("p", { class: "notice", id: "imported" }, `Imported ${r.imported} ${r.kind} row${r.imported === 1 ? "" : "s"}.`),
        r.generated_pins.length
          ? [
              h("p", { class: "notice warn-box" }, "Generated PINs — shown this once. Hand each person their PIN now; they are not stored in clear anywhere."),
              table("Generated PINs", ["Badge", "PIN"], r.generated_pins.map((p) => h("tr", {}, h("td", {}, p.badge), h("td", { class: "mono" }, p.pin))), { id: "pins" }),
            ]
          : null,
      );
      text.value = "";
      file.value = "";
      void loadPeople();
    } catch (e) {
      mount(impResult, h("p", { class: "error", id: "import-error" }, errorText(e)));
    }
  });

  // Tokens.
  const tBadge = h("input", { id: "tok-badge", name: "badge", autocomplete: "off", required: true });
  const tName = h("input", { id: "tok-name", name: "name", autocomplete: "off", required: true, pattern: "[A-Za-z0-9_.\\-]{1,64}" });
  const tokResult = h("div", { id: "token-result", "aria-live": "polite" });
  const tokForm = h(
    "form",
    { class: "filters" },
    h("div", { class: "field" }, h("label", { for: "tok-name" }, "Token name"), tName),
    h("div", { class: "field" }, h("label", { for: "tok-badge" }, "Acts as (badge)"), tBadge),
    h("div", { class: "field actions" }, h("button", { type: "submit", id: "issue" }, "Issue token")),
  );
  tokForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const r = await ctx.post<{ token: string; name: string; badge: string }>("/api/v1/tokens", { badge: tBadge.value.trim(), name: tName.value.trim() });
      mount(
        tokResult,
        h("p", { class: "notice" }, `Token ${r.name} for ${r.badge} — shown this once; copy it now:`),
        h("pre", { class: "mono", id: "new-token", tabindex: 0 }, r.token),
      );
      tName.value = "";
      void loadTokens();
    } catch (e) {
      mount(tokResult, h("p", { class: "error" }, errorText(e)));
    }
  });

  mount(
    root,
    h("h1", {}, "Admin"),
    h("section", { class: "card", "aria-labelledby": "imp-h" }, h("h2", { id: "imp-h" }, "Import"), impForm, impResult),
    h("section", { class: "card", "aria-labelledby": "tok-h" }, h("h2", { id: "tok-h" }, "API tokens"), tokensBox, tokForm, tokResult),
    h("section", { class: "card", "aria-labelledby": "ap-h" }, h("h2", { id: "ap-h" }, "People"), peopleBox),
    h("section", { class: "card", "aria-labelledby": "as-h" }, h("h2", { id: "as-h" }, "Sites and lockers"), sitesBox),
    h("section", { class: "card", "aria-labelledby": "at-h" }, h("h2", { id: "at-h" }, "Item types"), typesBox),
  );

  const loadPeople = async (): Promise<void> => {
    try {
      const { people } = await ctx.get<{ people: Person[] }>("/api/v1/people");
      mount(
        peopleBox,
        table(
          "People",
          ["Badge", "Name", "Roles", "Sites", "Credential", ""],
          people.map((p) => {
            const cell = h("td", {});
            if (p.locked) {
              const b = h("button", { type: "button", class: "secondary release" }, `Release ${p.badge}`);
              b.addEventListener("click", async () => {
                try {
                  await ctx.post(`/api/v1/people/${encodeURIComponent(p.badge)}/release`, {});
                  void loadPeople();
                } catch (e) {
                  mount(cell, h("span", { class: "error" }, errorText(e)));
                }
              });
              cell.append(b);
            }
            return h(
              "tr",
              { "data-badge": p.badge },
              h("td", {}, p.badge),
              h("td", {}, p.name),
              h("td", {}, p.roles.join(", ").replaceAll("_", " ")),
              h("td", {}, p.sites.includes("*") ? "all" : p.sites.join(", ")),
              h("td", {}, credentialWords(p)),
              cell,
            );
          }),
          { id: "admin-people-table" },
        ),
      );
    } catch (e) {
      mount(peopleBox, h("p", { class: "error" }, errorText(e)));
    }
  };
  const loadTokens = async (): Promise<void> => {
    try {
      const { tokens } = await ctx.get<{ tokens: Token[] }>("/api/v1/tokens");
      mount(
        tokensBox,
        tokens.length
          ? table(
              "API tokens",
              ["Name", "Acts as", "Issued", ""],
              tokens.map((t) => {
                const b = h("button", { type: "button", class: "secondary revoke" }, `Revoke ${t.name}`);
                b.addEventListener("click", async () => {
                  try {
                    await ctx.post(`/api/v1/tokens/${encodeURIComponent(t.name)}/revoke`, {});
                    void loadTokens();
                  } catch (e) {
                    mount(tokResult, h("p", { class: "error" }, errorText(e)));
                  }
                });
                return h("tr", { "data-token": t.name }, h("td", {}, t.name), h("td", {}, t.badge), h("td", {}, when(t.created)), h("td", {}, b));
              }),
              { id: "tokens-table" },
            )
          : h("p", { class: "muted" }, "No API tokens in force."),
      );
    } catch (e) {
      mount(tokensBox, h("p", { class: "error" }, errorText(e)));
    }
  };
  const loadSites = async (): Promise<void> => {
    try {
      const { sites } = await ctx.get<{ sites: { site: string; name: string; timezone: string; banks: { bank: string; offline: boolean; states: Record<string, number> }[] }[] }>("/api/v1/sites");
      mount(
        sitesBox,
        table(
          "Sites and lockers",
          ["Site", "Time zone", "Bank", "Compartments", "Controller"],
          sites.flatMap((s) =>
            s.banks.map((b) =>
              h(
                "tr",
                {},
                h("td", {}, `${s.name} (${s.site})`),
                h("td", {}, s.timezone),
                h("td", {}, b.bank),
                h("td", {}, Object.values(b.states).reduce((x, y) => x + y, 0)),
                h("td", {}, b.offline ? "offline" : "online"),
              ),
            ),
          ),
        ),
      );
    } catch (e) {
      mount(sitesBox, h("p", { class: "error" }, errorText(e)));
    }
  };
  const loadTypes = async (): Promise<void> => {
    try {
      const s = await ctx.get<Stats>("/api/v1/stats");
      mount(
        typesBox,
        table(
          "Item types",
          ["Type", "Items", "Out now"],
          s.out_by_type.map((t) => h("tr", {}, h("td", {}, t.type), h("td", {}, t.total), h("td", {}, t.out))),
          { id: "admin-types-table" },
        ),
      );
    } catch (e) {
      mount(typesBox, h("p", { class: "muted" }, errorText(e)));
    }
  };
  void loadPeople();
  void loadTokens();
  void loadSites();
  void loadTypes();
  const again = reloader(loadPeople, 500);
  return {
    onEvent: (e) => {
      if (e.kind.startsWith("person.") || e.kind.startsWith("credential.")) again();
    },
  };
}
