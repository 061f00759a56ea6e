// Shell completion scripts for bash and zsh, generated from the command table and the nouns,
// so a new command completes without touching this file. Pure: returns the script text.
import { COMMANDS, GLOBAL_OPTIONS } from "./args.js";
import { NOUNS } from "./nouns.js";
import { FORMATS } from "./output.js";

export const SHELLS = ["bash", "zsh"] as const;
export type Shell = (typeof SHELLS)[number];

/** Words after `officeos <first>`: second command words, or nouns for get/describe/delete. */
function secondWords(): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const c of COMMANDS) {
    const [first, second] = c.words;
    if (first === undefined) continue;
    const list = m.get(first) ?? [];
    if (second !== undefined && !list.includes(second)) list.push(second);
    m.set(first, list);
  }
  for (const verb of ["get", "describe"]) m.set(verb, Object.keys(NOUNS));
  m.set("delete", ["agent"]);
  return m;
}

function flags(): Map<string, string[]> {
  const m = new Map<string, string[]>();
  const global = Object.keys(GLOBAL_OPTIONS).map((o) => `--${o}`);
  for (const c of COMMANDS) {
    const key = c.words.join(" ");
    m.set(key, [...Object.keys(c.options).map((o) => `--${o}`), ...global]);
  }
  return m;
}

export function completionScript(shell: Shell): string {
  const firsts = [...new Set(COMMANDS.map((c) => c.words[0]))].join(" ");
  const seconds = [...secondWords()].filter(([, w]) => w.length > 0);
  const fl = [...flags()];
  if (shell === "bash") {
    const secondCases = seconds.map(([f, w]) => `      ${f}) words="${w.join(" ")}" ;;`).join("\n");
    const flagCases = fl.map(([k, f]) => `      "${k}") words="${f.join(" ")}" ;;`).join("\n");
    return `# officeos bash completion: source <(officeos completion bash)
_officeos() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" words=""
  if [[ "$prev" == "-o" || "$prev" == "--output" ]]; then
    COMPREPLY=($(compgen -W "${FORMATS.join(" ")}" -- "$cur")); return
  fi
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${firsts}" -- "$cur")); return
  fi
  local first="\${COMP_WORDS[1]}" second="\${COMP_WORDS[2]}"
  if [[ "$cur" == -* ]]; then
    case "$first $second" in
${flagCases}
      *) case "$first" in
${fl
  .filter(([k]) => !k.includes(" "))
  .map(([k, f]) => `        ${k}) words="${f.join(" ")}" ;;`)
  .join("\n")}
        esac ;;
    esac
  elif [[ $COMP_CWORD -eq 2 ]]; then
    case "$first" in
${secondCases}
    esac
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _officeos officeos
`;
  }
  const secondCases = seconds.map(([f, w]) => `      ${f}) compadd -- ${w.join(" ")} ;;`).join("\n");
  const flagCases = fl.map(([k, f]) => `      "${k}") compadd -- ${f.join(" ")} ;;`).join("\n");
  return `#compdef officeos
# officeos zsh completion: source <(officeos completion zsh), or save as _officeos on your fpath
_officeos() {
  if [[ "\${words[CURRENT-1]}" == "-o" || "\${words[CURRENT-1]}" == "--output" ]]; then
    compadd -- ${FORMATS.join(" ")}; return
  fi
  if (( CURRENT == 2 )); then
    compadd -- ${firsts}; return
  fi
  if [[ "\${words[CURRENT]}" == -* ]]; then
    case "\${words[2]} \${words[3]}" in
${flagCases}
      *) case "\${words[2]}" in
${fl
  .filter(([k]) => !k.includes(" "))
  .map(([k, f]) => `        ${k}) compadd -- ${f.join(" ")} ;;`)
  .join("\n")}
        esac ;;
    esac
  elif (( CURRENT == 3 )); then
    case "\${words[2]}" in
${secondCases}
    esac
  fi
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then _officeos "$@"; else compdef _officeos officeos; fi
`;
}
