// The test API server's public surface, for unit and e2e tests.
export { ApiError, type StatusReason } from './api-error.js';
export { type PolicyRule, type TokenIdentity, type TokenTable, allows } from './authorizer.js';
export type { DeleteOptions } from './deletion.js';
export { kubeConfigFor, writeKubeconfig } from './kubeconfig.js';
export type { RequestRecord, Verb } from './router.js';
export type { RestartOptions, TestApiServerOptions } from './server.js';
export { TestApiServer } from './server.js';
export type { KubeObject, ObjectMeta, ResourceName } from './types.js';
