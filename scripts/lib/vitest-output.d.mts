/** The failed tests a vitest run printed, "file > suite > test", sorted and without repeats. */
export function failedTests(output: string): string[];
