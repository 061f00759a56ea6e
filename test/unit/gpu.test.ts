// GPU discovery through a stand-in nvidia-smi on PATH (printing the real
// tool's CSV for the runner's query), the device allocator, and pinning.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { discoverGpus, GpuAllocator, gpuEnv, parseNvidiaSmi } from "../../agent-runner/src/gpu.js";

/** `nvidia-smi --query-gpu=index,uuid,memory.total --format=csv,noheader,nounits` on a two-GPU host. */
const CSV = "0, GPU-5f1c2a8e-0000-4b5e-9c1d-000000000000, 16384\n1, GPU-8a7b6c5d-1111-4e3f-8a2b-111111111111, 8192\n";

function standInNvidiaSmi(csv = CSV): string {
  const dir = mkdtempSync(join(tmpdir(), "fake-nvidia-"));
  // Answers only the exact query the runner makes, like the real tool would.
  writeFileSync(
    join(dir, "nvidia-smi"),
    `#!/bin/sh\nif [ "$1" = "--query-gpu=index,uuid,memory.total" ] && [ "$2" = "--format=csv,noheader,nounits" ]; then printf '%s' '${csv}'; exit 0; fi\necho "unexpected arguments: $*" >&2; exit 2\n`,
  );
  chmodSync(join(dir, "nvidia-smi"), 0o755);
  return dir;
}

describe("GPU discovery", () => {
  it("reads devices from nvidia-smi on PATH", async () => {
    const dir = standInNvidiaSmi();
    const d = await discoverGpus(
      { discover: true, nvidia_smi: "nvidia-smi" },
      { ...process.env, PATH: `${dir}:${process.env.PATH}` },
    );
    expect(d).toEqual({
      kind: "ok",
      source: "nvidia-smi",
      devices: [
        { index: 0, uuid: "GPU-5f1c2a8e-0000-4b5e-9c1d-000000000000", memoryMb: 16384 },
        { index: 1, uuid: "GPU-8a7b6c5d-1111-4e3f-8a2b-111111111111", memoryMb: 8192 },
      ],
    });
  });

  it("no nvidia-smi: no GPUs, and a configured list needs none", async () => {
    expect((await discoverGpus({ discover: true, nvidia_smi: "nvidia-smi-absent" })).kind).toBe("none");
    const d = await discoverGpus({
      discover: true,
      nvidia_smi: "nvidia-smi-absent",
      devices: [{ index: 3, uuid: "GPU-x", memory_mb: 1000 }],
    });
    expect(d).toEqual({ kind: "ok", source: "config", devices: [{ index: 3, uuid: "GPU-x", memoryMb: 1000 }] });
  });

  it("rejects output it does not understand", () => {
    expect(() => parseNvidiaSmi("index, uuid, memory.total [MiB]\n")).toThrow(/unexpected nvidia-smi line/);
  });
});

describe("GPU allocator", () => {
  const devices = parseNvidiaSmi(CSV);

  it("advertises the device count and the memory sum", () => {
    expect(new GpuAllocator(devices).capacity()).toEqual({ gpu: 2, gpu_memory_mb: 16384 + 8192 });
    expect(new GpuAllocator([]).capacity()).toEqual({});
  });

  it("never promises one device's memory twice, even when the sum would fit", () => {
    const a = new GpuAllocator(devices);
    // Best fit: 6000 MB goes to the 8 GB device (2192 left), 10 000 to the 16 GB one (6384 left).
    expect(a.allocate("t1", { gpu_memory_mb: 6000 })).toMatchObject({ kind: "ok", devices: [{ index: 1 }] });
    expect(a.allocate("t2", { gpu_memory_mb: 10_000 })).toMatchObject({ kind: "ok", devices: [{ index: 0 }] });
    // 7000 MB: 8576 free in total, but no single device has it.
    expect(a.allocate("t3", { gpu_memory_mb: 7000 })).toMatchObject({ kind: "unavailable" });
    expect(a.promised()).toEqual({ 0: 10_000, 1: 6000 });
    a.release("t2");
    expect(a.allocate("t3", { gpu_memory_mb: 7000 })).toMatchObject({ kind: "ok", devices: [{ index: 0 }] });
  });

  it("gpu: k takes k whole devices for the task alone", () => {
    const a = new GpuAllocator(devices);
    expect(a.allocate("t1", { gpu: 1 })).toMatchObject({ kind: "ok", devices: [{ index: 0 }] });
    // Device 0 is exclusive now: a memory-only task goes to device 1, and a second whole device is not free.
    expect(a.allocate("t2", { gpu_memory_mb: 100 })).toMatchObject({ kind: "ok", devices: [{ index: 1 }] });
    expect(a.allocate("t3", { gpu: 1 })).toMatchObject({ kind: "unavailable" });
    a.release("t1");
    expect(a.allocate("t3", { gpu: 1 })).toMatchObject({ kind: "ok", devices: [{ index: 0 }] });
    expect(a.allocate("t4", {})).toEqual({ kind: "ok", devices: [] });
  });

  it("pins a process to its devices, in nvidia-smi's (PCI bus) order", () => {
    expect(gpuEnv(devices.slice(1))).toEqual({
      CUDA_DEVICE_ORDER: "PCI_BUS_ID",
      CUDA_VISIBLE_DEVICES: "1",
      NVIDIA_VISIBLE_DEVICES: "GPU-8a7b6c5d-1111-4e3f-8a2b-111111111111",
    });
    expect(gpuEnv([])).toEqual({
      CUDA_DEVICE_ORDER: "PCI_BUS_ID",
      CUDA_VISIBLE_DEVICES: "",
      NVIDIA_VISIBLE_DEVICES: "void",
    });
  });
});
