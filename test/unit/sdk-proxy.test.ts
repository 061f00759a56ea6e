// The TypeScript SDK makes Node's fetch honour HTTP_PROXY/NO_PROXY (sdk/typescript/src/index.ts
// useProxyFromEnv, which runAgent calls): a request to a host goes through the proxy, one to a
// NO_PROXY host does not.
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { useProxyFromEnv } from "@officeos/sdk";

const servers: Server[] = [];
const listen = async (s: Server) => {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  return (s.address() as AddressInfo).port;
};
afterAll(() => {
  for (const s of servers) s.closeAllConnections?.(), s.close();
});

describe("SDK proxy from the environment", () => {
  it("does nothing without proxy variables; with them, fetch goes through the proxy except NO_PROXY hosts", async () => {
    expect(await useProxyFromEnv({})).toBe(false);
    const upPort = await listen(createServer((req, res) => res.end(`up ${req.url}`)));
    const tunnels: string[] = [];
    const proxy = createServer();
    proxy.on("connect", (req, sock) => {
      tunnels.push(req.url ?? "");
      const [, p] = (req.url ?? "").split(":");
      const u = connect(
        Number(p),
        "127.0.0.1",
        () => (sock.write("HTTP/1.1 200 OK\r\n\r\n"), u.pipe(sock), sock.pipe(u)),
      );
    });
    const proxyPort = await listen(proxy);
    const env = { HTTP_PROXY: `http://127.0.0.1:${proxyPort}`, NO_PROXY: "127.0.0.1" };
    Object.assign(process.env, env);
    expect(await useProxyFromEnv(env)).toBe(true);
    const viaName = await fetch(`http://localhost:${upPort}/named`);
    expect(await viaName.text()).toBe("up /named");
    expect(tunnels).toEqual([`localhost:${upPort}`]);
    const direct = await fetch(`http://127.0.0.1:${upPort}/direct`);
    expect(await direct.text()).toBe("up /direct");
    expect(tunnels).toHaveLength(1);
  });
});
