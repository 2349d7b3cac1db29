import { type ErrorCode, RelayBoxError } from '@relaybox/protocol';

/** A RelayBoxError with an explicit HTTP status (e.g. 415 for a wrong content type) and extra
 * body fields (e.g. `retryAfter`). Route code throws these; the error handler renders them. */
export class ApiError extends RelayBoxError {
  readonly httpStatus: number;
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { status?: number; extra?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.httpStatus = options.status ?? this.status;
    this.extra = options.extra ?? {};
  }
}

export const notFound = (what: string) => new ApiError('not_found', `${what} not found`);
