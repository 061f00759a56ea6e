// The dashboard session: the API key lives only in an HttpOnly, SameSite=Strict
// cookie (Secure, and `__Host-` prefixed, over https); it is never put in a URL,
// a page or a log line. Each sign-in draws a random nonce; the per-session CSRF
// token that every form carries is HMAC-SHA256(key, nonce), so it cannot be
// forged without the key and changes with every sign-in.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";
import { timingSafeEqual } from "../auth/keys.js";

export const SESSION_MAX_AGE_S = 12 * 60 * 60;
const FLASH_MAX_AGE_S = 60;

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
  key: string;
  nonce: string;
}

function hex(bytes: ArrayBuffer | Uint8Array): string {
  let s = "";
  for (const x of bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)) s += x.toString(16).padStart(2, "0");
  return s;
}

export function readSession(c: Context): Session | null {
  const v = getCookie(c, cookieName(c, "oos_session"));
  if (!v) return null;
  const dot = v.indexOf(".");
  if (dot <= 0) return null;
  const nonce = v.slice(0, dot);
  const key = v.slice(dot + 1);
  if (!/^[0-9a-f]{32}$/.test(nonce) || key.length === 0 || key.length > 256) return null;
  return { key, nonce };
}

export function startSession(c: Context, key: string): Session {
  const nonce = hex(crypto.getRandomValues(new Uint8Array(16)));
  setNamed(c, "oos_session", `${nonce}.${key}`, SESSION_MAX_AGE_S);
  return { key, nonce };
}

export function endSession(c: Context): void {
  clearNamed(c, "oos_session");
}

export async function csrfToken(s: Session): Promise<string> {
  const k = await crypto.subtle.importKey("raw", new TextEncoder().encode(s.key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
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
  setNamed(c, "oos_flash", encodeURIComponent(JSON.stringify({ kind: f.kind, text: f.text.slice(0, 1000) })), FLASH_MAX_AGE_S);
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
