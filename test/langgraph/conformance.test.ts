// LangGraph's conformance suite for checkpoint savers, run against OfficeOSSaver
// and the real Worker. Each checkpointer the suite creates gets a tenant of its
// own: the suite requires that one instance never sees another's threads.
import { inject } from "vitest";
import { validate } from "@langchain/langgraph-checkpoint-validation";
import { api } from "../../scripts/lib/stack.mjs";
import { OfficeOSSaver } from "../../integrations/langgraph/index.js";

const url = inject("officeosUrl");
const operator = api(url, inject("officeosAdminToken"));
let made = 0;

validate({
  checkpointerName: "OfficeOSSaver",
  async createCheckpointer() {
    const { api_key } = await operator<{ api_key: string }>("POST", "/v1/tenants", { name: `langgraph-${++made}` });
    const { key } = await api(url, api_key)<{ key: string }>("POST", "/v1/keys", { scopes: ["submit", "read"] });
    return new OfficeOSSaver({ url, apiKey: key });
  },
});
