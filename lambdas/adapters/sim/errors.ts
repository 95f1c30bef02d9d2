/**
 * Errors shaped like the AWS SDK v3's service exceptions (a `name` and a `$metadata`), so handler
 * code that branches on `error.name` behaves the same against the simulated region as against AWS.
 */
export class SimAwsError extends Error {
  readonly $metadata: { httpStatusCode: number };
  readonly $fault: 'client' | 'server';

  constructor(name: string, message: string, httpStatusCode = 400) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode };
    this.$fault = httpStatusCode >= 500 ? 'server' : 'client';
  }
}

/** ECS's error for a bad parameter (unknown task, bad desired count, …). */
export function ecsInvalidParameter(message: string): SimAwsError {
  return new SimAwsError('InvalidParameterException', message);
}

/** ELBv2's error for a request that breaks the API's constraints (weights, group counts). */
export function elbValidation(message: string): SimAwsError {
  return new SimAwsError('ValidationError', message);
}

/** Throttling, as any AWS API returns it under load. */
export function throttling(api: string): SimAwsError {
  return new SimAwsError('ThrottlingException', `Rate exceeded (${api})`, 400);
}
