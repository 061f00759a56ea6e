// API keys: `oos.<tenant>.<key id>.<secret>`. The tenant id in the key routes
// the request to its TenantDO without a global directory; the TenantDO holds
// only SHA-256(secret) and compares in constant time.
const HEX = /^[0-9a-f]+$/;

export interface ParsedKey {
  tenantId: string;
  keyId: string;
  secret: string;
}

export function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes);
  crypto.getRandomValues(b);
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

export const newTenantId = (): string => randomHex(8);
export const newKeyId = (): string => randomHex(6);
export const newSecret = (): string => randomHex(32);

export function formatKey(k: ParsedKey): string {
  return `oos.${k.tenantId}.${k.keyId}.${k.secret}`;
}

export function parseKey(raw: string): ParsedKey | null {
  const parts = raw.split(".");
  if (parts.length !== 4 || parts[0] !== "oos") return null;
  const [, tenantId = "", keyId = "", secret = ""] = parts;
  if (tenantId.length !== 16 || keyId.length !== 12 || secret.length !== 64) return null;
  if (!HEX.test(tenantId) || !HEX.test(keyId) || !HEX.test(secret)) return null;
  return { tenantId, keyId, secret };
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  let s = "";
  for (const x of new Uint8Array(digest)) s += x.toString(16).padStart(2, "0");
  return s;
}

/** Constant-time comparison of two equal-length ASCII strings. */
export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
