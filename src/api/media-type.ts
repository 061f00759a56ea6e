// A 415 that names what to send. @hono/zod-openapi refuses a body whose
// Content-Type the route does not declare with a bare "Unsupported Media Type";
// the declared types are in the OpenAPI registry, so the error can name them.
import { ApiError } from "./errors.js";

/** The part of an OpenAPI registry definition read here (app.openAPIRegistry.definitions). */
export type RegistryDefinition =
  | { type: "route"; route: { method: string; path: string; request?: { body?: { content?: object } } } }
  | { type: string };

interface BodyRoute {
  method: string;
  pattern: RegExp;
  types: string[];
}

/** Matches `/v1/tasks/{id}/checkpoint` against `/v1/tasks/t_1/checkpoint`. */
function patternOf(openApiPath: string): RegExp {
  const parts = openApiPath
    .split(/\{[^/}]+\}/)
    .map((s) => s.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))
    .join("[^/]+");
  return new RegExp(`^${parts}/?$`);
}

/** Each route that takes a body, with the media types it declares, in registry order. */
export function bodyRoutes(definitions: readonly RegistryDefinition[]): BodyRoute[] {
  const out: BodyRoute[] = [];
  for (const d of definitions) {
    if (!("route" in d)) continue;
    const content = d.route.request?.body?.content;
    if (!content) continue;
    out.push({ method: d.route.method.toUpperCase(), pattern: patternOf(d.route.path), types: Object.keys(content) });
  }
  return out;
}

/** The media types a request to `method path` may carry, or null when no route declares any. */
export function expectedTypes(routes: readonly BodyRoute[], method: string, path: string): string[] | null {
  const m = method.toUpperCase();
  return routes.find((r) => r.method === m && r.pattern.test(path))?.types ?? null;
}

/** The 415 with the expected types named, and what was sent. */
export function unsupportedMediaType(expected: readonly string[] | null, sent: string | undefined): ApiError {
  const types = expected && expected.length > 0 ? [...expected] : ["application/json"];
  const want = types.length === 1 ? `Content-Type: ${types[0]}` : `Content-Type one of ${types.join(", ")}`;
  // The header is the caller's text: echoed, but bounded.
  const received = sent === undefined ? null : sent.length > 200 ? `${sent.slice(0, 200)}…` : sent;
  const got = received ? `it was ${received}` : "none was sent";
  return new ApiError("unsupported_media_type", `this route takes ${want}; ${got}`, { expected: types, received });
}
