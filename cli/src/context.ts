// What every command handler gets: parsed arguments, output, and a client
// made on first use (so `--help` and usage errors never need a URL or key).
import { createClient, type OfficeOSClient } from "../../client/src/index.js";
import type { Values } from "./args.js";
import { requireKey, requireUrl, type Target } from "./config.js";
import { Out, Progress, type Io } from "./output.js";

export class Ctx {
  readonly out: Out;
  readonly progress: Progress;
  private made: OfficeOSClient | undefined;

  constructor(
    readonly io: Io,
    readonly args: Record<string, string>,
    readonly values: Values,
    readonly target: Target,
    readonly configFile: string,
  ) {
    this.out = new Out(io, values.json === true);
    this.progress = new Progress(io.stderr);
  }

  get json(): boolean {
    return this.values.json === true;
  }
  str(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === "string" ? v : undefined;
  }
  flag(name: string): boolean {
    return this.values[name] === true;
  }
  list(name: string): string[] {
    const v = this.values[name];
    return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
  }
  arg(name: string): string {
    return this.args[name] ?? "";
  }

  /** A client with the configured key (required). */
  get client(): OfficeOSClient {
    this.made ??= createClient({ url: requireUrl(this.target), key: requireKey(this.target) });
    return this.made;
  }
  /** A client with an explicit token, e.g. the operator token. */
  clientWith(key: string): OfficeOSClient {
    return createClient({ url: requireUrl(this.target), key });
  }
}

export type Handler = (ctx: Ctx) => Promise<number>;
