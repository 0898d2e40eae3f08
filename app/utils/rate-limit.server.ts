import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { getEnv } from "./env.server";

// Counted in this process's memory: enough for one instance, and a scaled-out
// deployment still caps each client per instance (docs/decisions/005).

export type LimitResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export function createLimiter(points: number, durationSeconds: number) {
  const limiter = new RateLimiterMemory({ points, duration: durationSeconds });
  return async function consume(key: string): Promise<LimitResult> {
    try {
      await limiter.consume(key);
      return { allowed: true };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
    }
  };
}

let signInLimiter: ReturnType<typeof createLimiter> | undefined;

export function consumeSignInAttempt(clientAddress: string): Promise<LimitResult> {
  const env = getEnv();
  signInLimiter ??= createLimiter(env.SIGN_IN_ATTEMPTS, env.SIGN_IN_WINDOW_SECONDS);
  return signInLimiter(clientAddress);
}

let chatLimiter: ReturnType<typeof createLimiter> | undefined;

export function consumeChatTurn(userId: string): Promise<LimitResult> {
  chatLimiter ??= createLimiter(getEnv().CHAT_TURNS_PER_MINUTE, 60);
  return chatLimiter(userId);
}

export function describeWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}
