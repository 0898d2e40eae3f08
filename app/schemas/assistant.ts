import {
  EVERY_SETTING,
  listOf,
  NEUTRAL_SAMPLING,
  REASONING_EFFORTS,
  SAMPLING_LABELS,
  type SamplingSetting,
  type SettingsRules,
} from "./model-settings";
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

/** A form leaves out a field it does not show, or sends it blank; a JSON body may send "" or null. */
const blankAsMissing = (value: unknown) => (value === "" || value === null ? undefined : value);

const optionalNumber = (label: string, min: number, max: number) =>
  z.preprocess(blankAsMissing, number(label, min, max).optional());

// Each sampling setting is optional here: whether the model takes it decides,
// in withModelRules, if it is required or left out.
const samplingFields = {
  temperature: optionalNumber(SAMPLING_LABELS.temperature, 0, 2),
  top_p: optionalNumber(SAMPLING_LABELS.top_p, 0, 1),
  frequency_penalty: optionalNumber(SAMPLING_LABELS.frequency_penalty, -2, 2),
  presence_penalty: optionalNumber(SAMPLING_LABELS.presence_penalty, -2, 2),
};

function modelConfigFields(models: readonly string[]) {
  return {
    model: z
      .string({ error: "Choose a model." })
      .refine((model) => models.includes(model), "Your API key cannot use this model. Choose one from the list."),
    max_tokens: number("Max tokens", 1, LIMITS.maxTokens).int("Max tokens must be a whole number."),
    ...samplingFields,
    reasoning_effort: z.preprocess(
      blankAsMissing,
      z.enum(REASONING_EFFORTS, { error: "Choose a reasoning effort from the list." }).optional(),
    ),
  };
}

/**
 * The settings an assistant's model runs with, as its model config version
 * stores them: what the lab's settings become once the model's rules have
 * applied. Read back with this schema, so a document that is not one is
 * caught where it is read. A reasoning effort that is absent means the
 * model's own default (older configs have none).
 */
export const ModelConfigSchema = z.object({
  model: z.string(),
  max_tokens: z.number().int().positive(),
  temperature: z.number(),
  top_p: z.number(),
  frequency_penalty: z.number(),
  presence_penalty: z.number(),
  reasoning_effort: z.enum(REASONING_EFFORTS).optional(),
});

export type ModelConfig = z.infer<typeof ModelConfigSchema>;

type RawModelConfig = Omit<ModelConfig, SamplingSetting> & Partial<Record<SamplingSetting, number>>;

/**
 * Keeps what the chosen model takes: a setting it takes is required; one it
 * refuses is not asked for and is stored at the API's default, so it changes
 * nothing if the model changes later; a reasoning effort must be one the
 * model knows, and is dropped for a model that takes none.
 */
function withModelRules<T extends RawModelConfig>(
  input: T,
  ctx: z.core.$RefinementCtx,
  rulesOf: (model: string) => SettingsRules,
): Omit<T, SamplingSetting | "reasoning_effort"> & ModelConfig {
  const rules = rulesOf(input.model);
  const { reasoning_effort, temperature, top_p, frequency_penalty, presence_penalty, ...rest } = input;
  const given = { temperature, top_p, frequency_penalty, presence_penalty };
  const sampling = { ...NEUTRAL_SAMPLING };
  for (const name of rules.sampling) {
    const value = given[name];
    if (value === undefined) {
      ctx.addIssue({ code: "custom", path: [name], message: `Enter a number for ${SAMPLING_LABELS[name]}.` });
    } else {
      sampling[name] = value;
    }
  }
  const keepEffort = reasoning_effort !== undefined && rules.reasoningEfforts.length > 0;
  if (keepEffort && !rules.reasoningEfforts.includes(reasoning_effort)) {
    ctx.addIssue({
      code: "custom",
      path: ["reasoning_effort"],
      message: `${input.model} takes a reasoning effort of ${listOf(rules.reasoningEfforts)}.`,
    });
  }
  return { ...rest, ...sampling, ...(keepEffort ? { reasoning_effort } : {}) };
}

/**
 * The model settings of the lab and of a test drive. `rulesOf` says which
 * settings each model takes; without it every setting is asked for, and the
 * request builder still leaves out what the model refuses.
 */
export function modelConfigSchema(
  models: readonly string[],
  rulesOf: (model: string) => SettingsRules = () => EVERY_SETTING,
) {
  return z.object(modelConfigFields(models)).transform((input, ctx) => withModelRules(input, ctx, rulesOf));
}

function assistantFields(models: readonly string[]) {
  return {
    name: labelText("a name", LIMITS.name),
    tag_line: labelText("a tag line", LIMITS.tagLine),
    description: optionalText("the description", LIMITS.description),
    instructions: text("instructions", LIMITS.instructions),
    summary_prompt: optionalText("the summary prompt", LIMITS.summaryPrompt).transform(
      (value) => value || DEFAULT_SUMMARY_PROMPT,
    ),
    // A checkbox: "on" when ticked, absent when not. Left out, the instructions stay private, as GPT Lab kept them.
    instructions_visible: z.preprocess((value) => value === "on" || value === true, z.boolean()),
    session_type: z.coerce
      .number({ error: "Choose brainstorming or coaching." })
      .pipe(z.union([z.literal(2), z.literal(3)], { error: "Choose brainstorming or coaching." })),
    starter_prompts: z
      .array(optionalText("each starter prompt", LIMITS.starterPrompt))
      .max(LIMITS.starterPrompts, `Add at most ${LIMITS.starterPrompts} starter prompts.`)
      .optional()
      .transform((prompts) => (prompts ?? []).filter(Boolean)),
    ...modelConfigFields(models),
  };
}

/** Every field the lab form posts. */
export const ASSISTANT_FIELDS = Object.keys(assistantFields([]));

/** The lab's fields one by one, before the model's rules: what the browser's input constraints come from. */
export function assistantFieldsSchema(models: readonly string[]) {
  return z.object(assistantFields(models));
}

/** The lab form, for the person's own models; `rulesOf` as in modelConfigSchema. */
export function assistantSchema(
  models: readonly string[],
  rulesOf: (model: string) => SettingsRules = () => EVERY_SETTING,
) {
  return assistantFieldsSchema(models).transform((input, ctx) => withModelRules(input, ctx, rulesOf));
}

export type AssistantInput = z.infer<ReturnType<typeof assistantSchema>>;

/** The fields of an assistant's profile (the bot document itself); the rest are its versions. */
export const PROFILE_FIELDS = [
  "name",
  "tag_line",
  "description",
  "instructions_visible",
  "session_type",
  "starter_prompts",
] as const;

/** An assistant's profile as the lab saves it and pages show it. */
export type AssistantProfile = Pick<AssistantInput, (typeof PROFILE_FIELDS)[number]>;

type AssistantFieldsShape = ReturnType<typeof assistantFields>;

/** The lab form's values as the browser holds them: text for every field, a list for the lists. */
export type AssistantFormValues = {
  [K in keyof AssistantFieldsShape]: z.output<AssistantFieldsShape[K]> extends unknown[] ? string[] : string;
};
