/** The Python SDK's virtualenv (.venv-sdk). */
export const VENV: string;
/** Makes (or reuses, while sdk/python/pyproject.toml and the interpreter are unchanged) .venv-sdk; answers its python. */
export function ensureVenv(): string;
