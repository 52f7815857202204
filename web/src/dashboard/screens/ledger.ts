// Ledger status: how many events, the Merkle root, origin and the site's public key. "Verify now"
// has the server recompute the whole ledger (every hash, the chain, the Merkle tree, the stored
// checkpoints) and shows the verdict; "Sign a checkpoint" asks for a signed checkpoint of the
// ledger as it is and shows it (keep it: `custodian ledger verify --checkpoint FILE` later proves
// the ledger still extends it). Live: the count.

import { h, mount } from "../../lib/dom";
import { errorText, reloader, type Ctx, type View } from "../context";

interface Verdict {
  ok: boolean;
  events: number;
  seconds: number;
  root?: string;
  problem?: string;
  first_bad_index?: number;
}

interface Status {
  events: number;
  root: string;
  origin: string;
  public_key: string;
  checkpoints_kept?: number;
  last_checkpoint?: { size: number; note: string };
}

export function ledger(root: HTMLElement, ctx: Ctx): View {
  const facts = h("dl", { class: "facts", id: "ledger-status" });
  const checkpoint = h("div", { id: "checkpoint", "aria-live": "polite" });
  const verify = h("button", { type: "button", id: "verify" }, "Verify now");
  const verdict = h("div", { id: "verdict", "aria-live": "polite" });
  const sign = h("button", { type: "button", id: "sign", class: "secondary" }, "Sign a checkpoint");
  mount(
    root,
    h("h1", {}, "Ledger"),
    h("section", { class: "card", "aria-labelledby": "status-h" }, h("h2", { id: "status-h" }, "Status"), facts),
    h(
      "section",
      { class: "card", "aria-labelledby": "verify-h" },
      h("h2", { id: "verify-h" }, "Verification"),
      h("p", {}, "Recomputes every event's hash, the chain, the Merkle tree and every stored checkpoint's signature, as an auditor's own copy of the software would."),
      verify,
      verdict,
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "cp-h" },
      h("h2", { id: "cp-h" }, "Checkpoint"),
      h("p", {}, "A checkpoint is the ledger's size and root signed by the site. Keep it to prove later that nothing recorded before it changed."),
      sign,
      checkpoint,
    ),
  );
  const load = async (): Promise<void> => {
    try {
      const s = await ctx.get<Status>("/api/v1/ledger/status");
      mount(
        facts,
        h("dt", {}, "Events"),
        h("dd", { id: "ledger-events" }, s.events.toLocaleString("en-GB")),
        h("dt", {}, "Root"),
        h("dd", { class: "mono" }, s.root),
        h("dt", {}, "Origin"),
        h("dd", {}, s.origin),
        h("dt", {}, "Public key"),
        h("dd", { class: "mono" }, s.public_key),
        h("dt", {}, "Last checkpoint kept"),
        h(
          "dd",
          { id: "ledger-last-checkpoint" },
          s.last_checkpoint
            ? `at ${s.last_checkpoint.size.toLocaleString("en-GB")} events (${(s.checkpoints_kept ?? 0).toLocaleString("en-GB")} kept)`
            : "none yet",
        ),
      );
    } catch (e) {
      mount(facts, h("p", { class: "error" }, errorText(e)));
    }
  };
  verify.addEventListener("click", async () => {
    verify.disabled = true;
    mount(verdict, h("p", {}, "Verifying…"));
    try {
      const v = await ctx.post<Verdict>("/api/v1/ledger/verify");
      const took = `${v.seconds < 1 ? v.seconds.toFixed(2) : v.seconds.toFixed(1)} s`;
      mount(
        verdict,
        v.ok
          ? h("p", { class: "ok", id: "verified" }, `Verified: all ${v.events.toLocaleString("en-GB")} events are intact (root ${v.root ?? ""}), in ${took}.`)
          : h(
              "p",
              { class: "error", id: "verified" },
              `Verification FAILED${v.first_bad_index !== undefined ? ` at event ${v.first_bad_index}` : ""}: ${v.problem ?? "unknown problem"}`,
            ),
      );
    } catch (e) {
      mount(verdict, h("p", { class: "error" }, errorText(e)));
    } finally {
      verify.disabled = false;
    }
  });
  sign.addEventListener("click", async () => {
    sign.disabled = true;
    try {
      const note = await ctx.get<string>("/api/v1/ledger/checkpoint");
      const lines = String(note).split("\n");
      const size = Number(lines[1]);
      mount(
        checkpoint,
        h("p", { class: "notice", id: "signed" }, `Signed checkpoint of ${Number.isFinite(size) ? size.toLocaleString("en-GB") : "?"} events, root ${lines[2] ?? ""}.`),
        h("pre", { class: "mono", tabindex: 0, "aria-label": "Signed checkpoint" }, String(note)),
      );
      await load();
    } catch (e) {
      mount(checkpoint, h("p", { class: "error" }, errorText(e)));
    } finally {
      sign.disabled = false;
    }
  });
  void load();
  const again = reloader(load, 500);
  return { onEvent: () => again() };
}
