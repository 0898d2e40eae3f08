import {
  FormProvider,
  getFormProps,
  getInputProps,
  getSelectProps,
  getTextareaProps,
  useField,
  useForm,
  type FieldName,
  type SubmissionResult,
} from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import { Form, useNavigation } from "@remix-run/react";
import { useMemo } from "react";
import { assistantSchema, LIMITS, PRESETS, SESSION_TYPES, type PresetName } from "~/schemas/assistant";
import { AssistantCard } from "./assistant-card";
import { TestDrive } from "./test-drive";
import { buttonPrimary, buttonSecondary, errorClass, hintClass, inputClass, labelClass } from "./ui";

export type AssistantFormValues = {
  name: string;
  tag_line: string;
  description: string;
  instructions: string;
  summary_prompt: string;
  session_type: string;
  model: string;
  max_tokens: string;
  temperature: string;
  top_p: string;
  frequency_penalty: string;
  presence_penalty: string;
  starter_prompts: string[];
};

/** The lab: every field of an assistant, a live preview of its card, and a test drive. */
export function AssistantForm({
  models,
  defaultValue,
  lastResult,
  submitLabel,
}: {
  models: string[];
  defaultValue: AssistantFormValues;
  lastResult: SubmissionResult<string[]> | undefined;
  submitLabel: string;
}) {
  const schema = useMemo(() => assistantSchema(models), [models]);
  const navigation = useNavigation();
  const saving = navigation.state === "submitting" && navigation.formMethod === "POST";
  const [form, fields] = useForm({
    id: "assistant",
    lastResult,
    defaultValue,
    constraint: getZodConstraint(schema),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema }),
  });
  const starterFields = fields.starter_prompts.getFieldList();

  const applyPreset = (preset: PresetName) => {
    for (const [name, value] of Object.entries(PRESETS[preset])) {
      form.update({ name: fields[name as keyof typeof PRESETS.Coaching].name, value: String(value) });
    }
  };

  // The test drive chats with what the form holds right now, saved or not.
  const draft = Object.fromEntries(
    (
      [
        "instructions",
        "session_type",
        "model",
        "max_tokens",
        "temperature",
        "top_p",
        "frequency_penalty",
        "presence_penalty",
      ] as const
    ).map((name) => [name, String(fields[name].value ?? "")]),
  );

  return (
    <div className="grid gap-8 lg:grid-cols-[minmax(0,1fr)_22rem]">
      <FormProvider context={form.context}>
        <Form method="post" {...getFormProps(form)} className="space-y-8">
          {form.errors ? (
            <div
              role="alert"
              id={form.errorId}
              className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200"
            >
              {form.errors.join(" ")}
            </div>
          ) : null}

          <fieldset className="space-y-4">
            <legend className="text-lg font-semibold">Profile</legend>
            <TextField label="Name" name={fields.name.name} max={LIMITS.name} />
            <TextField label="Tag line" name={fields.tag_line.name} max={LIMITS.tagLine} />
            <TextArea label="Description" name={fields.description.name} max={LIMITS.description} rows={3} />
          </fieldset>

          <fieldset className="space-y-4">
            <legend className="text-lg font-semibold">Behaviour</legend>
            <TextArea
              label="Instructions"
              name={fields.instructions.name}
              max={LIMITS.instructions}
              rows={8}
              hint="The system prompt: who the assistant is, how it answers, what it avoids."
            />
            <TextArea
              label="Summary prompt"
              name={fields.summary_prompt.name}
              max={LIMITS.summaryPrompt}
              rows={2}
              hint="Used to recap a session, and in coaching sessions to condense older turns."
            />
            <div role="radiogroup" aria-labelledby="session-type-label" aria-describedby={fields.session_type.errorId}>
              <span id="session-type-label" className={labelClass}>
                Session type
              </span>
              <div className="mt-2 grid gap-2 sm:grid-cols-2">
                {Object.entries(SESSION_TYPES).map(([value, type]) => (
                  <label
                    key={value}
                    className="flex gap-3 rounded-md border border-slate-300 p-3 text-sm has-[:checked]:border-indigo-600 dark:border-slate-700"
                  >
                    <input
                      type="radio"
                      name={fields.session_type.name}
                      value={value}
                      defaultChecked={fields.session_type.initialValue === value}
                      className="mt-1"
                    />
                    <span>
                      <span className="font-medium">{type.label}</span>
                      <span className="block text-slate-600 dark:text-slate-300">{type.explanation}</span>
                    </span>
                  </label>
                ))}
              </div>
              <FieldError name={fields.session_type.name} />
            </div>
            <fieldset>
              <legend className={labelClass}>Starter prompts</legend>
              <p className={hintClass}>Up to four, shown as chips when a chat opens.</p>
              <div className="mt-2 grid gap-2 sm:grid-cols-2">
                {starterFields.map((field, index) => (
                  <div key={field.key}>
                    <label htmlFor={field.id} className="sr-only">{`Starter prompt ${index + 1}`}</label>
                    <input
                      {...getInputProps(field, { type: "text" })}
                      placeholder={`Starter prompt ${index + 1}`}
                      maxLength={LIMITS.starterPrompt}
                      className={inputClass}
                    />
                    <FieldError name={field.name} />
                  </div>
                ))}
              </div>
            </fieldset>
          </fieldset>

          <fieldset className="space-y-4">
            <legend className="text-lg font-semibold">Model and sampling</legend>
            <div>
              <label htmlFor={fields.model.id} className={labelClass}>
                Model
              </label>
              <select {...getSelectProps(fields.model)} className={inputClass}>
                {fields.model.initialValue && !models.includes(fields.model.initialValue) ? (
                  <option
                    value={fields.model.initialValue}
                  >{`${fields.model.initialValue} (not available to your key)`}</option>
                ) : null}
                {models.map((model) => (
                  <option key={model} value={model}>
                    {model}
                  </option>
                ))}
              </select>
              <FieldError name={fields.model.name} />
            </div>
            <div>
              <span className={labelClass}>Personality preset</span>
              <p className={hintClass}>Fills the sampling settings below; adjust them freely (Custom).</p>
              <div className="mt-2 flex flex-wrap gap-2">
                {(Object.keys(PRESETS) as PresetName[]).map((preset) => (
                  <button key={preset} type="button" onClick={() => applyPreset(preset)} className={buttonSecondary}>
                    {preset}
                  </button>
                ))}
              </div>
            </div>
            <div className="grid gap-4 sm:grid-cols-2">
              <NumberField label="Max tokens" name={fields.max_tokens.name} step="1" />
              <NumberField
                label="Temperature"
                name={fields.temperature.name}
                step="0.05"
                hint="0 to 2: higher is more varied."
              />
              <NumberField label="Top P" name={fields.top_p.name} step="0.05" hint="0 to 1." />
              <NumberField
                label="Frequency penalty"
                name={fields.frequency_penalty.name}
                step="0.1"
                hint="−2 to 2: discourages repeating words."
              />
              <NumberField
                label="Presence penalty"
                name={fields.presence_penalty.name}
                step="0.1"
                hint="−2 to 2: encourages new topics."
              />
            </div>
          </fieldset>

          <button type="submit" disabled={saving} className={buttonPrimary}>
            {saving ? "Saving…" : submitLabel}
          </button>
        </Form>
      </FormProvider>

      <aside className="space-y-6 lg:sticky lg:top-4 lg:self-start">
        <section aria-label="Preview">
          <h2 className="mb-2 text-sm font-semibold uppercase tracking-wide text-slate-500">Preview</h2>
          <AssistantCard
            bot={{
              id: "",
              name: fields.name.value ?? "",
              tag_line: fields.tag_line.value ?? "",
              description: fields.description.value ?? "",
              sessions_started: 0,
            }}
          />
        </section>
        <TestDrive draft={draft} />
      </aside>
    </div>
  );
}

