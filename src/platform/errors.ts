// Errors a person can act on. `UserError` ends the CLI with one line and no
// stack; `ApiError` becomes the API's one error shape with its HTTP status.

export class UserError extends Error {
  override name = 'UserError';
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly details: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  toBody(): ErrorBody {
    const error: ErrorBody['error'] = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} was not found.`);
