// Why a fetch failed, in words that name the cause (pure): undici's own "fetch failed" says nothing,
// the cause chain says ECONNREFUSED, ENOTFOUND, a TLS error or a timeout.

/** `host:port` of a URL, the scheme's port when it names none. */
export function hostPort(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol === "http:" ? "80" : "443")}`;
  } catch {
    return "(an invalid URL)";
  }
}

/** The error's cause chain (AggregateError's errors too), "fetch failed" left out: "ECONNREFUSED: connect …". */
export function causeOf(e: unknown, timeoutMs?: number): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  const walk = (x: unknown, depth: number): void => {
    if (!(x instanceof Error) || seen.has(x) || depth > 8) return;
    seen.add(x);
    const code = (x as { code?: unknown }).code;
    if (x.name === "TimeoutError") parts.push(`timed out${timeoutMs !== undefined ? ` after ${timeoutMs} ms` : ""}`);
    else if (x.message !== "fetch failed" && x.message !== "")
      parts.push(typeof code === "string" && !x.message.includes(code) ? `${code}: ${x.message}` : x.message);
    else if (typeof code === "string") parts.push(code);
    if (x instanceof AggregateError) for (const inner of x.errors) walk(inner, depth + 1);
    walk(x.cause, depth + 1);
  };
  walk(e, 0);
  return [...new Set(parts)].join("; ") || (e instanceof Error ? e.message : String(e));
}
