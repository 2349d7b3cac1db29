import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError } from './lib/api-error.js';

interface Rendered {
  status: number;
  error: { code: string; message: string; field?: string };
  extra: Record<string, unknown>;
}

/** The one place errors become `{error:{code, message}}` responses. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const rendered = render(error);
    if (rendered.status >= 500) request.log.error({ err: error }, 'request failed');
    if (rendered.extra.retryAfter !== undefined)
      reply.header('retry-after', String(rendered.extra.retryAfter));
    return reply.status(rendered.status).send({ error: rendered.error, ...rendered.extra });
  });
}

function render(error: FastifyError): Rendered {
  if (error instanceof ApiError) {
    // Extra fields (e.g. retryAfter) go inside `error` and, for older readers, beside it.
    const body = {
      code: error.code,
      message: error.message,
      ...(error.field ? { field: error.field } : {}),
      ...error.extra,
    };
    return { status: error.httpStatus, error: body, extra: { ...error.extra } };
  }
  if (error instanceof RelayBoxError) {
    return { status: error.status, error: { code: error.code, message: error.message }, extra: {} };
  }
  if (error.validation && error.validation.length > 0) return renderValidation(error);
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return invalid(415, 'request bodies must be sent with Content-Type: application/json');
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return invalid(status, error.message);
  return { status: 500, error: { code: ErrorCode.Internal, message: 'internal error' }, extra: {} };
}

function renderValidation(error: FastifyError): Rendered {
  const first = error.validation?.[0];
  const params = (first?.params ?? {}) as { missingProperty?: string; additionalProperty?: string };
  const path = (first?.instancePath ?? '').split('/').filter(Boolean);
  if (params.missingProperty) path.push(params.missingProperty);
  if (params.additionalProperty) path.push(params.additionalProperty);
  const field = path.join('.');
  const where = error.validationContext ?? 'body';
  const what = params.additionalProperty ? 'is not an allowed field' : (first?.message ?? 'is invalid');
  const message = `${where}${field ? `.${field}` : ''} ${what}`;
  return {
    status: 400,
    error: { code: ErrorCode.InvalidRequest, message, field: field || where },
    extra: {},
  };
}

function invalid(status: number, message: string): Rendered {
  return { status, error: { code: ErrorCode.InvalidRequest, message }, extra: {} };
}
