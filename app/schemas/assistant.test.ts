import { describe, expect, test } from "vitest";
import {
  ASSISTANT_FIELDS,
  DEFAULT_MODEL_CONFIG,
  ModelConfigSchema,
  modelConfigSchema,
  PROFILE_FIELDS,
} from "./assistant";
import type { SettingsRules } from "./model-settings";

// The lab's model settings, checked against what each model takes. The rules
// here stand in for the model table (app/provider/models.ts), which the lab
// and the server pass in.
const RULES: Record<string, SettingsRules> = {
  "gpt-4o": { sampling: ["temperature", "top_p", "frequency_penalty", "presence_penalty"], reasoningEfforts: [] },
  o3: { sampling: [], reasoningEfforts: ["low", "medium", "high"] },
};
const schema = modelConfigSchema(Object.keys(RULES), (model) => RULES[model]!);

const messages = (result: ReturnType<typeof schema.safeParse>) =>
  result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);

describe("the model settings the lab asks for", () => {
  test("a reasoning model needs no sampling settings, and stores them at the API's defaults", () => {
    expect(schema.parse({ model: "o3", max_tokens: "1000", reasoning_effort: "high" })).toEqual({
      model: "o3",
      max_tokens: 1000,
      temperature: 1,
      top_p: 1,
      frequency_penalty: 0,
      presence_penalty: 0,
      reasoning_effort: "high",
    });
  });

  test("sampling settings sent for a reasoning model are left out, not refused", () => {
    const parsed = schema.parse({ model: "o3", max_tokens: "1000", temperature: "0.7", top_p: "0.9" });
    expect(parsed).toMatchObject({ temperature: 1, top_p: 1 });
    expect(parsed).not.toHaveProperty("reasoning_effort");
  });

  test("a standard model needs every sampling setting it takes", () => {
    expect(messages(schema.safeParse({ model: "gpt-4o", max_tokens: "1000", temperature: "", top_p: "1" }))).toEqual([
      "temperature: Enter a number for Temperature.",
      "frequency_penalty: Enter a number for Frequency penalty.",
      "presence_penalty: Enter a number for Presence penalty.",
    ]);
  });

  test("a reasoning effort the model does not take is refused, naming the ones it does", () => {
    expect(messages(schema.safeParse({ model: "o3", max_tokens: "1000", reasoning_effort: "minimal" }))).toEqual([
      "reasoning_effort: o3 takes a reasoning effort of low, medium or high.",
    ]);
    expect(messages(schema.safeParse({ model: "o3", max_tokens: "1000", reasoning_effort: "extreme" }))).toEqual([
      "reasoning_effort: Choose a reasoning effort from the list.",
    ]);
  });

  test("a reasoning effort for a model that takes none is dropped, and a blank one means the default", () => {
    const standard = { model: "gpt-4o", max_tokens: "10", temperature: "0.5", top_p: "1" };
    const full = { ...standard, frequency_penalty: "0", presence_penalty: "0" };
    expect(schema.parse({ ...full, reasoning_effort: "high" })).not.toHaveProperty("reasoning_effort");
    expect(schema.parse({ model: "o3", max_tokens: "10", reasoning_effort: "" })).not.toHaveProperty(
      "reasoning_effort",
    );
  });

  test("without rules every setting is asked for, as before", () => {
    const lenient = modelConfigSchema(["o3"]);
    expect(messages(lenient.safeParse({ model: "o3", max_tokens: "10" }))).toContain(
      "temperature: Enter a number for Temperature.",
    );
    expect(
      lenient.parse({
        model: "o3",
        max_tokens: "10",
        temperature: "0.7",
        top_p: "1",
        frequency_penalty: "0",
        presence_penalty: "0",
        reasoning_effort: "xhigh",
      }),
    ).toMatchObject({ temperature: 0.7, reasoning_effort: "xhigh" });
  });
});

describe("one shape for an assistant", () => {
  test("the profile and the stored model config are fields of the lab's schema, not copies beside it", () => {
    for (const field of PROFILE_FIELDS) expect(ASSISTANT_FIELDS).toContain(field);
    for (const field of Object.keys(ModelConfigSchema.shape)) expect(ASSISTANT_FIELDS).toContain(field);
    // Every lab field is the profile's, a prompt's or the model config's: nothing is kept anywhere else.
    const accounted = new Set<string>([
      ...PROFILE_FIELDS,
      ...Object.keys(ModelConfigSchema.shape),
      "instructions",
      "summary_prompt",
    ]);
    expect(ASSISTANT_FIELDS.filter((field) => !accounted.has(field))).toEqual([]);
  });

  test("a stored config is read with the schema: what is not a config is refused", () => {
    expect(ModelConfigSchema.safeParse({ ...DEFAULT_MODEL_CONFIG, model: "gpt-4o" }).success).toBe(true);
    expect(
      ModelConfigSchema.safeParse({ ...DEFAULT_MODEL_CONFIG, model: "gpt-4o", reasoning_effort: "extreme" }).success,
    ).toBe(false);
    expect(ModelConfigSchema.safeParse({ model: "gpt-4o" }).success).toBe(false);
  });
});
