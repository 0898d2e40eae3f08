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
import { useCallback, useMemo, useRef, useState } from "react";
import {
  describeModel,
  isReasoning,
  mergeTables,
  MODEL_TABLE,
  type ModelFacts,
  type ModelTable,
} from "~/provider/models";
import {
  assistantFieldsSchema,
  assistantSchema,
  LIMITS,
  PRESETS,
  SESSION_TYPES,
  type AssistantFormValues,
  type PresetName,
} from "~/schemas/assistant";
import { NEUTRAL_SAMPLING, SAMPLING_LABELS, SAMPLING_SETTINGS, type SamplingSetting } from "~/schemas/model-settings";
import { AssistantCard } from "./assistant-card";
import { TestDrive, type Draft } from "./test-drive";
import { useLabDraft } from "./use-lab-draft";
import { buttonPrimary, buttonSecondary, errorClass, hintClass, inputClass, labelClass } from "./ui";

export type { AssistantFormValues };

/** How each sampling setting is typed in: its step and what its range means. */
const SAMPLING_INPUTS: Record<SamplingSetting, { step: string; hint: string }> = {
  temperature: { step: "0.05", hint: "0 to 2: higher is more varied." },
  top_p: { step: "0.05", hint: "0 to 1." },
  frequency_penalty: { step: "0.1", hint: "−2 to 2: discourages repeating words." },
  presence_penalty: { step: "0.1", hint: "−2 to 2: encourages new topics." },
};

/**
 * The lab: every field of an assistant, a live preview of its card, and a
 * test drive. It asks only for the settings the chosen model takes, from the
 * model table with the server's configured entries (`modelTable`) over it.
 */
export function AssistantForm({
  models,
  modelTable,
  defaultValue,
  lastResult,
  submitLabel,
  draftKey,
}: {
  /** Where this page keeps its draft in the browser (see useLabDraft). */
  draftKey: string;
  models: string[];
  modelTable: ModelTable;
  defaultValue: AssistantFormValues;
  lastResult: SubmissionResult<string[]> | undefined;
  submitLabel: string;
}) {
  const table = useMemo(() => mergeTables(MODEL_TABLE, modelTable), [modelTable]);
  const schema = useMemo(() => assistantSchema(models, (model) => describeModel(model, table)), [models, table]);
  const navigation = useNavigation();
  const saving = navigation.state === "submitting" && navigation.formMethod === "POST";
  const [form, fields] = useForm({
    id: "assistant",
    lastResult,
    defaultValue,
    // Conform reads constraints from an object schema, not from one the model's rules transform.
    constraint: getZodConstraint(assistantFieldsSchema(models)),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema }),
  });
  const starterFields = fields.starter_prompts.getFieldList();
  const facts = describeModel(fields.model.value ?? "", table);
  const takes = (setting: SamplingSetting) => facts.sampling.includes(setting);

  // One source of truth: the form itself. The test drive reads what its
  // fields hold when a message is sent, and the preset shown is worked out from
  // them, so neither can drift from what the person sees and what a save sends.
  const formRef = useRef<HTMLFormElement>(null);
  const readDraft = useCallback((): Draft => {
    const values = new FormData(formRef.current!);
    return draftOf((name) => String(values.get(name) ?? ""), table);
  }, [table]);
  const [shown, setShown] = useState<Draft>(() =>
    draftOf((name) => String(defaultValue[name as keyof AssistantFormValues] ?? ""), table),
  );
  const { changed } = useLabDraft(draftKey, {
    read: () => parseWithZod(new FormData(formRef.current!), { schema }).payload,
    restore: (values) => {
      // The whole form at once (no field name): conform types that value loosely.
      form.update({ value: values as never });
      requestAnimationFrame(() => setShown(readDraft()));
    },
  });
  const refreshShown = () => {
    setShown(readDraft());
    changed();
  };
  const activePreset = presetOf(shown);

  const applyPreset = (preset: PresetName) => {
    for (const name of SAMPLING_SETTINGS.filter(takes)) {
      form.update({ name: fields[name].name, value: String(PRESETS[preset][name]) });
    }
    // The fields take their new values on the next render.
    requestAnimationFrame(refreshShown);
  };

  return (
    <div className="grid gap-8 lg:grid-cols-[minmax(0,1fr)_22rem]">
      <FormProvider context={form.context}>
        <Form
          method="post"
          {...getFormProps(form)}
          ref={formRef}
          onInput={refreshShown}
          onChange={refreshShown}
          className="space-y-8"
        >
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
            <CheckboxField
              label="Let others read them"
              name={fields.instructions_visible.name}
              hint="Ticked: anyone who opens the assistant reads the instructions above and gets them in a duplicate. Unticked: only you do; they still drive every chat."
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
            <legend className="text-lg font-semibold">Model and settings</legend>
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
              <p className={hintClass}>
                {isReasoning(facts)
                  ? "A reasoning model: it thinks before it answers, and takes a reasoning effort instead of sampling settings."
                  : "Takes sampling settings: how varied its answers are."}
              </p>
              <FieldError name={fields.model.name} />
            </div>
            <ReasoningEffortField name={fields.reasoning_effort.name} facts={facts} />
            {/* A disabled field is left out of the form, so what the model refuses is neither checked nor sent. */}
            <div hidden={facts.sampling.length === 0}>
              <span className={labelClass}>Personality preset</span>
              <p className={hintClass}>Fills the sampling settings below; adjust them freely (Custom).</p>
              <div className="mt-2 flex flex-wrap items-center gap-2">
                {(Object.keys(PRESETS) as PresetName[]).map((preset) => (
                  <button
                    key={preset}
                    type="button"
                    onClick={() => applyPreset(preset)}
                    aria-pressed={activePreset === preset}
                    className={`${buttonSecondary} aria-pressed:border-indigo-600 aria-pressed:bg-indigo-50 dark:aria-pressed:bg-indigo-950`}
                  >
                    {preset}
                  </button>
                ))}
                <span role="status" className="text-sm text-slate-600 dark:text-slate-300">
                  {`Preset: ${activePreset ?? "Custom"}`}
                </span>
              </div>
            </div>
            <div className="grid gap-4 sm:grid-cols-2">
              <NumberField
                label={isReasoning(facts) ? "Max completion tokens" : "Max tokens"}
                name={fields.max_tokens.name}
                step="1"
                hint={
                  isReasoning(facts)
                    ? "Bounds the hidden reasoning too: a small limit can end a reply before any text appears."
                    : undefined
                }
              />
              {SAMPLING_SETTINGS.map((name) => (
                <NumberField
                  key={name}
                  label={SAMPLING_LABELS[name]}
                  name={fields[name].name}
                  step={SAMPLING_INPUTS[name].step}
                  hint={SAMPLING_INPUTS[name].hint}
                  disabled={!takes(name)}
                />
              ))}
            </div>
          </fieldset>

          <button type="submit" disabled={saving} className={buttonPrimary}>
            {saving ? "Saving…" : submitLabel}
          </button>
        </Form>
      </FormProvider>

      <aside className="space-y-6 lg:sticky lg:top-4 lg:self-start">
        <section aria-label="Preview">
          <h2 className="mb-2 text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">
            Preview
          </h2>
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
        <TestDrive readDraft={readDraft} />
      </aside>
    </div>
  );
}

