// The daemon's heartbeat record in etcd, `<Name>/nodes/<HostIP>` on a lease: written by the daemon, read by k8s-ovs-adm.
import { RecordError } from './records.js';
import { WireObject, WireObjectError } from './wire.js';

/** Three missed beats: a daemon that stopped (or froze) disappears from `status` within 30 s. */
export const HEARTBEAT_TTL_SECONDS = 30;

/** `<Name>/nodes/`: one heartbeat per running daemon, keyed by its node IP. */
export function heartbeatPrefix(networkName: string): string {
  return `${networkName}/nodes/`;
}

export function heartbeatKey(networkName: string, hostIp: string): string {
  return `${heartbeatPrefix(networkName)}${hostIp}`;
}

/** `{"Host","Version","PipelineVersion","Time"}`: which daemon runs where, and since when it was last heard. */
export interface Heartbeat {
  readonly host: string;
  readonly version: string;
  readonly pipelineVersion: number;
  /** RFC 3339 time of the last beat. */
  readonly time: string;
}

export function serializeHeartbeat(beat: Heartbeat): string {
  return JSON.stringify({ Host: beat.host, Version: beat.version, PipelineVersion: beat.pipelineVersion, Time: beat.time });
}

export function parseHeartbeat(key: string, text: string): Heartbeat {
  try {
    const json = WireObject.parse(text);
    const time = json.string('Time');
    if (Number.isNaN(Date.parse(time))) throw new RecordError(key, 'Time', time, `Time "${time}" is not an RFC 3339 time`);
    return { host: json.string('Host'), version: json.string('Version'), pipelineVersion: json.integer('PipelineVersion'), time };
  } catch (error) {
    if (error instanceof WireObjectError) {
      const { field, value, message } = error.problem;
      throw new RecordError(key, field, value, message);
    }
    throw error;
  }
}
