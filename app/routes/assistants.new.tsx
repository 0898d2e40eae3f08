import { parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { AssistantForm } from "~/components/assistant-form";
import { labDraftKey } from "~/components/use-lab-draft";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { createBot, getOpenableBot, promptsFor, type BotWithActive } from "~/models/bots.server";
import type { Caller } from "~/models/caller";
import type { AssistantFormValues } from "~/schemas/assistant";
import { ASSISTANT_FORM, assistantFormValues, labModelTable, labSchema } from "~/components/assistant-form.server";
import { saveOrKeepForm } from "~/utils/form-outage.server";
import { readForm } from "~/utils/request-body.server";
import { requireAccount } from "~/identity/sign-in.server";
import { LIMITS } from "~/schemas/assistant";

export const meta: MetaFunction = () => [{ title: "The lab · Assistant Lab" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const account = await requireAccount(request);
  const from = new URL(request.url).searchParams.get("from");
  const source = from ? await getOpenableBot(from) : null;
  if (from && !source) throw new Response("Not found", { status: 404 });
  return {
    models: account.user.chat_models,
    modelTable: labModelTable(),
    defaultValue: source
      ? duplicateValues(account.caller, account.user.chat_models, source)
      : assistantFormValues(account.user.chat_models),
    duplicateOf: source?.name ?? null,
    promptsHidden: source !== null && promptsFor(account.caller, source) === null,
  };
}

/** A duplicate: named as a copy, and without the instructions its creator keeps private. */
function duplicateValues(caller: Caller, models: string[], source: BotWithActive): AssistantFormValues {
  const values = { ...assistantFormValues(models, source), name: copyName(source.name) };
  if (promptsFor(caller, source)) return values;
  const blank = assistantFormValues(models);
  return { ...values, instructions: "", summary_prompt: blank.summary_prompt, instructions_visible: "" };
}

/** A duplicate's name says it is a copy, within the name's limit. */
function copyName(name: string): string {
  const suffix = " (copy)";
  return `${name.slice(0, LIMITS.name - suffix.length)}${suffix}`;
}

export async function action({ request }: ActionFunctionArgs) {
  const account = await requireAccount(request);
  const submission = parseWithZod(await readForm(request, ASSISTANT_FORM), {
    schema: labSchema(account.user.chat_models),
  });
  if (submission.status !== "success") return data(submission.reply(), { status: 400 });
  const created = await saveOrKeepForm(submission, () => createBot(account.caller, submission.value));
  if ("kept" in created) return created.kept;
  throw redirect(`/assistants/${created.saved}?created=1`);
}

export default function Lab() {
  const { models, modelTable, defaultValue, duplicateOf, promptsHidden } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  return (
    <main className="mx-auto max-w-6xl px-4 py-8">
      <h1 className="text-2xl font-semibold">The lab</h1>
      <p className="mt-1 text-slate-600 dark:text-slate-300">
        {duplicateOf
          ? `A copy of ${duplicateOf}, yours to change. ${promptsHidden ? "Its creator keeps its instructions private: write your own. " : ""}Nothing is saved until you create it.`
          : "Design an assistant, try it in the test drive, then create it and share its link."}
      </p>
      <div className="mt-6">
        <AssistantForm
          draftKey={labDraftKey(null, duplicateOf ?? "")}
          models={models}
          modelTable={modelTable}
          defaultValue={defaultValue}
          lastResult={lastResult}
          submitLabel="Create assistant"
        />
      </div>
    </main>
  );
}

export function ErrorBoundary() {
  return (
    <GeneralErrorBoundary
      statusHandlers={{ 404: () => "The assistant to duplicate does not exist or is no longer available." }}
    />
  );
}
