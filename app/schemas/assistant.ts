import { labelText } from "./text";
import { z } from "./zod";

// One schema for the lab form, used by the browser (as you type) and by the
// action (authoritative). The model list is the person's own, so the schema is
// built per request from it.

export const LIMITS = {
  name: 40,
  tagLine: 60,
  description: 300,
  instructions: 4_000,
  summaryPrompt: 1_000,
  starterPrompt: 200,
  starterPrompts: 4,
  maxTokens: 32_768,
} as const;

export const DEFAULT_SUMMARY_PROMPT = "Summarize what we have discussed so far.";

export const SESSION_TYPES = {
  2: {
    label: "Brainstorming",
    explanation: "Keeps the most recent messages in view: good for quick, free-flowing ideas.",
  },
  3: {
    label: "Coaching",
    explanation: "Summarizes older turns as the talk grows, so long sessions keep their thread.",
  },
} as const;

export type SessionType = keyof typeof SESSION_TYPES;

export const DEFAULT_MODEL_CONFIG = {
  max_tokens: 1_000,
  temperature: 0.7,
  top_p: 1,
  frequency_penalty: 0,
  presence_penalty: 0,
};

/** GPT Lab's personalities: each fills the sampling settings. */
export const PRESETS = {
  Coaching: { temperature: 0.7, top_p: 1, frequency_penalty: 0.2, presence_penalty: 0.3 },
  Creative: { temperature: 1.1, top_p: 1, frequency_penalty: 0.5, presence_penalty: 0.6 },
  Sarcastic: { temperature: 0.9, top_p: 1, frequency_penalty: 0.4, presence_penalty: 0.4 },
  Truthful: { temperature: 0.2, top_p: 0.9, frequency_penalty: 0, presence_penalty: 0 },
  Witty: { temperature: 1, top_p: 1, frequency_penalty: 0.3, presence_penalty: 0.5 },
} as const;

export type PresetName = keyof typeof PRESETS;

const text = (label: string, max: number) =>
  z
    .string({ error: `Enter ${label}.` })
    .trim()
    .min(1, `Enter ${label}.`)
    .max(max, `Keep ${label} to ${max.toLocaleString("en-US")} characters or fewer.`);

const optionalText = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, `Keep ${label} to ${max.toLocaleString("en-US")} characters or fewer.`)
    .optional()
    .transform((value) => value ?? "");

const number = (label: string, min: number, max: number) =>
  z.coerce
    .number({ error: `Enter a number for ${label}.` })
    .min(min, `${label} must be between ${min} and ${max}.`)
    .max(max, `${label} must be between ${min} and ${max}.`);

export function modelConfigSchema(models: readonly string[]) {
  return z.object({
    model: z
      .string({ error: "Choose a model." })
      .refine((model) => models.includes(model), "Your API key cannot use this model. Choose one from the list."),
    max_tokens: number("Max tokens", 1, LIMITS.maxTokens).int("Max tokens must be a whole number."),
    temperature: number("Temperature", 0, 2),
    top_p: number("Top P", 0, 1),
    frequency_penalty: number("Frequency penalty", -2, 2),
    presence_penalty: number("Presence penalty", -2, 2),
  });
}

export function assistantSchema(models: readonly string[]) {
  return z
    .object({
      name: labelText("a name", LIMITS.name),
      tag_line: labelText("a tag line", LIMITS.tagLine),
      description: optionalText("the description", LIMITS.description),
      instructions: text("instructions", LIMITS.instructions),
      summary_prompt: optionalText("the summary prompt", LIMITS.summaryPrompt).transform(
        (value) => value || DEFAULT_SUMMARY_PROMPT,
      ),
      session_type: z.coerce
        .number({ error: "Choose brainstorming or coaching." })
        .pipe(z.union([z.literal(2), z.literal(3)], { error: "Choose brainstorming or coaching." })),
      starter_prompts: z
        .array(optionalText("each starter prompt", LIMITS.starterPrompt))
        .max(LIMITS.starterPrompts, `Add at most ${LIMITS.starterPrompts} starter prompts.`)
        .optional()
        .transform((prompts) => (prompts ?? []).filter(Boolean)),
    })
    .extend(modelConfigSchema(models).shape);
}

export type AssistantInput = z.infer<ReturnType<typeof assistantSchema>>;
export type ModelConfig = z.infer<ReturnType<typeof modelConfigSchema>>;
