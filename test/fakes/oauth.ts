// The fake OAuth issuer: token endpoint (refresh + authorization_code), revoke, and the
// device-code endpoints that `codex login --device-auth` and app-server `account/login/start` use.
import { createHash, randomBytes } from 'node:crypto';
import type { AccountStore } from './accounts';

export interface OAuthReply {
  status: number;
  body: unknown;
  contentType?: string;
}

interface DeviceCode {
  deviceAuthId: string;
  userCode: string;
  polls: number;
  approvedFor?: string;
}

interface AuthCode {
  accountId: string;
  codeVerifier: string;
}

export interface DeviceAutoApprove {
  accountId: string;
  /** Approve once the token endpoint has been polled this many times (default 1). */
  afterPolls?: number;
}

export interface OAuthLogEntry {
  grant: string;
  refreshReason?: string;
  accountId?: string;
  /** 'ok', or the error code the fake answered with. */
  outcome: string;
}

/** A form or JSON field as text; anything but a string reads as missing. */
function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function refreshError(code: string, message: string): OAuthReply {
  return { status: 401, body: { error: { code, message, type: 'invalid_request_error' } } };
}

export class FakeOAuth {
  private readonly deviceCodes = new Map<string, DeviceCode>();
  private readonly authCodes = new Map<string, AuthCode>();
  readonly log: OAuthLogEntry[] = [];
  readonly revoked: string[] = [];
  autoApprove?: DeviceAutoApprove;

  constructor(private readonly accounts: AccountStore) {}

  /** Marks a user code as approved (as if the user signed in on the website as `accountId`). */
  approve(userCode: string, accountId: string): void {
    const entry = this.deviceCodes.get(userCode);
    if (!entry) throw new Error(`unknown device user code ${userCode}`);
    this.accounts.get(accountId);
    entry.approvedFor = accountId;
  }

  pendingUserCodes(): string[] {
    return [...this.deviceCodes.values()].filter((d) => !d.approvedFor).map((d) => d.userCode);
  }

  handle(pathname: string, body: Record<string, unknown>): OAuthReply | undefined {
    switch (pathname) {
      case '/api/accounts/deviceauth/usercode': return this.userCode();
      case '/api/accounts/deviceauth/token': return this.pollDevice(body);
      case '/oauth/token': return this.token(body);
      case '/oauth/revoke':
        if (typeof body.token === 'string') this.revoked.push(body.token);
        return { status: 200, body: {} };
      default: return undefined;
    }
  }

  private userCode(): OAuthReply {
    const n = this.deviceCodes.size + 1;
    const userCode = `FAKE-${String(n).padStart(4, '0')}`;
    const deviceAuthId = `dev_${randomBytes(8).toString('hex')}`;
    this.deviceCodes.set(userCode, { deviceAuthId, userCode, polls: 0 });
    // interval is a string of seconds in the real API (reference §1.3).
    return { status: 200, body: { device_auth_id: deviceAuthId, user_code: userCode, interval: '1' } };
  }

  private pollDevice(body: Record<string, unknown>): OAuthReply {
    const entry = this.deviceCodes.get(text(body.user_code));
    if (!entry || entry.deviceAuthId !== body.device_auth_id) {
      return { status: 404, body: { error: { code: 'not_found', message: 'unknown device code' } } };
    }
    entry.polls += 1;
    const auto = this.autoApprove;
    if (!entry.approvedFor && auto && entry.polls >= (auto.afterPolls ?? 1)) entry.approvedFor = auto.accountId;
    // 403 = "authorization pending" for Codex's poller.
    if (!entry.approvedFor) return { status: 403, body: { error: { code: 'deviceauth_authorization_pending', message: 'pending' } } };
    this.deviceCodes.delete(entry.userCode);
    const codeVerifier = randomBytes(32).toString('base64url');
    const code = `ac_${randomBytes(12).toString('hex')}`;
    this.authCodes.set(code, { accountId: entry.approvedFor, codeVerifier });
    const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
    return { status: 200, body: { authorization_code: code, code_challenge: codeChallenge, code_verifier: codeVerifier } };
  }

  private token(body: Record<string, unknown>): OAuthReply {
    const grant = text(body.grant_type);
    if (grant === 'refresh_token') return this.refresh(body);
    if (grant === 'authorization_code') return this.exchangeCode(body);
    this.log.push({ grant, outcome: 'unsupported_grant_type' });
    return { status: 400, body: { error: 'unsupported_grant_type', error_description: `grant ${grant} is not supported by the fake` } };
  }

  private exchangeCode(body: Record<string, unknown>): OAuthReply {
    const entry = this.authCodes.get(text(body.code));
    if (!entry || entry.codeVerifier !== body.code_verifier) {
      this.log.push({ grant: 'authorization_code', outcome: 'invalid_grant' });
      return { status: 400, body: { error: 'invalid_grant', error_description: 'bad code or verifier' } };
    }
    this.authCodes.delete(text(body.code));
    this.log.push({ grant: 'authorization_code', accountId: entry.accountId, outcome: 'ok' });
    return { status: 200, body: { ...this.accounts.issueTokens(entry.accountId), token_type: 'Bearer', expires_in: 864000 } };
  }

  private refresh(body: Record<string, unknown>): OAuthReply {
    const reason = typeof body.refresh_reason === 'string' ? body.refresh_reason : undefined;
    const { account, current } = this.accounts.lookupRefresh(text(body.refresh_token));
    const fail = (code: string, message: string) => {
      this.log.push({ grant: 'refresh_token', refreshReason: reason, accountId: account?.accountId, outcome: code });
      return refreshError(code, message);
    };
    if (!account) return fail('refresh_token_invalidated', 'Your refresh token has been invalidated.');
    if (account.pendingUnauthorized || account.scenario.name === 'unauthorized') {
      account.pendingUnauthorized = false;
      return fail('refresh_token_expired', 'Your refresh token has expired.');
    }
    if (!current) return fail('refresh_token_reused', 'Your refresh token has already been used to generate a new access token.');
    this.log.push({ grant: 'refresh_token', refreshReason: reason, accountId: account.accountId, outcome: 'ok' });
    return { status: 200, body: this.accounts.issueTokens(account.accountId) };
  }
}
