export interface Trick {
  name: string;
  method: string;
  target: string;
}
export const ROUTES: { method: string; path: string }[];
export const ESCAPES: string[];
export function corpus(): Trick[];
export const WIRE: [string, string][];
export function rawRequest(
  method: string,
  target: string,
  token: string,
  extraHeaders?: Record<string, string>,
): Buffer;
