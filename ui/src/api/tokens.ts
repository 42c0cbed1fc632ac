/** Device tokens: keys limited to some feeds and groups, under /api/v2/{username}/tokens. */
import { api, ApiClient } from "./client";
import type { CreatedToken, Mode, Token } from "./types";

const enc = encodeURIComponent;

export interface ScopeInput {
  model: "feed" | "group";
  key: string;
  mode: Mode;
}

export interface TokenInput {
  name: string;
  permissions: ScopeInput[];
  expiration: string | null;
}

/**
 * The create body, checked: a name, at least one scope, each naming a feed or group once.
 * Throws an Error whose message the form shows.
 */
export function tokenBody(input: TokenInput): { token: TokenInput } {
  const name = input.name.trim();
  if (!name) throw new Error("Give the token a name, e.g. the device that will use it.");
  const scopes = input.permissions.filter((s) => s.key);
  if (!scopes.length) throw new Error("Add at least one feed or group the token may use.");
  const seen = new Set<string>();
  for (const s of scopes) {
    const id = `${s.model}/${s.key}`;
    if (seen.has(id)) throw new Error(`The ${s.model} ${s.key} is listed twice.`);
    seen.add(id);
  }
  return {
    token: {
      name,
      permissions: scopes.map(({ model, key, mode }) => ({ model, key, mode })),
      expiration: input.expiration,
    },
  };
}

export class Tokens {
  constructor(
    readonly username: string,
    private readonly client: ApiClient = api,
  ) {}

  private path(rest = ""): string {
    return `/api/v2/${enc(this.username)}/tokens${rest}`;
  }

  list(): Promise<Token[]> {
    return this.client.get<Token[]>(this.path());
  }

  create(input: TokenInput): Promise<CreatedToken> {
    return this.client.post<CreatedToken>(this.path(), tokenBody(input));
  }

  update(id: number, changes: Partial<TokenInput>): Promise<Token> {
    return this.client.patch<Token>(this.path(`/${id}`), { token: changes });
  }

  revoke(id: number): Promise<unknown> {
    return this.client.delete(this.path(`/${id}`));
  }
}
