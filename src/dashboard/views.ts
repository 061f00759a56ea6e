// Server-rendered views of the dashboard. Every value is escaped by hono/html;
// nothing here fetches: the routes load data and pass it in. One file per page group under views/.
export { agentsView, type QuotaBucket, runnersView } from "./views/fleet.js";
export {
  badge,
  errorPage,
  type H,
  json,
  type Loaded,
  layout,
  liveRegion,
  loginPage,
  PAGES,
  type PageId,
  type Viewer,
} from "./views/parts.js";
export { type ApprovalItem, approvalsView, type EscalationItem, escalationsView } from "./views/people.js";
export { isFinal, type RunningRow, tasksView, taskView } from "./views/tasks.js";
export type { CheckpointRecord, LogLine } from "./views/task-extras.js";
