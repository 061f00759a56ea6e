// Which outbound connections an agent's spec allows (`egress: ["api.github.com:443",
// "*.internal.example:443"]`), decided on the name the agent asked for and on the address the
// proxy resolved it to itself (egress-proxy.ts connects to exactly that address, so a name
// that resolves differently a moment later — DNS rebinding — changes nothing). Pure.
//
//   - a pattern is `host:port`; `*.suffix:port` matches any name under suffix (not suffix itself);
//     an IP literal (`10.0.0.7:5432`, `[fd00::1]:443`) matches that address only;
//   - a name is refused when every address it resolves to is loopback, link-local (169.254.0.0/16,
//     the cloud metadata address; fe80::/10), private (10/8, 172.16/12, 192.168/16, 100.64/10,
//     fc00::/7), unspecified, multicast or reserved — unless the pattern allowing it is that IP literal.
import { isIP } from "node:net";

export interface EgressRule {
  /** Lower-case name, `*.suffix`, or a canonical IP literal (no brackets). */
  host: string;
  port: number;
  ip: boolean;
}

export type RuleParse = { kind: "ok"; rule: EgressRule } | { kind: "error"; message: string };

const NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function parseRule(pattern: string): RuleParse {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(pattern.trim());
  if (!m) return { kind: "error", message: `egress ${JSON.stringify(pattern)}: expected host:port` };
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return { kind: "error", message: `egress ${JSON.stringify(pattern)}: bad port` };
  const raw = (m[1] as string).replace(/^\[|\]$/g, "").toLowerCase();
  if (isIP(raw)) return { kind: "ok", rule: { host: canonicalIp(raw), port, ip: true } };
  if (!NAME.test(raw)) return { kind: "error", message: `egress ${JSON.stringify(pattern)}: bad host name` };
  return { kind: "ok", rule: { host: raw, port, ip: false } };
}

export function parseRules(patterns: readonly string[]): EgressRule[] {
  const out: EgressRule[] = [];
  for (const p of patterns) {
    const r = parseRule(p);
    if (r.kind === "ok") out.push(r.rule);
  }
  return out;
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) as the IPv4 address it is; lower case otherwise. */
export function canonicalIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? (m[1] as string) : ip.toLowerCase();
}

export type AddressClass = "public" | "loopback" | "link_local" | "private" | "unspecified" | "multicast" | "reserved";

function v4(ip: string): number[] {
  return ip.split(".").map(Number);
}

/** What kind of address `ip` is (an IP literal, v4 or v6). */
export function classify(ipIn: string): AddressClass {
  const ip = canonicalIp(ipIn);
  if (isIP(ip) === 4) {
    const [a = 0, b = 0] = v4(ip);
    if (a === 127) return "loopback";
    if (a === 0) return "unspecified";
    if (a === 169 && b === 254) return "link_local";
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127))
      return "private";
    if (a >= 224 && a <= 239) return "multicast";
    if (a >= 240 || (a === 192 && b === 0 && v4(ip)[2] === 0) || (a === 198 && (b === 18 || b === 19)))
      return "reserved";
    return "public";
  }
  const x = ip.toLowerCase();
  if (x === "::1") return "loopback";
  if (x === "::") return "unspecified";
  if (/^fe[89ab]/.test(x)) return "link_local";
  if (/^f[cd]/.test(x)) return "private";
  if (/^ff/.test(x)) return "multicast";
  // NAT64, 6to4 and Teredo embed IPv4 addresses the checks above would not see.
  if (/^(64:ff9b:|2002:|2001:0?:)/.test(x)) return "reserved";
  return "public";
}

/** The rule that allows `host:port` by name (an IP literal only by its own literal rule). */
export function matchRule(rules: readonly EgressRule[], hostIn: string, port: number): EgressRule | null {
  const host = hostIn
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  const lit = isIP(host) ? canonicalIp(host) : null;
  for (const r of rules) {
    if (r.port !== port) continue;
    if (lit !== null) {
      if (r.ip && r.host === lit) return r;
      continue;
    }
    if (r.ip) continue;
    if (r.host.startsWith("*.") ? host.endsWith(r.host.slice(1)) && host.length > r.host.length - 1 : r.host === host)
      return r;
  }
  return null;
}

export type EgressDecision =
  | { kind: "allow"; address: string }
  | { kind: "deny"; code: "not_allowed" | "resolves_internal" | "unresolvable"; message: string };

/**
 * The decision for `host:port` once the proxy has resolved it (`addresses`, in the resolver's
 * order; for an IP literal the literal itself): the first address that may be used, or why none.
 */
export function decide(
  rules: readonly EgressRule[],
  host: string,
  port: number,
  addresses: readonly string[],
): EgressDecision {
  const rule = matchRule(rules, host, port);
  if (!rule) return { kind: "deny", code: "not_allowed", message: `${host}:${port} is not in the agent's egress list` };
  if (rule.ip) return { kind: "allow", address: rule.host };
  if (addresses.length === 0) return { kind: "deny", code: "unresolvable", message: `${host} does not resolve` };
  const ok = addresses.find((a) => classify(a) === "public");
  if (ok) return { kind: "allow", address: canonicalIp(ok) };
  return {
    kind: "deny",
    code: "resolves_internal",
    message: `${host} resolves to ${addresses.map((a) => `${a} (${classify(a)})`).join(", ")}: only an IP-literal egress entry may reach those`,
  };
}
