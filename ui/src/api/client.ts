/**
 * The one HTTP client of the UI: same-origin fetch with the session cookie, the CSRF
 * header on every state-changing request, and errors turned into ApiError with the
 * server's {"error": "..."} message.
 */

export class ApiError extends Error {
  readonly status: number;
  readonly retryAfter: number | null;

  constructor(status: number, message: string, retryAfter: number | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

const UNSAFE: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export interface RequestOptions {
  method?: Method;
  body?: unknown;
  query?: Record<string, string | number | boolean | null | undefined>;
  signal?: AbortSignal;
}

export interface ApiResponse<T> {
  data: T;
  headers: Headers;
  status: number;
}

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export function withQuery(path: string, query?: RequestOptions["query"]): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    params.set(name, String(value));
  }
  const text = params.toString();
  if (!text) return path;
  return path + (path.includes("?") ? "&" : "?") + text;
}

/** A message for a failed response: the server's error field, else the status text. */
export async function errorMessage(response: Response): Promise<string> {
  let text = "";
  try {
    text = await response.text();
  } catch {
    /* body unreadable */
  }
  if (text) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object" && "error" in parsed) {
        const error = (parsed as { error: unknown }).error;
        if (typeof error === "string" && error) return error;
        if (Array.isArray(error)) return error.map(String).join("; ");
      }
      if (parsed && typeof parsed === "object" && "detail" in parsed) {
        return String((parsed as { detail: unknown }).detail);
      }
    } catch {
      /* not JSON */
    }
    if (text.length < 200 && !text.trimStart().startsWith("<")) return text;
  }
  return `${response.status} ${response.statusText || "request failed"}`.trim();
}

export class ApiClient {
  private csrf: string | null = null;
  private readonly fetcher: FetchLike;
  /** Called with every 401 of a request made while signed in (session expired). */
  onUnauthorized: ((error: ApiError) => void) | null = null;

  constructor(fetcher?: FetchLike) {
    this.fetcher = fetcher ?? ((input, init) => fetch(input, init));
  }

  setCsrfToken(token: string | null): void {
    this.csrf = token;
  }

  get csrfToken(): string | null {
    return this.csrf;
  }

  async request<T>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const method = options.method ?? "GET";
    const headers: Record<string, string> = { Accept: "application/json" };
    let body: BodyInit | undefined;
    if (options.body instanceof Blob) {
      headers["Content-Type"] = options.body.type || "application/octet-stream";
      body = options.body; // a file, sent as it is
    } else if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    if (UNSAFE.has(method) && this.csrf) headers["X-CSRF-Token"] = this.csrf;
    let response: Response;
    try {
      response = await this.fetcher(withQuery(path, options.query), {
        method,
        headers,
        body,
        credentials: "same-origin",
        signal: options.signal,
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      throw new ApiError(0, "Cannot reach the server. Check your connection and try again.");
    }
    if (!response.ok) {
      const retry = response.headers.get("Retry-After");
      const error = new ApiError(
        response.status,
        await errorMessage(response),
        retry !== null && retry !== "" && !Number.isNaN(Number(retry)) ? Number(retry) : null,
      );
      if (response.status === 401 && this.csrf && this.onUnauthorized) this.onUnauthorized(error);
      throw error;
    }
    let data: unknown = null;
    if (response.status !== 204) {
      const text = await response.text();
      if (text) {
        try {
          data = JSON.parse(text);
        } catch {
          data = text;
        }
      }
    }
    return { data: data as T, headers: response.headers, status: response.status };
  }

  async get<T>(path: string, query?: RequestOptions["query"], signal?: AbortSignal): Promise<T> {
    return (await this.request<T>(path, { query, signal })).data;
  }

  async post<T>(path: string, body?: unknown, query?: RequestOptions["query"]): Promise<T> {
    return (await this.request<T>(path, { method: "POST", body: body ?? {}, query })).data;
  }

  async put<T>(path: string, body: unknown): Promise<T> {
    return (await this.request<T>(path, { method: "PUT", body })).data;
  }

  async patch<T>(path: string, body: unknown): Promise<T> {
    return (await this.request<T>(path, { method: "PATCH", body })).data;
  }

  async delete<T>(path: string): Promise<T> {
    return (await this.request<T>(path, { method: "DELETE" })).data;
  }
}

export const api = new ApiClient();
