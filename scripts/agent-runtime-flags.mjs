// The V8 and Node flags kiln-agent runs with, in one place: baked into the executable
// (SEA `execArgv`), except the heap limit, which the systemd unit sets with
// NODE_OPTIONS=--max-old-space-size next to its MemoryMax= (bake/image-files.ts, the Ansible
// role): a flag baked into the executable wins over NODE_OPTIONS, so `agent.heapMiB` would be
// ignored, and a KILN_DEBUG run (source maps) could not get the heap it needs.
// Why each: https://nodejs.org/docs/latest-v24.x/api/cli.html and `node --v8-options`.
// The old generation holds what the agent keeps (queue, checkpoints, open groups), all bounded
// in bytes by config; 48 MiB leaves headroom over the ~12 MiB it needs. The unit's MemoryMax=
// is set above this plus Node's own non-heap memory.
export const agentHeapMiB = 48;

export const agentExecArgv = [
  // The young generation's semi-spaces default to 16 MiB each; every event is short-lived, and
  // 1 MiB semi-spaces keep the garbage the agent makes between scavenges small.
  '--max-semi-space-size=1',
  // Two GC helper threads are plenty for a heap this small (default: one per core).
  '--v8-pool-size=2',
];
