export interface Call {
  url: string;
  init: RequestInit;
}

export function fakeFetch(
  respond: (url: string, init: RequestInit) => Response | Promise<Response>,
): { fetch: (url: string, init?: RequestInit) => Promise<Response>; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (url: string, init: RequestInit = {}) => {
      calls.push({ url, init });
      return respond(url, init);
    },
  };
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}
