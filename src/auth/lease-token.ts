// Lease tokens: proof that the bearer was handed one lease, bound to
// (tenant, task, epoch, expiry) and signed with HMAC-SHA256 (Web Crypto) under
// a secret only the tenant's TenantDO holds. Format:
//   olt1.<base64url(JSON claims)>.<base64url(signature over "olt1.<claims>")>
// Pure apart from Web Crypto: time is passed in.

export interface LeaseClaims {
  /** tenant id */
  t: string;
  /** task id */
  k: string;
  /** lease epoch */
  e: number;
  /** expiry, ms since the epoch */
  x: number;
}

export type TokenCheck =
  | { kind: "ok"; claims: LeaseClaims }
  | { kind: "error"; status: 401 | 403 | 409; code: "unauthorized" | "forbidden" | "stale_epoch"; message: string };

const PREFIX = "olt1";
const enc = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unb64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

/** The HMAC key for a tenant's secret (64 hex chars). */
export function leaseKey(secretHex: string): Promise<CryptoKey> {
  const raw = new Uint8Array(secretHex.length / 2);
  for (let i = 0; i < raw.length; i++) raw[i] = parseInt(secretHex.slice(i * 2, i * 2 + 2), 16);
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

export async function signLeaseToken(key: CryptoKey, claims: LeaseClaims): Promise<string> {
  const body = `${PREFIX}.${b64url(enc.encode(JSON.stringify(claims)))}`;
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(body)));
  return `${body}.${b64url(sig)}`;
}

/**
 * Checks a token against the lease a request names. Signature (compared in
 * constant time by crypto.subtle.verify) and shape first: a forged or foreign
 * token is 401; another tenant's or task's token is 403; another epoch's is
 * 409 (stale, as a stale epoch in the body is); an expired one is 401.
 */
export async function checkLeaseToken(
  key: CryptoKey,
  token: string | undefined | null,
  want: { tenant: string; task: string; epoch: number },
  nowMs: number,
): Promise<TokenCheck> {
  if (!token)
    return {
      kind: "error",
      status: 401,
      code: "unauthorized",
      message: "a lease token is required (header OfficeOS-Lease-Token, from the lease answer)",
    };
  const parts = token.split(".");
  const bad: TokenCheck = { kind: "error", status: 401, code: "unauthorized", message: "invalid lease token" };
  if (parts.length !== 3 || parts[0] !== PREFIX || token.length > 1024) return bad;
  const payload = unb64url(parts[1] ?? "");
  const sig = unb64url(parts[2] ?? "");
  if (!payload || !sig) return bad;
  const valid = await crypto.subtle.verify("HMAC", key, sig, enc.encode(`${PREFIX}.${parts[1]}`));
  if (!valid) return bad;
  let claims: LeaseClaims;
  try {
    claims = JSON.parse(new TextDecoder().decode(payload)) as LeaseClaims;
  } catch {
    return bad;
  }
  if (claims.t !== want.tenant)
    return { kind: "error", status: 403, code: "forbidden", message: "this lease token belongs to another tenant" };
  if (claims.k !== want.task)
    return {
      kind: "error",
      status: 403,
      code: "forbidden",
      message: `this lease token is for task "${claims.k}", not "${want.task}"`,
    };
  if (claims.e !== want.epoch)
    return {
      kind: "error",
      status: 409,
      code: "stale_epoch",
      message: `this lease token is for epoch ${claims.e}, not ${want.epoch}`,
    };
  if (claims.x <= nowMs)
    return {
      kind: "error",
      status: 401,
      code: "unauthorized",
      message: "lease token expired: the lease it proves has run out (heartbeats bring fresh tokens)",
    };
  return { kind: "ok", claims };
}
