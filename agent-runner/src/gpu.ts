// GPUs on this runner: discovered with nvidia-smi (or listed in the config),
// advertised as `gpu` (device count) and `gpu_memory_mb` (their sum), and
// handed to tasks by a local allocator that pins each task to devices with
// CUDA_VISIBLE_DEVICES / NVIDIA_VISIBLE_DEVICES.
//
// The control plane sees only sums, so two tasks may fit its arithmetic yet
// not any one device; this allocator is what keeps one device's memory from
// being promised twice. Rules:
//   - `gpu: k` asks for k whole devices, used by that task alone; its
//     `gpu_memory_mb` (if any) is split evenly over them and must fit each;
//   - `gpu_memory_mb` alone asks for that much memory on one device, which
//     other memory-only tasks may share (best fit: the fullest device that fits);
//   - a task that asks for neither sees no GPU at all.
import { execFile } from "node:child_process";

export interface GpuDevice {
  index: number;
  uuid: string;
  memoryMb: number;
}

/** Parses `nvidia-smi --query-gpu=index,uuid,memory.total --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(csv: string): GpuDevice[] {
  const out: GpuDevice[] = [];
  for (const line of csv.split("\n")) {
    if (!line.trim()) continue;
    const [index, uuid, mem] = line.split(",").map((s) => s.trim());
    const i = Number(index);
    const m = Number(mem);
    if (!Number.isInteger(i) || !uuid || !Number.isFinite(m))
      throw new Error(`unexpected nvidia-smi line: ${JSON.stringify(line)}`);
    out.push({ index: i, uuid, memoryMb: m });
  }
  return out.sort((a, b) => a.index - b.index);
}

export const NVIDIA_SMI_ARGS = ["--query-gpu=index,uuid,memory.total", "--format=csv,noheader,nounits"];

export type Discovery =
  | { kind: "ok"; devices: GpuDevice[]; source: "config" | "nvidia-smi" }
  | { kind: "none"; reason: string };

export function discoverGpus(
  cfg: {
    discover: boolean;
    nvidia_smi: string;
    devices?: { index: number; uuid: string; memory_mb: number }[] | undefined;
  },
  env: NodeJS.ProcessEnv = process.env,
): Promise<Discovery> {
  if (cfg.devices)
    return Promise.resolve({
      kind: "ok",
      source: "config",
      devices: cfg.devices.map((d) => ({ index: d.index, uuid: d.uuid, memoryMb: d.memory_mb })),
    });
  if (!cfg.discover) return Promise.resolve({ kind: "none", reason: "discovery turned off" });
  return new Promise((resolve) => {
    execFile(cfg.nvidia_smi, NVIDIA_SMI_ARGS, { timeout: 10_000, env }, (err, stdout) => {
      if (err)
        return resolve({
          kind: "none",
          reason: (err as NodeJS.ErrnoException).code === "ENOENT" ? `${cfg.nvidia_smi} not found` : err.message,
        });
      try {
        resolve({ kind: "ok", source: "nvidia-smi", devices: parseNvidiaSmi(stdout) });
      } catch (e) {
        resolve({ kind: "none", reason: (e as Error).message });
      }
    });
  });
}

export type GpuGrant = { kind: "ok"; devices: GpuDevice[] } | { kind: "unavailable"; reason: string };

interface DeviceState {
  device: GpuDevice;
  usedMb: number;
  holders: Map<string, number>;
  exclusive: boolean;
}

export class GpuAllocator {
  private readonly state: DeviceState[];

  constructor(devices: GpuDevice[]) {
    this.state = devices.map((device) => ({ device, usedMb: 0, holders: new Map(), exclusive: false }));
  }

  get count(): number {
    return this.state.length;
  }

  /** What the runner advertises: device count and total memory. */
  capacity(): { gpu: number; gpu_memory_mb: number } | Record<string, never> {
    if (this.state.length === 0) return {};
    return { gpu: this.state.length, gpu_memory_mb: this.state.reduce((s, d) => s + d.device.memoryMb, 0) };
  }

  allocate(holder: string, req: { gpu?: number | undefined; gpu_memory_mb?: number | undefined }): GpuGrant {
    const k = Math.ceil(req.gpu ?? 0);
    const mem = req.gpu_memory_mb ?? 0;
    if (k === 0 && mem === 0) return { kind: "ok", devices: [] };
    if (k > 0) {
      const each = mem / k;
      const free = this.state.filter((d) => d.holders.size === 0 && d.device.memoryMb >= each);
      if (free.length < k)
        return {
          kind: "unavailable",
          reason: `needs ${k} free device(s) with ${each} MB each; ${free.length} available`,
        };
      const picked = free.slice(0, k);
      for (const d of picked) {
        d.exclusive = true;
        d.usedMb += each;
        d.holders.set(holder, each);
      }
      return { kind: "ok", devices: picked.map((d) => d.device) };
    }
    const fits = this.state.filter((d) => !d.exclusive && d.device.memoryMb - d.usedMb >= mem);
    if (fits.length === 0) return { kind: "unavailable", reason: `no device has ${mem} MB free` };
    // Best fit; ties by index, so the choice does not depend on order of arrival.
    fits.sort(
      (a, b) => a.device.memoryMb - a.usedMb - (b.device.memoryMb - b.usedMb) || a.device.index - b.device.index,
    );
    const d = fits[0] as DeviceState;
    d.usedMb += mem;
    d.holders.set(holder, mem);
    return { kind: "ok", devices: [d.device] };
  }

  release(holder: string): void {
    for (const d of this.state) {
      const mb = d.holders.get(holder);
      if (mb === undefined) continue;
      d.holders.delete(holder);
      d.usedMb = Math.max(0, d.usedMb - mb);
      if (d.holders.size === 0) d.exclusive = false;
    }
  }

  /** Memory promised per device index, for logs and tests. */
  promised(): Record<number, number> {
    return Object.fromEntries(this.state.map((d) => [d.device.index, d.usedMb]));
  }
}

/** The environment that pins a process to its devices (none: sees no GPU). */
export function gpuEnv(devices: GpuDevice[]): Record<string, string> {
  return {
    // nvidia-smi numbers devices in PCI bus order; CUDA's default order may differ.
    CUDA_DEVICE_ORDER: "PCI_BUS_ID",
    CUDA_VISIBLE_DEVICES: devices.map((d) => d.index).join(","),
    NVIDIA_VISIBLE_DEVICES: devices.length ? devices.map((d) => d.uuid).join(",") : "void",
  };
}
