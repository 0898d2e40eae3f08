import type { BotWithActive } from "~/models/bots.server";
import { configuredEntries, settingsRulesOf } from "~/provider/models.server";
import {
  ASSISTANT_FIELDS,
  assistantSchema,
  DEFAULT_MODEL_CONFIG,
  DEFAULT_SUMMARY_PROMPT,
  LIMITS,
  type AssistantFormValues,
} from "~/schemas/assistant";
import type { FormShape } from "~/utils/request-body.server";

/** The lab form's fields, as readForm keeps them. */
export const ASSISTANT_FORM: FormShape = {
  fields: ASSISTANT_FIELDS,
  lists: { starter_prompts: LIMITS.starterPrompts },
  maxChars: {
    name: LIMITS.name + 1,
    tag_line: LIMITS.tagLine + 1,
    description: LIMITS.description + 1,
    instructions: LIMITS.instructions + 1,
    summary_prompt: LIMITS.summaryPrompt + 1,
    starter_prompts: LIMITS.starterPrompt + 1,
  },
};

/** The lab's schema as the server runs it: the person's models, and the settings each takes. */
export function labSchema(models: readonly string[]) {
  return assistantSchema(models, settingsRulesOf);
}

/**
 * What the lab's browser code needs besides the person's models: the
 * configuration's model-table entries, which it lays over the built-in table
 * so that it shows (and checks) the settings the server will accept.
 */
export function labModelTable() {
  return configuredEntries();
}

/** The lab's starting values: blank, or an existing bot's (to edit or to duplicate). */
export function assistantFormValues(models: string[], bot?: BotWithActive | null): AssistantFormValues {
  const config = bot?.modelConfig.config ?? { ...DEFAULT_MODEL_CONFIG, model: preferredModel(models) };
  const starters = [...(bot?.starter_prompts ?? [])];
  while (starters.length < LIMITS.starterPrompts) starters.push("");
  return {
    name: bot?.name ?? "",
    tag_line: bot?.tag_line ?? "",
    description: bot?.description ?? "",
    instructions: bot?.instructions.message ?? "",
    instructions_visible: bot?.instructions_visible ? "on" : "",
    summary_prompt: bot?.summary.message ?? DEFAULT_SUMMARY_PROMPT,
    session_type: String(bot?.session_type ?? 2),
    model: config.model,
    max_tokens: String(config.max_tokens),
    temperature: String(config.temperature),
    top_p: String(config.top_p),
    frequency_penalty: String(config.frequency_penalty),
    presence_penalty: String(config.presence_penalty),
    // Older configs have none: the model's own default.
    reasoning_effort: config.reasoning_effort ?? "",
    starter_prompts: starters,
  };
}

const PREFERRED = ["gpt-4o-mini", "gpt-4.1-mini", "gpt-4o"];

function preferredModel(models: string[]): string {
  return PREFERRED.find((model) => models.includes(model)) ?? models[0] ?? "";
}
