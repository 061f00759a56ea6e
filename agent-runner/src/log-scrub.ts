// Secrets kept out of an agent's captured output (log-capture.ts): every occurrence of a known
// secret value becomes `[redacted]` before a line leaves the runner. The runner knows the values:
// the task's own runtime-API token, the runner key, the LLM key and headers, the tool headers, and
// the agent env values it was told are secret (`secret_env`, or a name that says so). Pure.

export const REDACTED = "[redacted]";
/** Shorter values are not scrubbed: replacing "1" or "yes" everywhere would mangle ordinary output. */
export const MIN_SECRET_CHARS = 6;
/** Agent env names whose values are scrubbed without being listed in `secret_env`. */
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)/i;

export class Scrubber {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string | undefined | null>) {
    const set = new Set<string>();
    for (const s of secrets) if (s && s.length >= MIN_SECRET_CHARS) set.add(s);
    // Longest first: a secret that contains another is replaced whole.
    this.secrets = [...set].sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.secrets.length;
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }
}

/** The agent env values that are secret: those named in `secretEnv`, and those whose name says key, token, secret, password. */
export function secretEnvValues(env: Record<string, string>, secretEnv: readonly string[]): string[] {
  const named = new Set(secretEnv);
  return Object.entries(env)
    .filter(([k]) => named.has(k) || SECRET_NAME.test(k))
    .map(([, v]) => v);
}

/** Header values that are credentials: every value, as configured (tool and LLM headers exist to carry them). */
export function headerValues(...maps: (Record<string, string> | undefined)[]): string[] {
  // "Bearer abc…": the credential alone is scrubbed too.
  return maps.flatMap((m) => Object.values(m ?? {}).flatMap((v) => [v, ...(/^\S+\s+(\S+)$/.exec(v)?.slice(1) ?? [])]));
}
