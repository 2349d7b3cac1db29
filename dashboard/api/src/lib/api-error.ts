import { type ErrorCode, RelayBoxError } from '@relaybox/protocol';

/** A RelayBoxError with an explicit HTTP status (e.g. 415 for a wrong content type) and extra
 * body fields (e.g. `retryAfter`). Route code throws these; the error handler renders them. */
export class ApiError extends RelayBoxError {
  readonly httpStatus: number;
  readonly extra: Readonly<Record<string, unknown>>;
  /** The request field at fault (rendered as `error.field`, like schema validation errors). */
  readonly field: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { status?: number; extra?: Record<string, unknown>; field?: string; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.httpStatus = options.status ?? this.status;
    this.extra = options.extra ?? {};
    this.field = options.field;
  }
}

export const notFound = (what: string) => new ApiError('not_found', `${what} not found`);
