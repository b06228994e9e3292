// Types of agent-runtime-flags.mjs for the TypeScript that imports it (bench/baseline.ts).
export declare const agentHeapMiB: number;
export declare const agentExecArgv: readonly string[];
