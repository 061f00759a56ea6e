// The HTTP surface: routing, authentication, validation. No business logic.
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { ApiError, toErrorResponse, toJson } from "./errors.js";
import { bodyRoutes, expectedTypes, type RegistryDefinition, unsupportedMediaType } from "./media-type.js";
import type { AppEnv } from "./context.js";
import { LIMITS } from "./schemas.js";
import { jsonShapeProblem } from "./json-shape.js";
import { admin } from "./routes/admin.js";
import { agents } from "./routes/agents.js";
import { keys } from "./routes/keys.js";
import { logs } from "./routes/logs.js";
import { checkpoints } from "./routes/checkpoints.js";
import { people } from "./routes/people.js";
import { quotas } from "./routes/quotas.js";
import { runners } from "./routes/runners.js";
import { tasks } from "./routes/tasks.js";
import { threads } from "./routes/threads.js";
import { createDashboard } from "../dashboard/index.js";

/** JSON checkpoints may be larger on the wire than the encoded limit (base64, field names). */
const CHECKPOINT_BODY_BYTES = 40 * 1024 * 1024;

export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw new ApiError("bad_request", "request failed validation", toJson(result.error.issues));
    },
  });

  app.use("*", async (c, next) => {
    const isCheckpoint =
      c.req.method === "PUT" && (c.req.path.endsWith("/checkpoint") || c.req.path.startsWith("/v1/threads/"));
    const maxSize = isCheckpoint ? CHECKPOINT_BODY_BYTES : LIMITS.bodyBytes;
    return bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError("payload_too_large", `request body exceeds ${maxSize} bytes`, { limit: maxSize });
      },
    })(c, next);
  });

  // JSON depth and size, before any route parses the body (the validators reuse this parse).
  app.use("*", async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && /json/i.test(c.req.header("content-type") ?? "")) {
      let value: unknown;
      let parsed = true;
      try {
        value = await c.req.json();
      } catch {
        parsed = false; // the route's validator answers 400 for malformed JSON
      }
      if (parsed) {
        const problem = jsonShapeProblem(value, LIMITS.jsonDepth, LIMITS.jsonNodes);
        if (problem)
          throw new ApiError("bad_request", problem, { max_depth: LIMITS.jsonDepth, max_values: LIMITS.jsonNodes });
      }
    }
    await next();
  });

  app.route("/", admin);
  app.route("/", keys);
  app.route("/", agents);
  app.route("/", runners);
  app.route("/", tasks);
  app.route("/", checkpoints);
  app.route("/", logs);
  app.route("/", people);
  app.route("/", threads);
  app.route("/", quotas);
  // The web dashboard: plain routes (pages, not API), so not in the OpenAPI document.
  // It calls the API above in-process, with the signed-in key.
  app.route(
    "/",
    createDashboard((req, env, ctx) => app.fetch(req, env, ctx)),
  );

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "OfficeOS control plane",
      version: "1.0.0",
      description: "Runs LLM agents: scheduling, leases, checkpoints.",
    },
  });

  // A person who types the host into a browser lands on the dashboard (it asks them to sign in).
  app.get("/", (c) => c.redirect("/dashboard", 302));

  let routesWithBodies: ReturnType<typeof bodyRoutes> | null = null;
  app.notFound(() => {
    throw new ApiError("not_found", "no such route");
  });
  app.onError((e, c) => {
    let err = e;
    if (err instanceof HTTPException && err.status === 415) {
      routesWithBodies ??= bodyRoutes(app.openAPIRegistry.definitions as RegistryDefinition[]);
      err = unsupportedMediaType(
        expectedTypes(routesWithBodies, c.req.method, c.req.path),
        c.req.header("content-type"),
      );
    }
    const { status, body, headers } = toErrorResponse(err);
    if (status >= 500 && !(err instanceof ApiError))
      console.error(
        JSON.stringify({
          level: "error",
          msg: "unhandled",
          path: c.req.path,
          err: String(err),
          stack: (err as Error).stack,
        }),
      );
    return c.json(body, status as 400, headers);
  });
  return app;
}
