// The one error type the CNI server turns into a CNI error object; backends throw it to choose the code.
import { CniErrorCode, errorObject, type CniErrorObject } from '../../cniclient/wire.cjs';

export { CniErrorCode };

/** A failure with the CNI code the runtime sees; `msg` is short, `details` carries the specifics. */
export class CniError extends Error {
  override name = 'CniError';

  constructor(
    readonly code: number,
    readonly msg: string,
    readonly details?: string,
  ) {
    super(details === undefined ? msg : `${msg}: ${details}`);
  }

  toObject(cniVersion: string): CniErrorObject {
    return errorObject(cniVersion, this.code, this.msg, this.details);
  }
}

/** Code 4: a CNI_* variable is missing or malformed; the message names the variable. */
export function invalidEnvironment(variable: string, problem: string): CniError {
  return new CniError(CniErrorCode.InvalidEnvironment, `${variable} ${problem}`);
}

/** Code 7: the network configuration is wrong; the message names the field. */
export function invalidConfig(field: string, problem: string): CniError {
  return new CniError(CniErrorCode.InvalidConfig, `invalid network configuration: ${field} ${problem}`);
}
