// The sandbox cluster for end-to-end tests, the demo and benchmarks: real OVS nodes in network namespaces.
export { Sandbox, randomPrefix, type SandboxOptions, type Stoppable } from './sandbox.js';
export { SandboxNode, UNDERLAY_BRIDGE, UPLINK } from './node.js';
export { Hub, HUB_BRIDGE } from './hub.js';
export { PodNetns } from './pod.js';
export { OvsInstance } from './ovs.js';
export { cleanupStale, DEFAULT_TEMP_ROOT, type StaleCleanupReport } from './cleanup.js';
export { execIn, netnsPath, type NetnsHandle } from './netns.js';
export { ping, tcpConnect, verdictOf, TcpListener, type PingOptions, type PingResult, type TcpOutcome, type TcpResult, type TcpVerdict } from './traffic.js';
export { UdpEcho, udpExchange, type UdpOutcome, type UdpResult } from './udp.js';
export { ContinuousPinger, type PingerReport } from './pinger.js';
export { SandboxCommandError, TrackedProcess, type RunOptions, type RunResult } from './process.js';
