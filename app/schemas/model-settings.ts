// The names of the settings a model may take, shared by the lab's schema, the
// model table and the environment's parser. Plain constants with no imports:
// the HTTP server runs env.server.ts with Node directly, without a bundler.

export const SAMPLING_SETTINGS = ["temperature", "top_p", "frequency_penalty", "presence_penalty"] as const;
export type SamplingSetting = (typeof SAMPLING_SETTINGS)[number];

/** Every value the API's `reasoning_effort` knows (as the official SDK lists them); each model takes some of them. */
export const REASONING_EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh", "max"] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

/** Which parameter bounds a reply: reasoning models refuse `max_tokens`. */
export const TOKEN_LIMITS = ["max_tokens", "max_completion_tokens"] as const;
export type TokenLimit = (typeof TOKEN_LIMITS)[number];

/** The role the assistant's instructions travel in: o1-mini takes neither system nor developer messages. */
export const INSTRUCTION_ROLES = ["system", "developer", "user"] as const;
export type InstructionRole = (typeof INSTRUCTION_ROLES)[number];

/** What the lab needs to know of a model to ask only for the settings it takes. */
export type SettingsRules = {
  sampling: readonly SamplingSetting[];
  reasoningEfforts: readonly ReasoningEffort[];
};

/** For a caller that does not know the model: every setting is asked for, and the request leaves out what the model refuses. */
export const EVERY_SETTING: SettingsRules = { sampling: SAMPLING_SETTINGS, reasoningEfforts: REASONING_EFFORTS };

/** The API's own defaults: a setting stored at these values changes nothing when it is left out. */
export const NEUTRAL_SAMPLING: Record<SamplingSetting, number> = {
  temperature: 1,
  top_p: 1,
  frequency_penalty: 0,
  presence_penalty: 0,
};

export const SAMPLING_LABELS: Record<SamplingSetting, string> = {
  temperature: "Temperature",
  top_p: "Top P",
  frequency_penalty: "Frequency penalty",
  presence_penalty: "Presence penalty",
};

/** ["low", "medium", "high"] → "low, medium or high" */
export function listOf(values: readonly string[], last = "or"): string {
  return values.length < 2 ? values.join("") : `${values.slice(0, -1).join(", ")} ${last} ${values.at(-1)}`;
}
