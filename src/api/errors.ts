import { BelayError } from "../errors.js";

/**
 * REST errors: an HTTP status and FreeClimb's numeric code for the `{code, message, url, details}`
 * body. FreeClimb publishes 68 for "recording not found"; the other numbers are Belay's.
 */
const API_ERRORS = {
  AUTH_REQUIRED: { status: 401, code: 1 },
  FORBIDDEN: { status: 403, code: 3 },
  NOT_FOUND: { status: 404, code: 4 },
  RECORDING_NOT_FOUND: { status: 404, code: 68 },
  CALL_NOT_FOUND: { status: 404, code: 67 },
  APPLICATION_NOT_FOUND: { status: 404, code: 69 },
  PHONE_NUMBER_NOT_FOUND: { status: 404, code: 70 },
  DEVICE_NOT_FOUND: { status: 404, code: 71 },
  CONFLICT: { status: 409, code: 9 },
  INVALID_REQUEST: { status: 400, code: 20 },
  METHOD_NOT_ALLOWED: { status: 405, code: 5 },
  PAYLOAD_TOO_LARGE: { status: 413, code: 21 },
  RANGE_NOT_SATISFIABLE: { status: 416, code: 22 },
  INTERNAL: { status: 500, code: 0 },
  DISK_SPACE_LOW: { status: 503, code: 30 },
  CONFERENCE_NOT_FOUND: { status: 404, code: 72 },
  PARTICIPANT_NOT_FOUND: { status: 404, code: 73 },
  CONFERENCE_TERMINATED: { status: 409, code: 74 },
  CONFERENCES_UNAVAILABLE: { status: 503, code: 31 },
  QUEUE_NOT_FOUND: { status: 404, code: 75 },
  QUEUE_MEMBER_NOT_FOUND: { status: 404, code: 76 },
  QUEUES_UNAVAILABLE: { status: 503, code: 32 },
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export function apiError(
  code: ApiErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): BelayError {
  return new BelayError(code, message, details);
}

export function apiErrorStatus(code: string): { status: number; code: number } | undefined {
  return Object.hasOwn(API_ERRORS, code) ? API_ERRORS[code as ApiErrorCode] : undefined;
}
