/**
 * LLM-mode test plumbing: a test server pointed at the OpenAI stub, and readers for what the
 * stub received (messages, the numbered passages of the answer prompt, condense prompts).
 */
import type { RecordedRequest, StubMessage, StubReply } from './openai-stub.js';
import type { Logger } from 'pino';
import { startTestServer, type TestServer } from './test-server.js';

export function startLlmServer(stubUrl: string, env: Record<string, string> = {}, opts: { logger?: Logger } = {}): Promise<TestServer> {
  return startTestServer({ env: { OPENAI_API_KEY: 'sk-test-not-a-real-key', OPENAI_BASE_URL: `${stubUrl}/v1`, ...env }, ...opts });
}

export function messagesOf(req: RecordedRequest | undefined): StubMessage[] {
  const body = req?.body as { messages?: Array<{ role: string; content: unknown }> } | undefined;
  return (body?.messages ?? []).map((m) => ({ role: m.role, content: typeof m.content === 'string' ? m.content : JSON.stringify(m.content) }));
}

export const CONDENSE_PREFIX = "Rewrite the user's last question";

export function isCondense(messages: readonly StubMessage[]): boolean {
  return messages.some((m) => m.role === 'system' && m.content.startsWith(CONDENSE_PREFIX));
}

export interface PromptPassage {
  n: number;
  section: string;
  text: string;
}

/** The numbered passages of an answer prompt. */
export function passagesOf(messages: readonly StubMessage[]): PromptPassage[] {
  const user = messages.find((m) => m.role === 'user')?.content ?? '';
  return [...user.matchAll(/<passage n="(\d+)" section="([^"]*)">\n([\s\S]*?)\n<\/passage>/g)].map((m) => ({ n: Number(m[1]), section: m[2] ?? '', text: m[3] ?? '' }));
}

/** The question line of an answer prompt, or the last question of a condense prompt. */
export function questionOf(messages: readonly StubMessage[]): string {
  const user = messages.find((m) => m.role === 'user')?.content ?? '';
  return /(?:^|\n)(?:Last question|Question): (.*)$/.exec(user)?.[1] ?? '';
}

/** A fallback that repeats condense questions unchanged and answers with `answer`. */
export function defaultFallback(answer = 'Heihe is a city in Heilongjiang province [1].'): (messages: StubMessage[]) => StubReply {
  return (messages) => (isCondense(messages) ? { kind: 'text', text: questionOf(messages) } : { kind: 'text', text: answer });
}

/** A model's reply that quotes the first sentence of passage `n` of the prompt, citing it: supported whatever was retrieved. */
export function quoting(messages: readonly StubMessage[], n = 1): string {
  const text = passagesOf(messages).find((p) => p.n === n)?.text ?? '';
  return `${(text.split(/(?<=[.!?])\s+/)[0] ?? text).replace(/[.!?]$/, '')} [${n}].`;
}

/**
 * A model's reply to an answer prompt that cites, for each `[*]`, the passage holding
 * `evidence` (as numbered in that prompt): scripted answers that are supported by what they
 * cite, whatever order retrieval put the passages in. Throws when no passage holds it.
 */
export function citing(messages: readonly StubMessage[], claim: string, evidence: string): string {
  const passage = passagesOf(messages).find((p) => p.text.includes(evidence));
  if (!passage) throw new Error(`no passage of the prompt holds "${evidence}"`);
  return claim.replaceAll('[*]', `[${passage.n}]`);
}
