// What every command handler gets: parsed arguments, output, and a client
// made on first use (so `--help` and usage errors never need a URL or key).
import { createClient, type OfficeOSClient } from "../../client/src/index.js";
import type { Values } from "./args.js";
import { requireKey, requireUrl, type Target } from "./config.js";
import { CliError, EXIT } from "./errors.js";
import { FORMATS, type Format, Out, Progress, type Io } from "./output.js";
import { didYouMean } from "./suggest.js";

/** `-o FORMAT`, or `--json`; a table when neither is given. */
export function formatOf(values: Values): Format {
  const o = values.output;
  if (typeof o === "string") {
    if (!(FORMATS as readonly string[]).includes(o))
      throw new CliError(
        `unknown output format "${o}".${didYouMean(o, FORMATS)}`,
        EXIT.usage,
        `-o ${FORMATS.join("|")}`,
      );
    return o as Format;
  }
  return values.json === true ? "json" : "table";
}

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
    this.out = new Out(io, formatOf(values));
    this.progress = new Progress(io.stderr);
  }

  /** Machine output (JSON or YAML) rather than tables. */
  get json(): boolean {
    return this.out.json;
  }
  get wide(): boolean {
    return this.out.format === "wide";
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
