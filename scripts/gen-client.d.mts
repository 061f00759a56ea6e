/** The Worker's /openapi.json, produced in-process, and the TypeScript types generated from it. */
export function generate(): Promise<{ specText: string; typesText: string }>;
