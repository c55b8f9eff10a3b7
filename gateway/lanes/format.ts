// Small text helpers shared by the lane core. Pure: no clock, no I/O.

import { maskTokens } from "./secret-patterns";

const MAX_MESSAGE_CHARS = 600;

/** "2026-11-22 03:18 UTC": how lane reasons show a moment. */
export function formatUtc(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * Outcome messages reach clients and logs. Upstream text is not ours, so anything shaped like a
 * key or token is masked and very long bodies are cut.
 */
export function safeMessage(text: string): string {
  const out = maskTokens(text);
  return out.length > MAX_MESSAGE_CHARS ? `${out.slice(0, MAX_MESSAGE_CHARS - 1)}…` : out;
}
