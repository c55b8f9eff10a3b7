// Per-account state of the fake ChatGPT backend: identity, scenario, usage and OAuth tokens.
import { randomBytes } from 'node:crypto';
import { fakeJwt } from './jwt';

export const CODEX_CLIENT_ID = 'app_EMoamEEZ73f0CkXaXp7hrann';

// Codex 0.169's PlanType values the tests use: prolite is ChatGPT Pro 5x, pro is Pro 20x, promax is "Pro 500".
export type PlanType = 'free' | 'go' | 'plus' | 'prolite' | 'pro' | 'promax' | 'team' | 'business' | 'enterprise' | 'edu';

export type ScenarioName =
  | 'ok'
  | 'slow'
  | 'hang'
  | 'usage_limit'
  | 'unauthorized'
  | 'server_error'
  | 'overloaded'
  | 'context_length_exceeded'
  | 'model_not_found'
  | 'json_schema';

export const SCENARIO_NAMES: readonly ScenarioName[] = [
  'ok', 'slow', 'hang', 'usage_limit', 'unauthorized', 'server_error', 'overloaded',
  'context_length_exceeded', 'model_not_found', 'json_schema',
];

export interface Scenario {
  name: ScenarioName;
  /** slow: number of text deltas (default 5). */
  deltas?: number;
  /** slow: delay before each delta in ms (default 200). */
  delayMs?: number;
  /** usage_limit: epoch seconds of the reset; default now + 1 h. `null` omits resets_at. */
  resetsAt?: number | null;
  /** ok/slow/json_schema: fixed answer text instead of `echo: <last user text>`. */
  text?: string;
  /**
   * Apply to the next N generating requests of the account only, then revert to `ok`
   * (e.g. `{name:'overloaded', times:1}` = fail once, then answer).
   */
  times?: number;
}

export interface Usage {
  primaryUsedPercent: number;
  secondaryUsedPercent: number;
  /** Epoch seconds. */
  primaryResetsAt: number;
  /** Epoch seconds. */
  secondaryResetsAt: number;
  primaryWindowMins: number;
  secondaryWindowMins: number;
  credits: { hasCredits: boolean; unlimited: boolean; balance: string };
}

export interface TokenUsage {
  /** `'measured'`: one token per 4 characters of what the request puts before the model (modelInputChars). */
  input: number | 'measured';
  cached: number;
  output: number;
  reasoning: number;
}

export interface AccountInput {
  accountId: string;
  email?: string;
  plan?: PlanType;
}

export interface IssuedTokens {
  id_token: string;
  access_token: string;
  refresh_token: string;
}

export interface FakeAccount {
  accountId: string;
  email: string;
  plan: PlanType;
  userId: string;
  scenario: Scenario;
  usage: Usage;
  tokenUsage: TokenUsage;
  /** The one refresh token currently valid for this account (rotates on every refresh). */
  refreshToken?: string;
  refreshCount: number;
  /**
   * Set when a request carried SCENARIO=unauthorized: WebSocket handshakes answer 401 and the
   * next refresh fails (which clears it). Codex only refreshes after a 401 on the handshake or
   * on an HTTP request, not after a wrapped 401 frame, so the handshake has to fail too.
   */
  pendingUnauthorized: boolean;
}

function nowSecs(): number {
  return Math.floor(Date.now() / 1000);
}

export function defaultUsage(): Usage {
  const now = nowSecs();
  return {
    primaryUsedPercent: 12,
    secondaryUsedPercent: 3,
    primaryResetsAt: now + 3 * 3600,
    secondaryResetsAt: now + 5 * 86400,
    primaryWindowMins: 300,
    secondaryWindowMins: 10080,
    credits: { hasCredits: false, unlimited: false, balance: '0' },
  };
}

/** Distinct numbers so a test can tell input/cached/output/reasoning apart after mapping. */
export const DEFAULT_TOKEN_USAGE: TokenUsage = { input: 120, cached: 40, output: 12, reasoning: 4 };

export class AccountStore {
  private readonly accounts = new Map<string, FakeAccount>();
  /** Every refresh token ever issued → account, so a reused old one can be told from an unknown one. */
  private readonly refreshOwners = new Map<string, string>();

  constructor(private readonly issuer: () => string) {}

  add(input: AccountInput): FakeAccount {
    const existing = this.accounts.get(input.accountId);
    if (existing) {
      if (input.email) existing.email = input.email;
      if (input.plan) existing.plan = input.plan;
      return existing;
    }
    const account: FakeAccount = {
      accountId: input.accountId,
      email: input.email ?? `${input.accountId}@example.test`,
      plan: input.plan ?? 'plus',
      userId: `user-${input.accountId}`,
      scenario: { name: 'ok' },
      usage: defaultUsage(),
      tokenUsage: { ...DEFAULT_TOKEN_USAGE },
      refreshCount: 0,
      pendingUnauthorized: false,
    };
    this.accounts.set(input.accountId, account);
    return account;
  }

  /** Unknown accounts are created on first sight so a test only registers what it customises. */
  get(accountId: string): FakeAccount {
    return this.accounts.get(accountId) ?? this.add({ accountId });
  }

  has(accountId: string): boolean {
    return this.accounts.has(accountId);
  }

  /** Issues a fresh token triple and makes its refresh token the only valid one. */
  issueTokens(accountId: string, opts: { accessTokenExpired?: boolean } = {}): IssuedTokens {
    const account = this.get(accountId);
    const now = nowSecs();
    const authClaims = {
      chatgpt_account_id: account.accountId,
      chatgpt_plan_type: account.plan,
      chatgpt_user_id: account.userId,
      user_id: account.userId,
    };
    const common = {
      iss: this.issuer(),
      sub: `auth0|${account.userId}`,
      iat: now,
      'https://api.openai.com/auth': authClaims,
      'https://api.openai.com/profile': { email: account.email, email_verified: true },
    };
    const id_token = fakeJwt({
      ...common,
      aud: [CODEX_CLIENT_ID],
      email: account.email,
      email_verified: true,
      exp: now + 3600,
    });
    const access_token = fakeJwt({
      ...common,
      aud: ['https://api.openai.com/v1'],
      client_id: CODEX_CLIENT_ID,
      scp: ['openid', 'profile', 'email', 'offline_access'],
      exp: opts.accessTokenExpired ? now - 60 : now + 10 * 86400,
      jti: randomBytes(8).toString('hex'),
    });
    account.refreshCount += 1;
    const refresh_token = `rt_${account.accountId}_${String(account.refreshCount).padStart(4, '0')}_${randomBytes(6).toString('hex')}`;
    account.refreshToken = refresh_token;
    this.refreshOwners.set(refresh_token, account.accountId);
    return { id_token, access_token, refresh_token };
  }

  /** Who a refresh token was issued to, and whether it is still the current one. */
  lookupRefresh(token: string): { account?: FakeAccount; current: boolean } {
    const owner = this.refreshOwners.get(token);
    if (!owner) return { current: false };
    const account = this.get(owner);
    return { account, current: account.refreshToken === token };
  }
}
