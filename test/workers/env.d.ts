// Types `env` from "cloudflare:test" with the Worker's own bindings.
import type { Env as WorkerEnv } from "../../src/env.js";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
  }
}