/**
 * What the test drive sends: the form's fields as they are now. A setting the
 * model refuses is not in the form (its field is disabled), so it goes at the
 * API's default, which the request leaves out anyway.
 */
function draftOf(value: (name: string) => string, table: ModelTable): Draft {
  const facts = describeModel(value("model"), table);
  return {
    ...Object.fromEntries(["instructions", "session_type", "model", "max_tokens"].map((name) => [name, value(name)])),
    ...Object.fromEntries(
      SAMPLING_SETTINGS.map((name) => [
        name,
        facts.sampling.includes(name) ? value(name) : String(NEUTRAL_SAMPLING[name]),
      ]),
    ),
    reasoning_effort: facts.reasoningEfforts.length > 0 ? value("reasoning_effort") : "",
  };
}

/** The preset whose every sampling value the fields hold, or null (Custom). */
function presetOf(draft: Draft): PresetName | null {
  const names = Object.keys(PRESETS) as PresetName[];
  return (
    names.find((preset) => SAMPLING_SETTINGS.every((setting) => Number(draft[setting]) === PRESETS[preset][setting])) ??
    null
  );
}

// Field components subscribe to their own field (conform's useField), so only
// they re-render as the person types. They take a field's name: a plain
// string is every FieldName, whatever the schema says the field holds.
type Name = string;

function CheckboxField({ label, name, hint }: { label: string; name: Name; hint: string }) {
  const [field] = useField(name);
  return (
    <div className="flex gap-3">
      <input {...getInputProps(field, { type: "checkbox" })} className="mt-1" />
      <div>
        <label htmlFor={field.id} className={labelClass}>
          {label}
        </label>
        <p className={hintClass}>{hint}</p>
      </div>
    </div>
  );
}

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

/**
 * A setting the chosen model does not take is hidden and disabled rather than
 * removed: it keeps its value if the person switches back to a model that
 * takes it, and a disabled input is not part of the form's data.
 */
function NumberField({
  label,
  name,
  step,
  hint,
  disabled = false,
}: {
  label: string;
  name: Name;
  step: string;
  hint?: string;
  disabled?: boolean;
}) {
  const [field] = useField<string>(name as FieldName<string>);
  return (
    <div hidden={disabled}>
      <label htmlFor={field.id} className={labelClass}>
        {label}
      </label>
      <input {...getInputProps(field, { type: "number" })} step={step} disabled={disabled} className={inputClass} />
      {hint ? <p className={hintClass}>{hint}</p> : null}
      <FieldError name={name} />
    </div>
  );
}

function ReasoningEffortField({ name, facts }: { name: Name; facts: ModelFacts }) {
  const [field] = useField<string>(name as FieldName<string>);
  const shown = facts.reasoningEfforts.length > 0;
  return (
    <div hidden={!shown}>
      <label htmlFor={field.id} className={labelClass}>
        Reasoning effort
      </label>
      <p className={hintClass}>
        How long the model thinks before it answers: more effort is slower and costs more (its thinking is billed as
        output tokens).
      </p>
      <select {...getSelectProps(field)} disabled={!shown} className={inputClass}>
        <option value="">The model&apos;s default</option>
        {facts.reasoningEfforts.map((effort) => (
          <option key={effort} value={effort}>
            {effort}
          </option>
        ))}
      </select>
      <FieldError name={name} />
    </div>
  );
}
