// The dashboard session: a random id, stored server-side in the tenant's
// TenantDO (src/durable/tenant/sessions.ts) with a 12 h expiry. The cookie
// (HttpOnly, SameSite=Strict; Secure and `__Host-` prefixed over https) holds
// only `<tenant>.<secret>`: never the API key. The object keeps SHA-256(secret)
// and the key sealed under a key derived from the secret, so logout (which
// deletes the row) makes the old cookie useless, and neither half alone is the
// API key. The per-session CSRF token that every form carries is
// HMAC-SHA256(key, session id): it cannot be forged without the key and changes
// with every sign-in.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";
import { randomHex, sha256Hex, timingSafeEqual } from "../auth/keys.js";
import { tenantStub, type Caller } from "../api/context.js";
import { SESSION_TTL_MS } from "../durable/tenant/sessions.js";
import type { Env } from "../env.js";

export const SESSION_MAX_AGE_S = SESSION_TTL_MS / 1000;
const FLASH_MAX_AGE_S = 60;

type WithEnv = { Bindings: Env };

const isHttps = (c: Context): boolean => new URL(c.req.url).protocol === "https:";

function cookieName(c: Context, base: string): string {
  return isHttps(c) ? `__Host-${base}` : base;
}

function options(c: Context, maxAge: number): CookieOptions {
  // __Host- cookies must be Secure, have Path=/ and no Domain.
  const https = isHttps(c);
  return https
    ? { path: "/", httpOnly: true, secure: true, sameSite: "Strict", maxAge, prefix: "host" }
    : { path: "/dashboard", httpOnly: true, secure: false, sameSite: "Strict", maxAge };
}

function setNamed(c: Context, base: string, value: string, maxAge: number): void {
  // hono adds the "__Host-" itself when the prefix option is given.
  setCookie(c, base, value, options(c, maxAge));
}

function clearNamed(c: Context, base: string): void {
  const https = isHttps(c);
  deleteCookie(c, base, https ? { path: "/", secure: true, prefix: "host" } : { path: "/dashboard" });
}

export interface Session {
  /** The API key signed in with, unsealed for this request only. */
  key: string;
  /** The session's id (SHA-256 of the cookie's secret): the CSRF token's nonce. */
  nonce: string;
  tenantId: string;
}

function hex(bytes: ArrayBuffer | Uint8Array): string {
  let s = "";
  for (const x of bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)) s += x.toString(16).padStart(2, "0");
  return s;
}

/** The AES-GCM key that seals the API key: derived from the cookie's secret, which the server never stores. */
async function sealKey(secret: string, use: "encrypt" | "decrypt"): Promise<CryptoKey> {
  const raw = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`officeos-dashboard-session:${secret}`));
  return crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, [use]);
}

const COOKIE = /^([0-9a-f]{16})\.([0-9a-f]{64})$/;

/** The live session the cookie names, or null (no cookie, unknown, ended or expired). */
export async function readSession<E extends WithEnv>(c: Context<E>): Promise<Session | null> {
  const m = COOKIE.exec(getCookie(c, cookieName(c, "oos_session")) ?? "");
  if (!m) return null;
  const [, tenantId, secret] = m as unknown as [string, string, string];
  const id = await sha256Hex(secret);
  const r = await tenantStub(c.env, tenantId).openSession(id);
  if (r.kind !== "ok") return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: r.value.iv },
      await sealKey(secret, "decrypt"),
      r.value.sealed,
    );
    return { key: new TextDecoder().decode(plain), nonce: id, tenantId };
  } catch {
    return null; // not sealed under this secret
  }
}

/** Stores a new session for the signed-in `caller` (its key `key`) and sets its cookie. */
export async function startSession<E extends WithEnv>(c: Context<E>, caller: Caller, key: string): Promise<Session> {
  const secret = randomHex(32);
  const id = await sha256Hex(secret);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv },
      await sealKey(secret, "encrypt"),
      new TextEncoder().encode(key),
    ),
  );
  const r = await caller.tenant.createSession(id, sealed, iv);
  if (r.kind !== "ok") throw new Error(`session not stored: ${r.message}`);
  setNamed(c, "oos_session", `${caller.tenantId}.${secret}`, SESSION_MAX_AGE_S);
  return { key, nonce: id, tenantId: caller.tenantId };
}

/** Deletes the session server-side (when there is one) and clears its cookie. */
export async function endSession<E extends WithEnv>(c: Context<E>, s: Session | null): Promise<void> {
  if (s) await tenantStub(c.env, s.tenantId).endSession(s.nonce);
  clearNamed(c, "oos_session");
}

export async function csrfToken(s: Session): Promise<string> {
  const k = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(s.key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return hex(await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(`officeos-dashboard-csrf:${s.nonce}`)));
}

export async function csrfValid(s: Session, token: unknown): Promise<boolean> {
  return typeof token === "string" && timingSafeEqual(token, await csrfToken(s));
}

export type FlashKind = "ok" | "error";
export interface Flash {
  kind: FlashKind;
  text: string;
}

/** A one-shot message shown on the page an action redirects to. */
export function setFlash(c: Context, f: Flash): void {
  setNamed(
    c,
    "oos_flash",
    encodeURIComponent(JSON.stringify({ kind: f.kind, text: f.text.slice(0, 1000) })),
    FLASH_MAX_AGE_S,
  );
}

export function takeFlash(c: Context): Flash | null {
  const v = getCookie(c, cookieName(c, "oos_flash"));
  if (!v) return null;
  clearNamed(c, "oos_flash");
  try {
    const f = JSON.parse(decodeURIComponent(v)) as Partial<Flash>;
    if ((f.kind === "ok" || f.kind === "error") && typeof f.text === "string") return { kind: f.kind, text: f.text };
  } catch {
    /* ignore a mangled cookie */
  }
  return null;
}
