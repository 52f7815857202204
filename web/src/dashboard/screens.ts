// The dashboard's screens in menu order, each with the roles the server's route table requires
// for the data it shows (src/api/api.cc).

import { kAdminRoles, kBoardRoles, kEmergencyRoles, kOversightRoles, kStaffRoles, kStatsRoles, type ScreenDef } from "./context";
import { overview } from "./screens/overview";
import { locator } from "./screens/locator";
import { custody } from "./screens/custody";
import { alerts } from "./screens/alerts";
import { audit } from "./screens/audit";
import { people } from "./screens/people";
import { charts } from "./screens/charts";
import { emergency } from "./screens/emergency";
import { ledger } from "./screens/ledger";
import { admin } from "./screens/admin";

export const screens: ScreenDef[] = [
  { path: "overview", title: "Overview", roles: kStaffRoles, mount: overview },
  { path: "locator", title: "Item locator", roles: kStaffRoles, mount: locator },
  { path: "custody", title: "Custody board", roles: kBoardRoles, mount: custody },
  { path: "alerts", title: "Alerts", roles: kStaffRoles, mount: alerts },
  { path: "audit", title: "Audit", roles: kOversightRoles, mount: audit },
  { path: "people", title: "People", roles: kOversightRoles, mount: people },
  { path: "charts", title: "Charts", roles: kStatsRoles, mount: charts },
  { path: "emergency", title: "Emergency", roles: kEmergencyRoles, mount: emergency },
  { path: "ledger", title: "Ledger", roles: kOversightRoles, mount: ledger },
  { path: "admin", title: "Admin", roles: kAdminRoles, mount: admin },
];
