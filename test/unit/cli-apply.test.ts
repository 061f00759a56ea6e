// `officeos apply`: agents files and the created / updated / unchanged decision.
import { describe, expect, it } from "vitest";
import { normalizeAgentSpec } from "../../src/durable/tenant/rows.js";
import { canonical, checkUnique, diffAgent, parseAgentsFile } from "../../cli/src/apply.js";
import { CliError } from "../../cli/src/errors.js";

/** What GET /v1/agents/{name} answers for an agent stored from `{resources: {cpu: 100}}`. */
/** What GET /v1/agents/echo answers for an agent stored with {resources: {cpu: 100}}: every default filled in. */
const stored = {
  name: "echo",
  ...normalizeAgentSpec({ resources: { cpu: 100 } }),
  updated_at: "2026-01-01T00:00:00.000Z",
};

describe("parseAgentsFile", () => {
  it("reads one agent, a YAML list, and several YAML documents", () => {
    const text = [
      "kind: Agent\nname: a\nspec: {resources: {cpu: 100}}",
      "- {kind: Agent, name: b}\n- kind: Agent\n  name: c\n  spec:\n    weight: 2",
      "apiVersion: officeos/v1\nkind: List\nitems:\n  - {kind: Agent, name: d}",
    ].join("\n---\n");
    const docs = parseAgentsFile(text, "agents.yaml");
    expect(docs.map((d) => d.name)).toEqual(["a", "b", "c", "d"]);
    expect(docs[1]!.spec).toEqual({});
    expect(docs[2]!.spec).toEqual({ weight: 2 });
  });

  it("reads JSON", () => {
    expect(
      parseAgentsFile(JSON.stringify([{ kind: "Agent", name: "j", spec: { preemptible: false } }]), "a.json"),
    ).toEqual([{ kind: "Agent", name: "j", spec: { preemptible: false } }]);
  });

  it("refuses a spec the API would refuse, saying where", () => {
    const e = (() => {
      try {
        parseAgentsFile(
          "- {kind: Agent, name: ok}\n- {kind: Agent, name: bad, spec: {weight: -1, colour: red}}",
          "x.yaml",
        );
      } catch (err) {
        return err as CliError;
      }
      throw new Error("parsed");
    })();
    expect(e).toBeInstanceOf(CliError);
    expect(e.message).toMatch(/^x\.yaml item 2 \(agent "bad"\) is not a valid agent/);
    expect(e.message).toMatch(/weight/);
    expect(e.message).toMatch(/colour/);
  });

  it("refuses other kinds, bad names and broken YAML", () => {
    expect(() => parseAgentsFile("kind: Runner\nname: r", "f")).toThrow(/not a valid agent/);
    expect(() => parseAgentsFile("kind: Agent\nname: 'has space'", "f")).toThrow(/not a valid agent/);
    expect(() => parseAgentsFile("kind: Agent\nname: [", "f")).toThrow(CliError);
  });

  it("refuses the same agent twice", () => {
    expect(() => checkUnique(parseAgentsFile("- {kind: Agent, name: a}\n- {kind: Agent, name: a}", "f"))).toThrow(
      /"a" appears more than once/,
    );
  });
});

describe("diffAgent", () => {
  it("creates what the server does not have", () => {
    expect(diffAgent("echo", {}, undefined)).toEqual({ name: "echo", action: "created" });
  });

  it("is unchanged when a PUT would store the same thing, defaults and key order included", () => {
    expect(diffAgent("echo", { resources: { cpu: 100 } }, stored)).toEqual({ name: "echo", action: "unchanged" });
    expect(
      diffAgent("echo", { resources: { cpu: 100 }, weight: 1, preemptible: true, retry: { max_attempts: 3 } }, stored)
        .action,
    ).toBe("unchanged");
    // The server stores capabilities sorted and without duplicates.
    expect(
      diffAgent(
        "x",
        { capabilities: ["sql", "crm", "sql"] },
        { ...stored, resources: {}, capabilities: ["crm", "sql"] },
      ).action,
    ).toBe("unchanged");
  });

  it("names the fields that change, including one reset to its default by omission", () => {
    expect(diffAgent("echo", { resources: { cpu: 200 }, weight: 2 }, stored)).toEqual({
      name: "echo",
      action: "updated",
      fields: ["resources", "weight"],
    });
    expect(
      diffAgent("echo", { resources: { cpu: 100 } }, { ...stored, retry: { ...stored.retry, max_attempts: 5 } }),
    ).toEqual({ name: "echo", action: "updated", fields: ["retry"] });
  });

  it("ignores fields only a newer server knows", () => {
    expect(diffAgent("echo", { resources: { cpu: 100 } }, { ...stored, something_new: { a: 1 } }).action).toBe(
      "unchanged",
    );
  });
});

describe("canonical", () => {
  it("sorts keys at every depth but keeps array order", () => {
    expect(canonical({ b: 1, a: { d: [2, 1], c: 3 } })).toBe('{"a":{"c":3,"d":[2,1]},"b":1}');
  });
});
