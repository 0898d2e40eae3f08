import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { useEffect } from "react";
import { forgetLabDrafts } from "~/components/use-lab-draft";
import { sessionsLabel } from "~/components/assistant-card";
import { Avatar } from "~/components/avatar";
import { ModelNotes } from "~/components/model-notes";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { ShareLink } from "~/components/share-link";
import { buttonDanger, buttonPrimary, buttonSecondary } from "~/components/ui";
import { botSummary, getOpenableBot, promptsFor } from "~/models/bots.server";
import { SESSION_TYPES } from "~/schemas/assistant";
import { requireAccount } from "~/identity/sign-in.server";
import { fallbackModel, leftOutNote, leftOutSettings, settingsSummary } from "~/provider/models";
import { modelFacts, modelTable } from "~/provider/models.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.bot.name} · Assistant Lab` : "Not found · Assistant Lab" },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const account = await requireAccount(request);
  const bot = await getOpenableBot(params.botId!);
  if (!bot) throw new Response("Not found", { status: 404 });
  const config = bot.modelConfig.config;
  const model = config.model;
  const facts = modelFacts(model);
  const fallback = fallbackModel(model, account.user.chat_models, modelTable());
  return {
    bot: botSummary(bot),
    // Only what this person may see goes to the page at all, so hidden instructions are not in its HTML either.
    instructions: promptsFor(account.caller, bot)?.instructions ?? null,
    model,
    settings: settingsSummary(config, facts),
    modelNotes: [
      fallback && fallback !== model
        ? `${model} is not available to your API key: a chat uses ${fallback} instead, unless you pick another.`
        : null,
      leftOutNote(model, leftOutSettings(config, facts)),
    ].filter((note) => note !== null),
    chatModels: account.user.chat_models,
    defaultModel: fallback ?? "",
    shareUrl: `${new URL(request.url).origin}/assistants/${bot.id}`,
    isCreator: bot.creator_user_id === account.caller.userId,
    isOperator: account.caller.isOperator,
  };
}

export default function AssistantPage() {
  const { bot, instructions, model, settings, modelNotes, chatModels, defaultModel, shareUrl, isCreator, isOperator } =
    useLoaderData<typeof loader>();
  const [searchParams] = useSearchParams();
  const created = searchParams.get("created") !== null;
  const saved = searchParams.get("saved") !== null;
  // The save landed: the lab's draft for it is done with.
  useEffect(() => {
    if (created) forgetLabDrafts(null);
    if (saved) forgetLabDrafts(bot.id);
  }, [created, saved, bot.id]);
  return (
    <main className="mx-auto max-w-3xl px-4 py-8">
      {searchParams.get("created") || searchParams.get("saved") ? (
        <div
          role="status"
          className="mb-6 rounded-lg border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-100"
        >
          {searchParams.get("created")
            ? "Your assistant is ready. Anyone signed in can open it with its link."
            : "Your changes are saved. New chats use them; chats already started keep the version they began with."}
        </div>
      ) : null}
      <div className="flex items-start gap-4">
        <Avatar name={bot.name} seed={bot.id} size="lg" />
        <div className="min-w-0 flex-1">
          <h1 className="text-2xl font-semibold">{bot.name}</h1>
          <p className="text-slate-600 dark:text-slate-300">{bot.tag_line}</p>
          <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">
            {SESSION_TYPES[bot.session_type].label} · {model} · {sessionsLabel(bot.sessions_started)}
            {bot.showcased ? " · Showcased" : ""}
          </p>
        </div>
      </div>
      {bot.description ? <p className="mt-6 whitespace-pre-wrap">{bot.description}</p> : null}
      {instructions !== null ? (
        <section aria-labelledby="instructions-title" className="mt-6">
          <h2 id="instructions-title" className="text-sm font-semibold">
            Instructions{" "}
            <span className="font-normal text-slate-600 dark:text-slate-300">
              {bot.instructions_visible ? "(shown to everyone)" : "(only you see them)"}
            </span>
          </h2>
          <p className="mt-2 whitespace-pre-wrap rounded-lg bg-slate-100 p-3 text-sm dark:bg-slate-900">
            {instructions}
          </p>
        </section>
      ) : null}
      <p className="mt-4 text-sm text-slate-600 dark:text-slate-300">
        <span className="font-medium">Model settings:</span> {model} · {settings}
      </p>
      {modelNotes.length > 0 ? (
        <div className="mt-4">
          <ModelNotes notes={modelNotes} />
        </div>
      ) : null}
      <Form
        id="start-chat"
        method="post"
        action={`/assistants/${bot.id}/chat`}
        className="mt-6 flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900"
      >
        <div>
          <label htmlFor="chat-model" className="block text-sm font-medium">
            Model for this chat
          </label>
          <select
            id="chat-model"
            name="model"
            defaultValue={defaultModel}
            className="mt-1 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950"
          >
            {chatModels.map((option) => (
              <option key={option} value={option}>
                {option === model ? `${option} (the assistant's)` : option}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className={buttonPrimary}>
          Start a chat
        </button>
      </Form>
      {bot.starter_prompts.length > 0 ? (
        <section className="mt-6">
          <h2 className="text-sm font-semibold">Try asking</h2>
          <ul className="mt-2 flex flex-wrap gap-2">
            {bot.starter_prompts.map((prompt) => (
              <li key={prompt}>
                {/* Starts a chat (with the model picked above) whose first message is this prompt. */}
                <button
                  type="submit"
                  form="start-chat"
                  name="starter"
                  value={prompt}
                  className="rounded-full border border-indigo-300 px-3 py-1 text-sm hover:bg-indigo-50 dark:border-indigo-700 dark:hover:bg-indigo-950"
                >
                  {prompt}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <div className="mt-8">
        <ShareLink url={shareUrl} />
      </div>
      <div className="mt-8 flex flex-wrap gap-3">
        <Link to={`/assistants/new?from=${bot.id}`} className={buttonSecondary}>
          Duplicate into my lab
        </Link>
        {isCreator ? (
          <>
            <Link to={`/assistants/${bot.id}/edit`} className={buttonPrimary}>
              Edit
            </Link>
            <Form method="post" action={`/assistants/${bot.id}/status`}>
              <input type="hidden" name="intent" value="deactivate" />
              <button type="submit" className={buttonDanger}>
                Deactivate
              </button>
            </Form>
          </>
        ) : null}
        {isOperator ? (
          <Form method="post" action={`/assistants/${bot.id}/status`}>
            <input type="hidden" name="intent" value={bot.showcased ? "unshowcase" : "showcase"} />
            <button type="submit" className={buttonSecondary}>
              {bot.showcased ? "Remove from showcase" : "Showcase"}
            </button>
          </Form>
        ) : null}
      </div>
    </main>
  );
}

export function ErrorBoundary() {
  return (
    <GeneralErrorBoundary
      statusHandlers={{ 404: () => "This assistant does not exist, or its creator has deactivated it." }}
    />
  );
}
