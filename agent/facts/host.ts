/**
 * Host facts through systeminformation (OS, network, CPU, memory, uptime) and the few kernel
 * files it does not read: the boot id and the machine id.
 */
import { readFile } from 'node:fs/promises';
import si from 'systeminformation';

/** What the host says about itself. */
export interface HostFacts {
  hostname: string;
  bootId?: string;
  machineId?: string;
  os: {
    name?: string;
    version?: string;
    kernel?: string;
    platform?: string;
    family?: string;
    codename?: string;
  };
  architecture?: string;
  cpus?: number;
  memoryBytes?: number;
  ips: string[];
  macs: string[];
  /** Boot time, ISO-8601, from the uptime. */
  bootTime?: string;
  uptimeSeconds?: number;
}

/** Where the kernel files are read; tests point them elsewhere. */
export interface HostFactPaths {
  bootId: string;
  /** /proc/stat, whose `btime` line is the exact boot time in seconds. */
  procStat: string;
  machineIds: string[];
}

/** The real paths on Linux. */
export const linuxHostFactPaths: HostFactPaths = {
  bootId: '/proc/sys/kernel/random/boot_id',
  procStat: '/proc/stat',
  machineIds: ['/etc/machine-id', '/var/lib/dbus/machine-id'],
};

/** Reads a small file trimmed, or undefined when absent or empty. */
export async function readTrimmed(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The machine id (first readable of the usual files). */
export async function readMachineId(paths: HostFactPaths = linuxHostFactPaths): Promise<string | undefined> {
  for (const file of paths.machineIds) {
    const id = await readTrimmed(file);
    if (id) return id;
  }
  return undefined;
}

/** Collects the host facts; `nowMs` dates the boot time. */
export async function collectHostFacts(
  nowMs: number,
  paths: HostFactPaths = linuxHostFactPaths,
): Promise<HostFacts> {
  const [os, nets, cpu, mem, bootId, machineId, procStat] = await Promise.all([
    si.osInfo(),
    si.networkInterfaces(),
    si.cpu(),
    si.mem(),
    readTrimmed(paths.bootId),
    readMachineId(paths),
    readTrimmed(paths.procStat),
  ]);
  const time = si.time();
  const list = Array.isArray(nets) ? nets : [nets];
  const external = list.filter((n) => !n.internal);
  const uptimeSeconds = Number(time.uptime);
  const facts: HostFacts = {
    hostname: os.hostname,
    os: {
      name: os.distro || undefined,
      version: os.release || undefined,
      kernel: os.kernel || undefined,
      platform: os.platform || undefined,
      family: os.logofile || undefined,
      codename: os.codename || undefined,
    },
    architecture: normalizeArch(os.arch),
    cpus: cpu.cores || undefined,
    memoryBytes: mem.total || undefined,
    ips: uniqueSorted(external.flatMap((n) => [n.ip4, stripZone(n.ip6)]).filter((ip) => ip !== '')),
    macs: uniqueSorted(external.map((n) => n.mac).filter((m) => m !== '' && m !== '00:00:00:00:00:00')),
  };
  if (bootId) facts.bootId = bootId;
  if (machineId) facts.machineId = machineId;
  if (Number.isFinite(uptimeSeconds) && uptimeSeconds > 0) facts.uptimeSeconds = Math.round(uptimeSeconds);
  const btime = parseBootTimeSeconds(procStat);
  if (btime !== undefined) facts.bootTime = new Date(btime * 1000).toISOString();
  else if (facts.uptimeSeconds !== undefined)
    facts.bootTime = new Date(Math.round(nowMs / 1000 - uptimeSeconds) * 1000).toISOString();
  return facts;
}

/** The `btime` of /proc/stat (seconds since the epoch), stable for the whole boot. */
export function parseBootTimeSeconds(procStat: string | undefined): number | undefined {
  const m = procStat ? /^btime (\d+)$/m.exec(procStat) : null;
  return m ? Number(m[1]) : undefined;
}

/** ECS `host.architecture` uses the kernel's names (x86_64, aarch64), Node's are x64/arm64. */
export function normalizeArch(arch: string): string | undefined {
  const names: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686' };
  return arch ? (names[arch] ?? arch) : undefined;
}

/** An IPv6 zone (`fe80::1%eth0`) is not part of the address; Elasticsearch's ip type refuses it. */
function stripZone(ip: string): string {
  return ip.replace(/%.*$/, '');
}

function uniqueSorted(values: string[]): string[] {
  return [...new Set(values)].sort();
}
