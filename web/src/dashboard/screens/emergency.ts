// Emergency controls: ask for lockdown, normal or open-all of a site or bank (a confirmation
// first); the ask waits for a second person, who sees it here in their own session and approves
// it. The server refuses self-approval and says so in a sentence, which is shown as it is.
// Live: emergency events fetch the lists again.

import { h, mount, when } from "../../lib/dom";
import { errorText, reloader, type Ctx, type View } from "../context";

interface Ask {
  ask: number;
  site: string;
  bank: string;
  mode: "lockdown" | "normal" | "open_all";
  reason: string;
  asked_by: string;
  asked: string;
  expires: string;
}
interface Emergency {
  lockdowns: { site: string; bank: string }[];
  waiting: Ask[];
}

const kModes: Record<Ask["mode"], string> = {
  lockdown: "Lockdown",
  normal: "Normal (lift lockdown)",
  open_all: "Open all doors",
};

function target(site: string, bank: string): string {
  return bank ? `bank ${bank} of ${site}` : `all of ${site}`;
}

export function emergency(root: HTMLElement, ctx: Ctx): View {
  const site = h("select", { id: "em-site", name: "site" });
  const bank = h("select", { id: "em-bank", name: "bank" }, h("option", { value: "" }, "Whole site"));
  const mode = h(
    "select",
    { id: "em-mode", name: "mode" },
    Object.entries(kModes).map(([v, l]) => h("option", { value: v }, l)),
  );
  const reason = h("input", { id: "em-reason", name: "reason", maxlength: 500, required: true, autocomplete: "off" });
  const askMsg = h("div", { id: "ask-status", role: "status" });
  const inForce = h("div", { id: "lockdowns" });
  const waiting = h("div", { id: "waiting" });
  const banksBySite = new Map<string, string[]>();

  const fillBanks = (): void => {
    mount(bank, h("option", { value: "" }, "Whole site"), (banksBySite.get(site.value) ?? []).map((b) => h("option", { value: b }, `Bank ${b}`)));
  };
  site.addEventListener("change", fillBanks);

  // The confirmation: a modal dialog that names what will happen.
  const dialogText = h("p", { id: "confirm-text" });
  const confirmBtn = h("button", { type: "button", class: "danger", id: "confirm-ask" }, "Yes, ask");
  const cancelBtn = h("button", { type: "button", class: "secondary", id: "cancel-ask" }, "Cancel");
  const dialog = h(
    "dialog",
    { id: "confirm", "aria-labelledby": "confirm-h", "aria-describedby": "confirm-text" },
    h("h2", { id: "confirm-h" }, "Confirm the emergency mode"),
    dialogText,
    h("p", {}, "Nothing happens until a second person approves it within 5 minutes."),
    h("div", { class: "buttons" }, confirmBtn, cancelBtn),
  );
  cancelBtn.addEventListener("click", () => dialog.close());
  confirmBtn.addEventListener("click", async () => {
    dialog.close();
    mount(askMsg);
    try {
      const a = await ctx.post<Ask>("/api/v1/emergency", {
        site: site.value,
        bank: bank.value,
        mode: mode.value,
        reason: reason.value.trim(),
      });
      mount(
        askMsg,
        h(
          "p",
          { class: "notice", "data-ask": a.ask, "data-mode": a.mode },
          `${kModes[a.mode]} of ${target(a.site, a.bank)} asked — waiting for a second person's approval (until ${when(a.expires)}).`,
        ),
      );
      reason.value = "";
      await load();
    } catch (e) {
      mount(askMsg, h("p", { class: "error" }, errorText(e)));
    }
  });

  const form = h(
    "form",
    { class: "filters", "aria-labelledby": "ask-h" },
    h("div", { class: "field" }, h("label", { for: "em-site" }, "Site"), site),
    h("div", { class: "field" }, h("label", { for: "em-bank" }, "Bank"), bank),
    h("div", { class: "field" }, h("label", { for: "em-mode" }, "Mode"), mode),
    h("div", { class: "field wide" }, h("label", { for: "em-reason" }, "Reason"), reason),
    h("div", { class: "field actions" }, h("button", { type: "submit", class: "danger", id: "ask" }, "Ask…")),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!reason.value.trim()) {
      mount(askMsg, h("p", { class: "error" }, "Give a reason: it goes into the ledger with the ask."));
      reason.focus();
      return;
    }
    dialogText.textContent = `${kModes[mode.value as Ask["mode"]]} of ${target(site.value, bank.value)}, because: ${reason.value.trim()}`;
    dialog.showModal();
    confirmBtn.focus();
  });

  mount(
    root,
    h("h1", {}, "Emergency"),
    h("section", { "aria-labelledby": "inforce-h" }, h("h2", { id: "inforce-h" }, "In force"), inForce),
    h("section", { "aria-labelledby": "waiting-h" }, h("h2", { id: "waiting-h" }, "Waiting for a second person"), waiting),
    h("section", { "aria-labelledby": "ask-h" }, h("h2", { id: "ask-h" }, "Ask for an emergency mode"), form, askMsg),
    dialog,
  );

  const askRows = new Map<number, HTMLElement>();
  const askList = h("ul", { class: "plain asks" });
  const askRow = (a: Ask): HTMLElement => {
    const err = h("div", { role: "alert" });
    const approve = h("button", { type: "button", class: "danger approve" }, `Approve ${kModes[a.mode].toLowerCase()}`);
    approve.addEventListener("click", async () => {
      approve.disabled = true;
      mount(err);
      try {
        await ctx.post(`/api/v1/emergency/${a.ask}/approve`, {});
        mount(askMsg, h("p", { class: "notice", id: "approved" }, `${kModes[a.mode]} of ${target(a.site, a.bank)} approved: it is in force.`));
        await load();
      } catch (e) {
        approve.disabled = false;
        mount(err, h("p", { class: "error" }, errorText(e)));
      }
    });
    return h(
      "li",
      { class: "card ask-row", "data-ask": a.ask },
      h("p", {}, h("strong", {}, `${kModes[a.mode]} of ${target(a.site, a.bank)}`), ` — ${a.reason}`),
      h(
        "p",
        { class: "muted small" },
        `Asked by ${a.asked_by}${a.asked_by === ctx.me.badge ? " (you)" : ""} ${when(a.asked)}; expires ${when(a.expires)}.`,
      ),
      approve,
      err,
    );
  };

  const load = async (): Promise<void> => {
    try {
      const em = await ctx.get<Emergency>("/api/v1/emergency");
      mount(
        inForce,
        em.lockdowns.length
          ? h("ul", { class: "plain" }, em.lockdowns.map((l) => h("li", { class: "tag bad", "data-site": l.site }, `LOCKDOWN: ${target(l.site, l.bank)}`)))
          : h("p", { class: "notice" }, "No lockdown in force."),
      );
      // Rows are kept by ask, so that an approval's refusal stays on screen when the list reloads.
      const keep = new Set(em.waiting.map((a) => a.ask));
      for (const [ask, li] of askRows) {
        if (!keep.has(ask)) {
          li.remove();
          askRows.delete(ask);
        }
      }
      for (const a of em.waiting) {
        if (askRows.has(a.ask)) continue;
        const li = askRow(a);
        askRows.set(a.ask, li);
        askList.append(li);
      }
      if (em.waiting.length === 0) mount(waiting, h("p", { class: "notice" }, "Nothing is waiting."));
      else if (askList.parentElement !== waiting) mount(waiting, askList);
    } catch (e) {
      mount(waiting, h("p", { class: "error" }, errorText(e)));
    }
  };

  void ctx.get<{ sites: { site: string; name: string; banks: { bank: string }[] }[] }>("/api/v1/sites").then(
    ({ sites }) => {
      for (const s of sites) banksBySite.set(s.site, s.banks.map((b) => b.bank));
      mount(site, sites.map((s) => h("option", { value: s.site }, `${s.name} (${s.site})`)));
      fillBanks();
    },
    (e) => mount(askMsg, h("p", { class: "error" }, errorText(e))),
  );
  void load();
  const again = reloader(load, 100);
  return {
    onEvent: (e) => {
      if (e.kind.startsWith("emergency.")) again();
    },
  };
}
