// How deep and how big a parsed JSON body is, checked without recursion (a
// deeply nested body must not exhaust the stack of the code that checks it).

/** Why `value` is too deep or too big, or null when it is within both limits. */
export function jsonShapeProblem(value: unknown, maxDepth: number, maxNodes: number): string | null {
  const stack: [unknown, number][] = [[value, 1]];
  let nodes = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (++nodes > maxNodes) return `JSON body has more than ${maxNodes} values`;
    if (v === null || typeof v !== "object") continue;
    if (depth > maxDepth) return `JSON body is nested deeper than ${maxDepth} levels`;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>))
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
      else if (++nodes > maxNodes) return `JSON body has more than ${maxNodes} values`;
  }
  return null;
}
