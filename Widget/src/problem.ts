/** An RFC 9457 problem answered by the Api: its status, stable code and, when given, the human-readable detail. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = "ApiProblem";
  }
}

/** Reads a failed response's problem+json body (any shape, or none) into an ApiProblem. */
export async function problemFrom(response: Response): Promise<ApiProblem> {
  const body = (await response.json().catch(() => ({}))) as { code?: string; title?: string; detail?: string };
  return new ApiProblem(response.status, body.code ?? "http_error", body.title ?? response.statusText, body.detail);
}
