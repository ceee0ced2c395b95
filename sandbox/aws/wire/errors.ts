/** An AWS error answer: the code and message the SDK surfaces, and the HTTP status. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

export const invalidParameter = (message: string): ApiError => new ApiError('InvalidParameterValue', message);
export const invalidCombination = (message: string): ApiError =>
  new ApiError('InvalidParameterCombination', message);
export const validationError = (message: string): ApiError => new ApiError('ValidationError', message);
