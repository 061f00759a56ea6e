/** One virtualenv per framework (.venv-sdk, .venv-openai-agents, .venv-crewai). */
export const FRAMEWORKS: Record<"sdk" | "openai-agents" | "crewai", { dir: string; packages: string[] }>;
/** Makes (or reuses, while its packages, sdk/python/pyproject.toml and the interpreter are unchanged) a venv; answers its python. */
export function ensureVenv(name?: "sdk" | "openai-agents" | "crewai"): string;
