// Charts (uPlot): sign-outs by hour of day and by weekday over the last days, items out by type,
// service due in the coming weeks — from GET /api/v1/stats (optionally one site). Each chart has a
// table of the same numbers for screen readers and for anyone who wants the figures.

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { ApiError } from "../../lib/api";
import { h, mount } from "../../lib/dom";
import { errorText, reloader, type Ctx, type View } from "../context";

export interface Stats {
  days: number;
  complete?: boolean;
  signouts_by_hour: number[];
  signouts_by_weekday: number[];
  out_by_type: { type: string; out: number; total: number }[];
  service_due_by_week: { week_start: string; count: number }[];
}

const kWeekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

function barChart(
  id: string,
  title: string,
  labels: string[],
  series: { label: string; values: number[]; fill: string; stroke: string }[],
  width: number,
  labelEvery = 1,
  wide = false,
): HTMLElement {
  const holder = h("div", { class: "chart", "aria-hidden": "true" });
  const fig = h(
    "figure",
    { class: `card chart-card${wide ? " wide" : ""}`, id, "aria-labelledby": `${id}-h` },
    h("h2", { id: `${id}-h` }, title),
    holder,
    h(
      "details",
      {},
      h("summary", {}, "The numbers"),
      h(
        "table",
        { class: "small" },
        h("caption", { class: "visually-hidden" }, title),
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, ""), series.map((s) => h("th", { scope: "col" }, s.label)))),
        h(
          "tbody",
          {},
          labels.map((l, i) => h("tr", {}, h("th", { scope: "row" }, l), series.map((s) => h("td", {}, s.values[i] ?? 0)))),
        ),
      ),
    ),
  );
  const xs = labels.map((_, i) => i);
  const bars = uPlot.paths.bars!({ size: [0.7, 60], gap: 2 });
  const opts: uPlot.Options = {
    width,
    height: 220,
    legend: { show: series.length > 1 },
    cursor: { show: false },
    scales: { x: { time: false, range: [-0.5, labels.length - 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [
      {
        values: (_u, splits) => splits.map((v) => (Number.isInteger(v) && v % labelEvery === 0 ? (labels[v] ?? "") : "")),
        splits: () => xs,
        gap: 4,
        size: 40,
        stroke: "#14213d",
        grid: { show: false },
      },
      {
        stroke: "#14213d",
        grid: { stroke: "#e2e8f0" },
        incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
        values: (_u, splits) => splits.map((v) => String(v)),
      },
    ],
    series: [{}, ...series.map((s) => ({ label: s.label, fill: s.fill, stroke: s.stroke, paths: bars, points: { show: false } }))],
  };
  new uPlot(opts, [xs, ...series.map((s) => s.values)], holder);
  return fig;
}

export function charts(root: HTMLElement, ctx: Ctx): View {
  const siteSel = h("select", { id: "stats-site" }, h("option", { value: "" }, "All my sites"));
  const body = h("div", { id: "charts", class: "charts" }, h("p", {}, "Loading…"));
  const note = h("p", { class: "muted small", id: "stats-note" });
  mount(
    root,
    h("h1", {}, "Charts"),
    h("div", { class: "inline-form" }, h("label", { for: "stats-site" }, "Site"), siteSel),
    note,
    body,
  );
  void ctx.get<{ sites: { site: string; name: string }[] }>("/api/v1/sites").then(
    ({ sites }) => siteSel.append(...sites.map((s) => h("option", { value: s.site }, `${s.name} (${s.site})`))),
    () => undefined,
  );
  const load = async (): Promise<void> => {
    let s: Stats;
    try {
      s = await ctx.get<Stats>(`/api/v1/stats${siteSel.value ? `?site=${encodeURIComponent(siteSel.value)}` : ""}`);
    } catch (e) {
      mount(
        body,
        h("p", { class: "notice", id: "no-stats" }, e instanceof ApiError && e.status === 404 && !siteSel.value ? "No statistics available from this server." : errorText(e)),
      );
      return;
    }
    note.textContent =
      `Sign-outs over the last ${s.days} days, in each site's local time.` +
      (s.complete === false ? " Incomplete: the server stopped reading the ledger before the start of that window." : "");
    const w = Math.max(320, Math.floor((root.clientWidth || 1100) / 2) - 48);
    mount(
      body,
      barChart("chart-hour", "Sign-outs by hour of day", s.signouts_by_hour.map((_, i) => String(i).padStart(2, "0")), [
        { label: "Sign-outs", values: s.signouts_by_hour, fill: "#93c5fd", stroke: "#1d4ed8" },
      ], 2 * w + 40, 1, true),
      barChart("chart-weekday", "Sign-outs by weekday", kWeekdays, [
        { label: "Sign-outs", values: s.signouts_by_weekday, fill: "#93c5fd", stroke: "#1d4ed8" },
      ], w),
      barChart("chart-service", "Service due by week", s.service_due_by_week.map((x) => x.week_start.slice(5)), [
        { label: "Items due", values: s.service_due_by_week.map((x) => x.count), fill: "#fcd34d", stroke: "#92400e" },
      ], w),
      barChart("chart-type", "Items out by type", s.out_by_type.map((t) => t.type), [
        { label: "Out", values: s.out_by_type.map((t) => t.out), fill: "#fca5a5", stroke: "#991b1b" },
        { label: "Total", values: s.out_by_type.map((t) => t.total), fill: "#cbd5e1", stroke: "#4a5568" },
      ], 2 * w + 40, 1, true),
    );
  };
  siteSel.addEventListener("change", () => void load());
  void load();
  const again = reloader(load, 2000);
  return {
    onEvent: (e) => {
      if (e.kind.startsWith("signout.") || e.kind.startsWith("return.") || e.kind === "item.serviced") again();
    },
  };
}
