// A valid AssistantInput for tests and benchmarks, parsed by the lab's own schema.
import { assistantSchema, type AssistantInput } from "~/schemas/assistant";

/** The lab form's fields, filled in validly, as a browser posts them. */
export function assistantFields(fields: Record<string, string> = {}): Record<string, string> {
  return {
    name: "Helper",
    tag_line: "Helps",
    instructions: "Help.",
    session_type: "2",
    model: "gpt-4o-mini",
    max_tokens: "100",
    temperature: "1",
    top_p: "1",
    frequency_penalty: "0",
    presence_penalty: "0",
    ...fields,
  };
}

export function assistantInput(fields: Record<string, string> = {}): AssistantInput {
  const values = assistantFields(fields);
  return assistantSchema([values.model!]).parse(values);
}
