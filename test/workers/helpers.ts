// Helpers for Worker tests: real requests through the Worker (SELF), no mocks.
import { SELF } from "cloudflare:test";

export const ADMIN_TOKEN = "test-operator-token";
export const BASE = "http://officeos.test";

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(method: string, path: string, key: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
  const h: Record<string, string> = { ...headers };
  if (key) h.authorization = `Bearer ${key}`;
  let payload: BodyInit | undefined;
  if (body instanceof Uint8Array) payload = body;
  else if (typeof body === "string") payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    h["content-type"] ??= "application/json";
  }
  const res = await SELF.fetch(`${BASE}${path}`, { method, headers: h, body: payload });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export async function newTenant(name = "acme"): Promise<string> {
  const r = await call("POST", "/v1/tenants", ADMIN_TOKEN, { name });
  if (r.status !== 201) throw new Error(`tenant: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.api_key as string;
}

export async function newKey(admin: string, scopes: string[]): Promise<string> {
  const r = await call("POST", "/v1/keys", admin, { scopes });
  if (r.status !== 201) throw new Error(`key: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.key as string;
}

export interface Fixture {
  admin: string;
  submit: string;
  runner: string;
  read: string;
}

export async function fixture(): Promise<Fixture> {
  const admin = await newTenant();
  return {
    admin,
    submit: await newKey(admin, ["submit"]),
    runner: await newKey(admin, ["runner"]),
    read: await newKey(admin, ["read"]),
  };
}

export async function ok<T = any>(p: Promise<Reply<T>>, status = 200): Promise<T> {
  const r = await p;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}
