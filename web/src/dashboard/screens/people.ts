// People at my sites with roles and credential state, and the certifications and licences that
// expired or expire within the next 30 days, soonest first.

import { h, mount } from "../../lib/dom";
import { errorText, reloader, type Ctx, type View } from "../context";
import { table } from "./common";

export interface Certification {
  badge?: string;
  name?: string;
  code: string;
  expires: string;
  days_left: number;
  expired: boolean;
}
export interface Person {
  badge: string;
  name: string;
  roles: string[];
  sites: string[];
  certifications: Certification[];
  revoked: boolean;
  locked: boolean;
  pin_set: boolean;
  staff_login: boolean;
  holds: number;
  licence_expires: string | null;
}

export function credentialWords(p: Person): string {
  if (p.revoked) return "Revoked";
  if (p.locked) return "Locked";
  return p.pin_set ? "Active" : "No PIN";
}

export function people(root: HTMLElement, ctx: Ctx): View {
  const certs = h("div", { id: "certs" }, h("p", {}, "Loading…"));
  const list = h("div", { id: "people" }, h("p", {}, "Loading…"));
  mount(
    root,
    h("h1", {}, "People"),
    h("section", { "aria-labelledby": "certs-h" }, h("h2", { id: "certs-h" }, "Certifications expired or expiring in the next 30 days"), certs),
    h("section", { "aria-labelledby": "people-h" }, h("h2", { id: "people-h" }, "People at my sites"), list),
  );
  const load = async (): Promise<void> => {
    try {
      const c = await ctx.get<{ certifications: Certification[] }>("/api/v1/certifications?within_days=30");
      mount(
        certs,
        c.certifications.length
          ? table(
              "Certifications by expiry, soonest first",
              ["Person", "Certification", "Valid through", "Status"],
              c.certifications.map((x) =>
                h(
                  "tr",
                  { class: x.expired ? "expired" : "", "data-badge": x.badge ?? "" },
                  h("td", {}, `${x.name ?? ""} (${x.badge ?? ""})`),
                  h("td", {}, x.code.replaceAll("_", " ")),
                  h("td", {}, x.expires),
                  h(
                    "td",
                    {},
                    x.expired
                      ? h("span", { class: "tag bad" }, `Expired ${-x.days_left} day${x.days_left === -1 ? "" : "s"} ago`)
                      : h("span", { class: "tag warn" }, x.days_left === 0 ? "Expires today" : `Expires in ${x.days_left} day${x.days_left === 1 ? "" : "s"}`),
                  ),
                ),
              ),
              { id: "certs-table" },
            )
          : h("p", { class: "notice" }, "Nothing expires in the next 30 days."),
      );
    } catch (e) {
      mount(certs, h("p", { class: "error" }, errorText(e)));
    }
    try {
      const p = await ctx.get<{ people: Person[] }>("/api/v1/people");
      mount(
        list,
        table(
          "People",
          ["Badge", "Name", "Roles", "Sites", "Credential", "Holds"],
          p.people.map((x) =>
            h(
              "tr",
              { "data-badge": x.badge },
              h("td", {}, x.badge),
              h("td", {}, x.name),
              h("td", {}, x.roles.join(", ").replaceAll("_", " ")),
              h("td", {}, x.sites.includes("*") ? "all" : x.sites.join(", ")),
              h("td", {}, credentialWords(x)),
              h("td", {}, x.holds),
            ),
          ),
          { id: "people-table" },
        ),
      );
    } catch (e) {
      mount(list, h("p", { class: "error" }, errorText(e)));
    }
  };
  void load();
  const again = reloader(load, 500);
  return {
    onEvent: (e) => {
      if (e.kind.startsWith("person.") || e.kind.startsWith("credential.") || e.kind.startsWith("certification.")) again();
    },
  };
}
