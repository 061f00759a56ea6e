// The seccomp denylist bwrap loads for an agent (`--seccomp FD` takes a compiled
// classic-BPF program), generated here rather than by libseccomp: the program is
// a straight line of compares, small enough to read in full (see
// linux/Documentation/userspace-api/seccomp_filter.rst and linux/filter.h).
//
//   ld arch; jeq NATIVE else deny    (an i386 `int 0x80` or x32 call bypasses a number list)
//   ld nr;   [x86_64: jge 0x40000000 → deny]   (x32 numbers)
//   ld nr;   jeq clone → check its flags for CLONE_NEWUSER
//   jeq n1 → deny; jeq n2 → deny; …; allow
//
// Denied calls answer EPERM (not a kill): a runtime that probes for one (libuv and
// io_uring, glibc and clone3) falls back instead of dying. Pure.

export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_ERRNO = 0x00050000;
const EPERM = 1;
const ENOSYS = 38;
const CLONE_NEWUSER = 0x10000000;

/** What an agent has no business calling: tracing, mounting, kernels, keys, BPF, namespaces, clocks. */
export const DENIED = [
  "ptrace",
  "process_vm_readv",
  "process_vm_writev",
  "mount",
  "umount2",
  "pivot_root",
  "chroot",
  "open_tree",
  "move_mount",
  "fsopen",
  "fsconfig",
  "fsmount",
  "fspick",
  "mount_setattr",
  "kexec_load",
  "kexec_file_load",
  "init_module",
  "finit_module",
  "delete_module",
  "reboot",
  "swapon",
  "swapoff",
  "bpf",
  "perf_event_open",
  "userfaultfd",
  "keyctl",
  "add_key",
  "request_key",
  "unshare",
  "setns",
  "open_by_handle_at",
  "name_to_handle_at",
  "acct",
  "quotactl",
  "settimeofday",
  "clock_settime",
  "clock_adjtime",
  "adjtimex",
  "syslog",
  "vhangup",
  "lookup_dcookie",
  "io_uring_setup",
  "io_uring_enter",
  "io_uring_register",
  "iopl",
  "ioperm",
] as const;

type Arch = { audit: number; x32: boolean; clone: number; clone3: number; nr: Partial<Record<string, number>> };

/** Syscall numbers: x86_64 from arch/x86/entry/syscalls/syscall_64.tbl, arm64 from include/uapi/asm-generic/unistd.h. */
const ARCHES: Record<string, Arch> = {
  x64: {
    audit: 0xc000003e,
    x32: true,
    clone: 56,
    clone3: 435,
    nr: {
      ptrace: 101,
      process_vm_readv: 310,
      process_vm_writev: 311,
      mount: 165,
      umount2: 166,
      pivot_root: 155,
      chroot: 161,
      open_tree: 428,
      move_mount: 429,
      fsopen: 430,
      fsconfig: 431,
      fsmount: 432,
      fspick: 433,
      mount_setattr: 442,
      kexec_load: 246,
      kexec_file_load: 320,
      init_module: 175,
      finit_module: 313,
      delete_module: 176,
      reboot: 169,
      swapon: 167,
      swapoff: 168,
      bpf: 321,
      perf_event_open: 298,
      userfaultfd: 323,
      keyctl: 250,
      add_key: 248,
      request_key: 249,
      unshare: 272,
      setns: 308,
      open_by_handle_at: 304,
      name_to_handle_at: 303,
      acct: 163,
      quotactl: 179,
      settimeofday: 164,
      clock_settime: 227,
      clock_adjtime: 305,
      adjtimex: 159,
      syslog: 103,
      vhangup: 153,
      lookup_dcookie: 212,
      io_uring_setup: 425,
      io_uring_enter: 426,
      io_uring_register: 427,
      iopl: 172,
      ioperm: 173,
    },
  },
  arm64: {
    audit: 0xc00000b7,
    x32: false,
    clone: 220,
    clone3: 435,
    nr: {
      ptrace: 117,
      process_vm_readv: 270,
      process_vm_writev: 271,
      mount: 40,
      umount2: 39,
      pivot_root: 41,
      chroot: 51,
      open_tree: 428,
      move_mount: 429,
      fsopen: 430,
      fsconfig: 431,
      fsmount: 432,
      fspick: 433,
      mount_setattr: 442,
      kexec_load: 104,
      kexec_file_load: 294,
      init_module: 105,
      finit_module: 273,
      delete_module: 106,
      reboot: 142,
      swapon: 224,
      swapoff: 225,
      bpf: 280,
      perf_event_open: 241,
      userfaultfd: 282,
      keyctl: 219,
      add_key: 217,
      request_key: 218,
      unshare: 97,
      setns: 268,
      open_by_handle_at: 265,
      name_to_handle_at: 264,
      acct: 89,
      quotactl: 60,
      settimeofday: 170,
      clock_settime: 112,
      clock_adjtime: 266,
      adjtimex: 171,
      syslog: 116,
      vhangup: 58,
      lookup_dcookie: 18,
      io_uring_setup: 425,
      io_uring_enter: 426,
      io_uring_register: 427,
    },
  },
};

