// API failures as the metav1.Status objects a real API server answers with.
import type { JsonObject, ResourceName } from './types.js';

export type StatusReason =
  | 'BadRequest'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Expired'
  | 'Forbidden'
  | 'Unauthorized'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'Timeout'
  | 'RequestEntityTooLarge'
  | 'InternalError';

interface StatusDetails {
  name?: string;
  kind?: string;
  causes?: { reason: string; message: string }[];
}

/** A request the server refuses; `code` is the HTTP status, `reason` the Status reason. */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): JsonObject {
    const status: JsonObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = { ...this.details };
    return status;
  }

  static badRequest(message: string): ApiError {
    return new ApiError(400, 'BadRequest', message);
  }

  static notFound(resource: ResourceName | string, name: string): ApiError {
    return new ApiError(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource });
  }

  static alreadyExists(resource: ResourceName, name: string): ApiError {
    return new ApiError(409, 'AlreadyExists', `${resource} "${name}" already exists`, { name, kind: resource });
  }

  static conflict(resource: ResourceName | 'pods/binding', name: string, why: string): ApiError {
    return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": ${why}`, {
      name,
      kind: resource,
    });
  }

  /** A stale resourceVersion precondition: the wording clients match on. */
  static modified(resource: ResourceName, name: string): ApiError {
    return ApiError.conflict(
      resource,
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  }

  /** The watch cache no longer holds events after `requested`; `oldest` is where it starts. */
  static expired(requested: number, oldest: number): ApiError {
    return new ApiError(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
  }

  static forbidden(resource: ResourceName, name: string, why: string): ApiError {
    return new ApiError(403, 'Forbidden', `${resource} "${name}" is forbidden: ${why}`, { name, kind: resource });
  }

  /** A field failed validation; `kind` is the object's Kind, as in `Pod "x" is invalid`. */
  static invalid(kind: string, name: string, field: string, why: string): ApiError {
    const message = `${field}: ${why}`;
    return new ApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${message}`, {
      name,
      kind,
      causes: [{ reason: 'FieldValueInvalid', message }],
    });
  }

  static internal(message: string): ApiError {
    return new ApiError(500, 'InternalError', message);
  }

  static methodNotAllowed(method: string): ApiError {
    return new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${method}`);
  }

  static unsupportedMediaType(contentType: string, accepted: readonly string[]): ApiError {
    return new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format "${contentType}" - accepted media types include: ${accepted.join(', ')}`,
    );
  }

  /** The client asked for a resourceVersion the server has not reached. */
  static tooLargeResourceVersion(requested: number, current: number): ApiError {
    return new ApiError(504, 'Timeout', `Too large resource version: ${requested}, current: ${current}`, {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    });
  }
}
