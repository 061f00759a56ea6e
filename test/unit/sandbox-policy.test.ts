// The bwrap mount policy (agent-runner/src/sandbox-bwrap.ts) and the seccomp program
// (agent-runner/src/seccomp.ts), both pure: the argv the policy states, and the compiled
// BPF run through a small classic-BPF interpreter written here from linux/filter.h.
import { describe, expect, it } from "vitest";
import { bwrapArgs, RUNTIME_SOCKET_IN_SANDBOX, visibleThrough } from "../../agent-runner/src/sandbox-bwrap.js";
import { DENIED, SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO, seccompProgram } from "../../agent-runner/src/seccomp.js";
import { agentRuntimeUrl, gpuNodes } from "../../agent-runner/src/task-spawn.js";

const target = {
  drop: { uid: 61000, gid: 61000 },
  workRoot: "/srv/officeos",
  workDir: "/srv/officeos/r1-task_a-1",
  runtimeSocket: "/srv/officeos/.state/r1/runtime.sock",
  runtimePort: 4100,
  egressSocket: "/srv/officeos/.state/r1/egress-a.sock",
  devices: [] as [string, string][],
  seccompFd: 3,
  exists: () => true,
};
const policy = { roPaths: ["/opt/venv"], rwPaths: [], tmpMb: 16, hideFiles: ["/etc/officeos/runner.yaml"] };

/** Pairs of [flag, operand...] as one string per mount, for reading the order. */
function mounts(a: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const f = a[i] as string;
    if (["--ro-bind", "--bind", "--dev-bind-try"].includes(f)) out.push(`${f} ${a[i + 1]} ${a[i + 2]}`);
    if (["--tmpfs", "--dev", "--proc"].includes(f)) out.push(`${f} ${a[i + 1]}`);
  }
  return out;
}