// Classic BPF opcodes (linux/bpf_common.h).
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;
// struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6].
const OFF_NR = 0;
const OFF_ARCH = 4;
const OFF_ARG0_LO = 16; // little-endian: the low 32 bits of args[0] come first

interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** The compiled filter for `arch` (process.arch), or null when this file has no syscall table for it. */
export function seccompProgram(arch: string = process.arch): Buffer | null {
  const a = ARCHES[arch];
  if (!a) return null;
  const denyNrs = DENIED.map((n) => a.nr[n]).filter((n): n is number => n !== undefined);
  const p: Insn[] = [];
  const deny = SECCOMP_RET_ERRNO | EPERM;
  // Jumps are relative offsets resolved at the end: labels are the indices of the final returns.
  type Label = "allow" | "deny" | "nosys";
  type Pending = Insn & { toT?: Label; toF?: Label };
  const q: Pending[] = [];
  q.push({ code: LD_W_ABS, jt: 0, jf: 0, k: OFF_ARCH });
  q.push({ code: JEQ_K, jt: 0, jf: 0, k: a.audit, toF: "deny" });
  q.push({ code: LD_W_ABS, jt: 0, jf: 0, k: OFF_NR });
  if (a.x32) q.push({ code: JGE_K, jt: 0, jf: 0, k: 0x40000000, toT: "deny" });
  // clone3 passes its flags in memory a filter cannot read: ENOSYS, and glibc falls back to clone.
  q.push({ code: JEQ_K, jt: 0, jf: 0, k: a.clone3, toT: "nosys" });
  // clone(flags, …): CLONE_NEWUSER refused (no nested user namespace), the rest allowed.
  q.push({ code: JEQ_K, jt: 0, jf: 2, k: a.clone });
  q.push({ code: LD_W_ABS, jt: 0, jf: 0, k: OFF_ARG0_LO });
  q.push({ code: JSET_K, jt: 0, jf: 0, k: CLONE_NEWUSER, toT: "deny", toF: "allow" });
  for (const n of denyNrs) q.push({ code: JEQ_K, jt: 0, jf: 0, k: n, toT: "deny" });
  const allowAt = q.length;
  const denyAt = allowAt + 1;
  const nosysAt = allowAt + 2;
  const target = (t: Label) => (t === "allow" ? allowAt : t === "deny" ? denyAt : nosysAt);
  q.forEach((ins, i) => {
    const jt = ins.toT ? target(ins.toT) - i - 1 : ins.jt;
    const jf = ins.toF ? target(ins.toF) - i - 1 : ins.jf;
    if (jt > 255 || jf > 255) throw new Error("seccomp program too long for 8-bit jumps");
    p.push({ code: ins.code, jt, jf, k: ins.k });
  });
  p.push({ code: RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ALLOW });
  p.push({ code: RET_K, jt: 0, jf: 0, k: deny });
  p.push({ code: RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ERRNO | ENOSYS });
  const out = Buffer.alloc(p.length * 8);
  p.forEach((ins, i) => {
    out.writeUInt16LE(ins.code, i * 8);
    out.writeUInt8(ins.jt, i * 8 + 2);
    out.writeUInt8(ins.jf, i * 8 + 3);
    out.writeUInt32LE(ins.k >>> 0, i * 8 + 4);
  });
  return out;
}
