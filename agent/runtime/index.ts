/** The agent runtime's public surface. */
export {
  AgentRuntime,
  type AgentRuntimeOptions,
  defaultOtherSources,
  type ShutdownReport,
  startAgent,
} from './agent-runtime.ts';