describe("bwrap mount policy (pure)", () => {
  it("read-only root, private tmp dirs, hidden /run /root /home, work root hidden but the task's dir", () => {
    const a = bwrapArgs(policy, target);
    expect(mounts(a)).toEqual([
      "--ro-bind / /",
      "--dev /dev",
      "--proc /proc",
      "--tmpfs /tmp",
      "--tmpfs /var/tmp",
      "--tmpfs /dev/shm",
      "--tmpfs /run",
      "--tmpfs /root",
      "--tmpfs /home",
      "--ro-bind /opt/venv /opt/venv",
      "--tmpfs /srv/officeos",
      "--ro-bind /dev/null /etc/officeos/runner.yaml",
      "--bind /srv/officeos/r1-task_a-1 /srv/officeos/r1-task_a-1",
      `--bind /srv/officeos/.state/r1/runtime.sock ${RUNTIME_SOCKET_IN_SANDBOX}`,
      "--bind /srv/officeos/.state/r1/egress-a.sock /run/officeos/egress.sock",
    ]);
    // The private tmp dirs are small (tmp_mb each) and world-writable with the sticky bit.
    expect(a.join(" ")).toContain(`--perms 1777 --size ${16 << 20} --tmpfs /tmp`);
    for (const f of ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--die-with-parent"])
      expect(a).toContain(f);
    // Root runner: no user namespace (the agent's uid is a host uid); every capability but the three setpriv needs.
    expect(a).not.toContain("--unshare-user");
    expect(a.join(" ")).toContain("--cap-drop ALL --cap-add CAP_SETUID --cap-add CAP_SETGID --cap-add CAP_SETPCAP");
    expect(a.join(" ")).toContain("--seccomp 3");
    expect(a.at(-1)).toBe("--");
  });

  it("not root: a user namespace with nested ones disabled, all capabilities dropped", () => {
    const a = bwrapArgs(policy, { ...target, drop: null });
    expect(a).toContain("--unshare-user");
    expect(a).toContain("--disable-userns");
    expect(a.join(" ")).toContain("--cap-drop ALL");
    expect(a).not.toContain("--cap-add");
  });

  it("the config file is covered only where it is still visible; absent paths are skipped", () => {
    const hiddenAlready = bwrapArgs({ ...policy, hideFiles: ["/root/runner.yaml", "/srv/officeos/r.json"] }, target);
    expect(mounts(hiddenAlready).filter((m) => m.startsWith("--ro-bind /dev/null"))).toEqual([]);
    const a = bwrapArgs(policy, { ...target, exists: (p) => p !== "/opt/venv" && p !== "/home" });
    expect(mounts(a)).not.toContain("--ro-bind /opt/venv /opt/venv");
    expect(mounts(a)).not.toContain("--tmpfs /home");
    expect(
      visibleThrough(
        [
          { dest: "/", shows: true },
          { dest: "/tmp", shows: false },
        ],
        "/tmpx/a",
      ),
    ).toBe(true);
    expect(
      visibleThrough(
        [
          { dest: "/", shows: true },
          { dest: "/tmp", shows: false },
        ],
        "/tmp/a",
      ),
    ).toBe(false);
  });

  it("a task sees its own GPUs and the control nodes; none without a GPU", () => {
    expect(gpuNodes("/dev", [])).toEqual([]);
    const nodes = gpuNodes("/fake/dev", [{ index: 1, uuid: "GPU-1", memoryMb: 1 }]);
    expect(nodes[0]).toEqual(["/fake/dev/nvidia1", "/dev/nvidia1"]);
    expect(nodes.map(([, d]) => d)).toContain("/dev/nvidiactl");
    expect(nodes.map(([, d]) => d)).not.toContain("/dev/nvidia0");
    const a = bwrapArgs(policy, { ...target, devices: nodes });
    expect(a.join(" ")).toContain("--dev-bind-try /fake/dev/nvidia1 /dev/nvidia1");
  });

  it("the agent's runtime URL is the forwarder's 127.0.0.1 under bwrap, unchanged otherwise", () => {
    expect(agentRuntimeUrl("http://127.0.0.1:4100", { kind: "bwrap", userns: false })).toBe("http://127.0.0.1:4100");
    expect(agentRuntimeUrl("http://10.0.0.5:4100", { kind: "bwrap", userns: false })).toBe("http://127.0.0.1:4100");
    expect(agentRuntimeUrl("http://10.0.0.5:4100", { kind: "unshare", userns: false })).toBe("http://10.0.0.5:4100");
  });
});

// ---- seccomp ---------------------------------------------------------------------------

/** Runs a classic BPF seccomp program over (arch, nr, arg0): the returned action. */
function run(prog: Buffer, data: { arch: number; nr: number; arg0?: number }): number {
  let acc = 0;
  for (let pc = 0; pc < prog.length / 8; ) {
    const code = prog.readUInt16LE(pc * 8);
    const jt = prog.readUInt8(pc * 8 + 2);
    const jf = prog.readUInt8(pc * 8 + 3);
    const k = prog.readUInt32LE(pc * 8 + 4);
    if (code === 0x20) {
      acc = k === 0 ? data.nr : k === 4 ? data.arch : k === 16 ? (data.arg0 ?? 0) : 0;
      pc++;
    } else if (code === 0x06) return k;
    else if (code === 0x15) pc += 1 + (acc === k ? jt : jf);
    else if (code === 0x35) pc += 1 + (acc >>> 0 >= k ? jt : jf);
    else if (code === 0x45) pc += 1 + ((acc & k) !== 0 ? jt : jf);
    else throw new Error(`opcode ${code}`);
  }
  throw new Error("fell off the end");
}

describe("seccomp denylist (pure)", () => {
  const X64 = 0xc000003e;
  const prog = seccompProgram("x64") as Buffer;
  const EPERM = SECCOMP_RET_ERRNO | 1;

  it("denies the named calls with EPERM and allows the rest", () => {
    expect(run(prog, { arch: X64, nr: 101 })).toBe(EPERM); // ptrace
    expect(run(prog, { arch: X64, nr: 165 })).toBe(EPERM); // mount
    expect(run(prog, { arch: X64, nr: 321 })).toBe(EPERM); // bpf
    expect(run(prog, { arch: X64, nr: 250 })).toBe(EPERM); // keyctl
    expect(run(prog, { arch: X64, nr: 246 })).toBe(EPERM); // kexec_load
    expect(run(prog, { arch: X64, nr: 272 })).toBe(EPERM); // unshare
    for (const nr of [0, 1, 2, 9, 57, 59, 60, 231, 257]) expect(run(prog, { arch: X64, nr })).toBe(SECCOMP_RET_ALLOW);
    expect(DENIED).toContain("ptrace");
  });

  it("clone: CLONE_NEWUSER refused, a thread or a fork allowed; clone3 says ENOSYS (glibc falls back)", () => {
    expect(run(prog, { arch: X64, nr: 56, arg0: 0x10000000 | 17 })).toBe(EPERM);
    expect(run(prog, { arch: X64, nr: 56, arg0: 0x3d0f00 })).toBe(SECCOMP_RET_ALLOW);
    // flags that happen to equal a denied number are still just flags.
    expect(run(prog, { arch: X64, nr: 56, arg0: 101 })).toBe(SECCOMP_RET_ALLOW);
    expect(run(prog, { arch: X64, nr: 435 })).toBe(SECCOMP_RET_ERRNO | 38);
  });

  it("a foreign architecture (i386 int 0x80) and x32 numbers are refused outright", () => {
    expect(run(prog, { arch: 0x40000003, nr: 1 })).toBe(EPERM);
    expect(run(prog, { arch: X64, nr: 0x40000000 + 1 })).toBe(EPERM);
  });

  it("arm64 has a table; an unknown architecture gets none", () => {
    const arm = seccompProgram("arm64") as Buffer;
    expect(run(arm, { arch: 0xc00000b7, nr: 117 })).toBe(EPERM); // ptrace
    expect(run(arm, { arch: 0xc00000b7, nr: 63 })).toBe(SECCOMP_RET_ALLOW); // read
    expect(seccompProgram("mips")).toBeNull();
  });
});
