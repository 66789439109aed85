// Parses one wire request into a typed CNI operation, rejecting bad input with the spec's error codes.
import {
  CniErrorCode, LATEST_VERSION, SUPPORTED_VERSIONS, isSupportedVersion, type CniVersion,
} from '../../cniclient/wire.cjs';
import { BandwidthError, type PodBandwidth, parseRuntimeBandwidth } from './bandwidth.js';
import { parseCniArgs } from './cni-args.js';
import { CniError, invalidConfig, invalidEnvironment } from './errors.js';
import { parsePrevResult } from './result.js';
import type { AttachRequest, AttachmentKey, DetachRequest, NetConf, PodAttachment } from './types.js';
import { messageOf } from '../../errors.js';

export type CniOperation =
  | { command: 'ADD'; request: AttachRequest }
  | { command: 'DEL'; request: DetachRequest }
  | { command: 'CHECK'; request: AttachRequest; prevResult: PodAttachment }
  | { command: 'STATUS'; config: NetConf }
  | { command: 'GC'; config: NetConf; valid: AttachmentKey[] };

type Json = Record<string, unknown>;

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const COMMANDS = ['ADD', 'DEL', 'CHECK', 'STATUS', 'GC'] as const;
type Command = (typeof COMMANDS)[number];
/** The first spec version that has each command. */
const SINCE: Record<Command, CniVersion> = { ADD: '0.1.0', DEL: '0.1.0', CHECK: '0.4.0', STATUS: '1.1.0', GC: '1.1.0' };

function isCommand(value: string): value is Command {
  return (COMMANDS as readonly string[]).includes(value);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The version to put in an error object: the request's when we understood it. */
export function requestVersion(body: string): CniVersion {
  try {
    const wire = JSON.parse(body) as { config?: unknown };
    const config = typeof wire.config === 'string' ? JSON.parse(wire.config) as { cniVersion?: unknown } : undefined;
    return isSupportedVersion(config?.cniVersion) ? config.cniVersion : LATEST_VERSION;
  } catch {
    return LATEST_VERSION;
  }
}

export function parseWireRequest(body: string): CniOperation {
  const wire = decode(body, 'request body');
  const env = isObject(wire.env) ? wire.env : {};
  if (typeof wire.config !== 'string') throw new CniError(CniErrorCode.DecodeFailure, 'request has no "config" text');
  const envValue = (name: string): string | undefined => {
    const value = env[name];
    if (value !== undefined && typeof value !== 'string') throw invalidEnvironment(name, 'is not a string');
    return value === '' ? undefined : value;
  };
  const command = envValue('CNI_COMMAND');
  if (command === undefined) throw invalidEnvironment('CNI_COMMAND', 'is not set');
  if (!isCommand(command)) {
    throw invalidEnvironment('CNI_COMMAND', `is ${JSON.stringify(command)}; the daemon serves ${COMMANDS.join(', ')}`);
  }
  const config = parseConfig(decode(wire.config, 'network configuration'), command);
  if (command === 'STATUS') return { command, config };
  if (command === 'GC') return { command, config, valid: validAttachments(config.raw) };

  const containerId = required(envValue('CNI_CONTAINERID'), 'CNI_CONTAINERID');
  if (!IDENTIFIER.test(containerId)) {
    throw invalidEnvironment('CNI_CONTAINERID', `is ${JSON.stringify(containerId)}: it must start with a letter or `
      + 'digit followed by letters, digits, "_", "." or "-"');
  }
  const ifname = required(envValue('CNI_IFNAME'), 'CNI_IFNAME');
  if (ifname === '.' || ifname === '..' || Buffer.byteLength(ifname) > 15 || /[/:\s]/.test(ifname)) {
    throw invalidEnvironment('CNI_IFNAME', `is ${JSON.stringify(ifname)}: not a Linux interface name `
      + '(at most 15 bytes, no "/", ":" or whitespace)');
  }
  const { pod } = parseCniArgs(envValue('CNI_ARGS'));
  const container = { containerId, ifname, bandwidth: bandwidth(config.raw), config };
  if (command === 'DEL') {
    // Spec 1.1: DEL may come without CNI_NETNS (the sandbox is gone) and without CNI_ARGS.
    const netns = envValue('CNI_NETNS');
    return { command, request: { command, ...container, ...(netns !== undefined ? { netns } : {}), ...(pod ? { pod } : {}) } };
  }
  const netns = required(envValue('CNI_NETNS'), 'CNI_NETNS');
  if (!pod) throw invalidEnvironment('CNI_ARGS', 'must name the pod (K8S_POD_NAMESPACE and K8S_POD_NAME)');
  if (command === 'CHECK') {
    return { command, request: { command, ...container, netns, pod }, prevResult: parsePrevResult(config.raw.prevResult) };
  }
  return { command, request: { command, ...container, netns, pod } };
}

function decode(text: string, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CniError(CniErrorCode.DecodeFailure, `failed to decode ${what}`, messageOf(err));
  }
  if (!isObject(value)) throw new CniError(CniErrorCode.DecodeFailure, `${what} is not a JSON object`);
  return value;
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw invalidEnvironment(name, 'is not set');
  return value;
}

function parseConfig(raw: Json, command: Command): NetConf {
  const version = raw.cniVersion;
  if (!isSupportedVersion(version)) {
    throw new CniError(CniErrorCode.IncompatibleVersion,
      version === undefined ? 'cniVersion is missing' : `cniVersion ${JSON.stringify(version)} is not supported`,
      `supported versions: ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  if (SUPPORTED_VERSIONS.indexOf(version) < SUPPORTED_VERSIONS.indexOf(SINCE[command])) {
    throw new CniError(CniErrorCode.IncompatibleVersion,
      `${command} needs cniVersion ${SINCE[command]} or later, the configuration says ${version}`);
  }
  if (typeof raw.name !== 'string' || !IDENTIFIER.test(raw.name)) {
    throw invalidConfig('name', `is ${JSON.stringify(raw.name)}: it must start with a letter or digit followed `
      + 'by letters, digits, "_", "." or "-"');
  }
  if (typeof raw.type !== 'string' || raw.type === '') throw invalidConfig('type', `is ${JSON.stringify(raw.type)}`);
  return { cniVersion: version, name: raw.name, type: raw.type, raw };
}

function bandwidth(raw: Json): PodBandwidth {
  const runtimeConfig = raw.runtimeConfig;
  if (runtimeConfig !== undefined && !isObject(runtimeConfig)) throw invalidConfig('runtimeConfig', 'is not an object');
  try {
    return parseRuntimeBandwidth(runtimeConfig?.bandwidth);
  } catch (err) {
    if (err instanceof BandwidthError) {
      throw new CniError(CniErrorCode.InvalidConfig, `invalid network configuration: ${err.message}`);
    }
    throw err;
  }
}

/** libcni sends the list under both names (cni#1101); a missing list must not mean "delete everything". */
function validAttachments(raw: Json): AttachmentKey[] {
  const field = raw['cni.dev/valid-attachments'] !== undefined ? 'cni.dev/valid-attachments' : 'cni.dev/attachments';
  const list = raw[field];
  if (!Array.isArray(list)) throw invalidConfig('cni.dev/valid-attachments', 'is missing or not a list');
  return list.map((entry: unknown, i) => {
    if (!isObject(entry) || typeof entry.containerID !== 'string' || typeof entry.ifname !== 'string') {
      throw invalidConfig(`${field}[${i}]`, `is ${JSON.stringify(entry)}, not {"containerID", "ifname"}`);
    }
    return { containerId: entry.containerID, ifname: entry.ifname };
  });
}