// Field components subscribe to their own field (conform's useField), so only
// they re-render as the person types. They take a field's name: a plain
// string is every FieldName, whatever the schema says the field holds.
type Name = string;

function FieldError({ name }: { name: Name }) {
  const [field] = useField(name);
  return (
    <p id={field.errorId} className={errorClass}>
      {field.errors?.join(" ")}
    </p>
  );
}

function Counter({ name, max }: { name: Name; max: number }) {
  const [field] = useField(name);
  const length = String(field.value ?? "").length;
  return (
    <span
      className={`text-xs ${length > max ? "text-red-600" : "text-slate-500 dark:text-slate-400"}`}
      aria-hidden="true"
    >
      {length}/{max}
    </span>
  );
}

function LabelWithCounter({ label, htmlFor, name, max }: { label: string; htmlFor: string; name: Name; max: number }) {
  return (
    <div className="flex items-baseline justify-between">
      <label htmlFor={htmlFor} className={labelClass}>
        {label}
      </label>
      <Counter name={name} max={max} />
    </div>
  );
}

function TextField({ label, name, max }: { label: string; name: Name; max: number }) {
  const [field] = useField<string>(name as FieldName<string>);
  return (
    <div>
      <LabelWithCounter label={label} htmlFor={field.id} name={name} max={max} />
      <input {...getInputProps(field, { type: "text" })} className={inputClass} />
      <FieldError name={name} />
    </div>
  );
}

function TextArea({
  label,
  name,
  max,
  rows,
  hint,
}: {
  label: string;
  name: Name;
  max: number;
  rows: number;
  hint?: string;
}) {
  const [field] = useField<string>(name as FieldName<string>);
  return (
    <div>
      <LabelWithCounter label={label} htmlFor={field.id} name={name} max={max} />
      {hint ? <p className={hintClass}>{hint}</p> : null}
      <textarea {...getTextareaProps(field)} rows={rows} className={inputClass} />
      <FieldError name={name} />
    </div>
  );
}

function NumberField({ label, name, step, hint }: { label: string; name: Name; step: string; hint?: string }) {
  const [field] = useField<string>(name as FieldName<string>);
  return (
    <div>
      <label htmlFor={field.id} className={labelClass}>
        {label}
      </label>
      <input {...getInputProps(field, { type: "number" })} step={step} className={inputClass} />
      {hint ? <p className={hintClass}>{hint}</p> : null}
      <FieldError name={name} />
    </div>
  );
}
