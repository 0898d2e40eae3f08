import { parseWithZod } from "@conform-to/zod/v4";
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { AssistantForm } from "~/components/assistant-form";
import { labDraftKey } from "~/components/use-lab-draft";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { buttonSecondary } from "~/components/ui";
import { activateVersion, getOwnBot, listVersions, updateBot, type BotVersions } from "~/models/bots.server";
import { ASSISTANT_FORM, assistantFormValues, labModelTable, labSchema } from "~/components/assistant-form.server";
import { saveOrKeepForm } from "~/utils/form-outage.server";
import { readForm } from "~/utils/request-body.server";
import { requireAccount } from "~/identity/sign-in.server";
import { settingsSummary } from "~/provider/models";
import { modelFacts } from "~/provider/models.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Edit ${data.name} · Assistant Lab` : "Not found · Assistant Lab" },
];

async function ownActiveBot(request: Request, botId: string) {
  const account = await requireAccount(request);
  const bot = await getOwnBot(account.caller, botId);
  // Another person's bot and a missing one look the same: 404.
  if (!bot || !bot.is_active) throw new Response("Not found", { status: 404 });
  return { account, bot };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { account, bot } = await ownActiveBot(request, params.botId!);
  return {
    id: bot.id,
    name: bot.name,
    models: account.user.chat_models,
    modelTable: labModelTable(),
    defaultValue: assistantFormValues(account.user.chat_models, bot),
    versions: versionRows(await listVersions(bot.id)),
  };
}

const ActivateVersion = z.object({
  intent: z.literal("activate"),
  kind: z.enum(["instructions", "summary", "model_config"]),
  versionId: z.string().min(1).max(100),
});

export async function action({ request, params }: ActionFunctionArgs) {
  const { account, bot } = await ownActiveBot(request, params.botId!);
  const formData = await readForm(request, {
    ...ASSISTANT_FORM,
    fields: [...ASSISTANT_FORM.fields, ...Object.keys(ActivateVersion.shape)],
  });
  if (formData.get("intent") === "activate") {
    const parsed = ActivateVersion.safeParse(Object.fromEntries(formData));
    if (!parsed.success || !(await activateVersion(account.caller, bot.id, parsed.data.kind, parsed.data.versionId))) {
      throw new Response("Not found", { status: 404 });
    }
    throw redirect(`/assistants/${bot.id}/edit#versions`);
  }
  const submission = parseWithZod(formData, { schema: labSchema(account.user.chat_models) });
  if (submission.status !== "success") return data(submission.reply(), { status: 400 });
  const updated = await saveOrKeepForm(submission, () => updateBot(account.caller, bot.id, submission.value));
  if ("kept" in updated) return updated.kept;
  if (!updated.saved) throw new Response("Not found", { status: 404 });
  throw redirect(`/assistants/${bot.id}?saved=1`);
}

function versionRows(versions: BotVersions) {
  const rows = <T extends { id: string; is_active: boolean; created_date: { toDate(): Date } }>(
    list: T[],
    describe: (item: T) => string,
  ) =>
    list.map((item, index) => ({
      id: item.id,
      number: list.length - index,
      active: item.is_active,
      created: item.created_date.toDate().toISOString(),
      text: describe(item),
    }));
  return {
    instructions: rows(versions.instructions, (prompt) => prompt.message),
    summary: rows(versions.summary, (prompt) => prompt.message),
    model_config: rows(
      versions.model_config,
      ({ config }) => `${config.model} · ${settingsSummary(config, modelFacts(config.model))}`,
    ),
  };
}

/** Which version of each kind is active: changes exactly when a rollback does. */
function activeVersions(versions: ReturnType<typeof versionRows>): string {
  return (Object.keys(versions) as (keyof typeof versions)[])
    .map((kind) => versions[kind].find((version) => version.active)?.id ?? "")
    .join(":");
}

const KIND_TITLES = {
  instructions: "Instructions",
  summary: "Summary prompt",
  model_config: "Model settings",
} as const;

export default function EditAssistant() {
  const { id, name, models, modelTable, defaultValue, versions } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  return (
    <main className="mx-auto max-w-6xl px-4 py-8">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <h1 className="text-2xl font-semibold">Edit {name}</h1>
        <Link to={`/assistants/${id}`} className={buttonSecondary}>
          Back to the assistant
        </Link>
      </div>
      <p className="mt-1 text-slate-600 dark:text-slate-300">
        Changing the instructions, summary prompt or model settings makes a new version. Sessions already started keep
        the version they began with.
      </p>
      <div className="mt-6">
        {/* Keyed by the active versions: after "Make active" the form starts again from the version now active,
            instead of keeping the newer values it was opened with (a later save would bring them back). */}
        <AssistantForm
          key={activeVersions(versions)}
          draftKey={labDraftKey(id, activeVersions(versions))}
          models={models}
          modelTable={modelTable}
          defaultValue={defaultValue}
          lastResult={lastResult}
          submitLabel="Save changes"
        />
      </div>
      <section id="versions" aria-labelledby="versions-title" className="mt-12">
        <h2 id="versions-title" className="text-xl font-semibold">
          Version history
        </h2>
        <div className="mt-4 grid gap-6 lg:grid-cols-3">
          {(Object.keys(KIND_TITLES) as (keyof typeof KIND_TITLES)[]).map((kind) => (
            <section key={kind} aria-label={`${KIND_TITLES[kind]} versions`}>
              <h3 className="font-semibold">{KIND_TITLES[kind]}</h3>
              <ol className="mt-2 space-y-2">
                {versions[kind].map((version) => (
                  <li key={version.id} className="rounded-lg border border-slate-200 p-3 text-sm dark:border-slate-800">
                    <div className="flex items-center justify-between gap-2">
                      <span className="font-medium">
                        Version {version.number}
                        {version.active ? (
                          <span className="ml-2 rounded bg-emerald-100 px-1.5 py-0.5 text-xs text-emerald-800 dark:bg-emerald-900 dark:text-emerald-100">
                            active
                          </span>
                        ) : null}
                      </span>
                      <time dateTime={version.created} className="text-xs text-slate-600 dark:text-slate-400">
                        {version.created.slice(0, 16).replace("T", " ")}
                      </time>
                    </div>
                    <p className="mt-1 line-clamp-3 whitespace-pre-wrap text-slate-600 dark:text-slate-300">
                      {version.text}
                    </p>
                    {version.active ? null : (
                      <Form method="post" className="mt-2">
                        <input type="hidden" name="intent" value="activate" />
                        <input type="hidden" name="kind" value={kind} />
                        <input type="hidden" name="versionId" value={version.id} />
                        <button
                          type="submit"
                          className={buttonSecondary}
                          aria-label={`Make ${KIND_TITLES[kind].toLowerCase()} version ${version.number} active`}
                        >
                          Make active
                        </button>
                      </Form>
                    )}
                  </li>
                ))}
              </ol>
            </section>
          ))}
        </div>
      </section>
    </main>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary statusHandlers={{ 404: () => "There is no assistant of yours at this address." }} />;
}
