import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { AssistantCard } from "~/components/assistant-card";
import { ShareLink } from "~/components/share-link";
import { buttonPrimary, buttonSecondary, inputClass } from "~/components/ui";
import { botSummary, listOwnBots, listShowcasedBots } from "~/models/bots.server";
import { requireCaller } from "~/identity/caller.server";
import { getSignedInUser } from "~/identity/cookie.server";

export const meta: MetaFunction = () => [{ title: "Assistants · Assistant Lab" }];

const PAGE_SIZE = 12;

const GalleryParams = z.object({
  tab: z.enum(["showcased", "mine"]).catch("showcased"),
  sort: z.enum(["popular", "newest"]).catch("popular"),
  q: z.string().trim().max(100).catch(""),
  after: z
    .string()
    .regex(/^[\w-]{1,100}$/)
    .optional()
    .catch(undefined),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const params = GalleryParams.parse(Object.fromEntries(url.searchParams));
  if (params.tab === "mine") {
    const caller = await requireCaller(request);
    const own = (await listOwnBots(caller)).map(botSummary);
    return { tab: "mine" as const, signedIn: true, origin: url.origin, own, page: null };
  }
  const signedIn = (await getSignedInUser(request)) !== null;
  const { bots, nextCursor } = await listShowcasedBots({
    sort: params.sort,
    search: params.q,
    after: params.after,
    limit: PAGE_SIZE,
  });
  const page = { bots: bots.map(botSummary), nextCursor };
  return { tab: "showcased" as const, signedIn, origin: url.origin, own: null, page };
}

export default function Gallery() {
  const data = useLoaderData<typeof loader>();
  return (
    <main className="mx-auto max-w-5xl px-4 py-8">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <h1 className="text-2xl font-semibold">Assistants</h1>
        {data.signedIn ? (
          <Link to="/assistants/new" className={buttonPrimary}>
            Create an assistant
          </Link>
        ) : null}
      </div>
      <nav aria-label="Assistant lists" className="mt-6 flex gap-1 border-b border-slate-200 dark:border-slate-800">
        <Tab to="/assistants" current={data.tab === "showcased"}>
          Showcased
        </Tab>
        <Tab to="/assistants?tab=mine" current={data.tab === "mine"}>
          My assistants
        </Tab>
      </nav>
      {data.page ? <Showcased page={data.page} signedIn={data.signedIn} /> : null}
      {data.own ? <Mine bots={data.own} origin={data.origin} /> : null}
    </main>
  );
}

function Tab({ to, current, children }: { to: string; current: boolean; children: React.ReactNode }) {
  return (
    <Link
      to={to}
      aria-current={current ? "page" : undefined}
      className={`-mb-px border-b-2 px-4 py-2 text-sm font-medium ${
        current
          ? "border-indigo-600 text-indigo-700 dark:text-indigo-300"
          : "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-300"
      }`}
    >
      {children}
    </Link>
  );
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;

function Showcased({ page, signedIn }: { page: NonNullable<LoaderData["page"]>; signedIn: boolean }) {
  const [searchParams] = useSearchParams();
  const q = searchParams.get("q") ?? "";
  const sort = searchParams.get("sort") === "newest" ? "newest" : "popular";
  const nextParams = new URLSearchParams({ ...(q ? { q } : {}), sort, after: page.nextCursor ?? "" });
  return (
    <section className="mt-6">
      <Form method="get" role="search" className="flex flex-wrap items-end gap-3">
        <div className="min-w-48 flex-1">
          <label htmlFor="q" className="block text-sm font-medium">
            Search assistants
          </label>
          <input id="q" name="q" type="search" defaultValue={q} maxLength={100} className={inputClass} />
        </div>
        <div>
          <label htmlFor="sort" className="block text-sm font-medium">
            Sort by
          </label>
          <select id="sort" name="sort" defaultValue={sort} className={inputClass}>
            <option value="popular">Most used</option>
            <option value="newest">Newest</option>
          </select>
        </div>
        <button type="submit" className={buttonSecondary}>
          Search
        </button>
      </Form>
      {page.bots.length === 0 ? (
        <p className="mt-10 text-center text-slate-600 dark:text-slate-300">
          {q ? `No showcased assistant matches “${q}”.` : "No showcased assistants yet."}
        </p>
      ) : (
        <ul className="mt-6 grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
          {page.bots.map((bot) => (
            <li key={bot.id}>
              <AssistantCard
                bot={bot}
                action={
                  signedIn ? (
                    <StartChat bot={bot} />
                  ) : (
                    <Link
                      to={`/?redirectTo=${encodeURIComponent(`/assistants/${bot.id}`)}`}
                      className={buttonSecondary}
                      aria-label={`Sign in to chat with ${bot.name}`}
                    >
                      Sign in to chat
                    </Link>
                  )
                }
              />
            </li>
          ))}
        </ul>
      )}
      <div className="mt-6 flex justify-between">
        {searchParams.get("after") ? (
          <Link to={`/assistants?${new URLSearchParams({ ...(q ? { q } : {}), sort })}`} className={buttonSecondary}>
            First page
          </Link>
        ) : (
          <span />
        )}
        {page.nextCursor ? (
          <Link to={`/assistants?${nextParams}`} className={buttonSecondary}>
            Next page
          </Link>
        ) : null}
      </div>
    </section>
  );
}

function StartChat({ bot }: { bot: { id: string; name: string } }) {
  return (
    <Form method="post" action={`/assistants/${bot.id}/chat`}>
      <button type="submit" className={buttonPrimary} aria-label={`Start chat with ${bot.name}`}>
        Start chat
      </button>
    </Form>
  );
}

function Mine({ bots, origin }: { bots: NonNullable<LoaderData["own"]>; origin: string }) {
  const active = bots.filter((bot) => bot.is_active);
  const inactive = bots.filter((bot) => !bot.is_active);
  return (
    <section className="mt-6">
      {active.length === 0 ? (
        <div className="rounded-xl border border-dashed border-slate-300 p-10 text-center dark:border-slate-700">
          <p className="text-slate-700 dark:text-slate-200">You have not created an assistant yet.</p>
          <Link to="/assistants/new" className={`${buttonPrimary} mt-4`}>
            Create one in the lab
          </Link>
        </div>
      ) : (
        <ul className="grid gap-6 md:grid-cols-2">
          {active.map((bot) => (
            <li key={bot.id}>
              <AssistantCard
                bot={bot}
                action={<StartChat bot={bot} />}
                footer={<ShareLink url={`${origin}/assistants/${bot.id}`} label={`Share link for ${bot.name}`} />}
              />
            </li>
          ))}
        </ul>
      )}
      {inactive.length > 0 ? (
        <div className="mt-10">
          <h2 className="text-lg font-semibold">Deactivated</h2>
          <p className="text-sm text-slate-600 dark:text-slate-300">
            Hidden everywhere; their links answer “not found” until you reactivate them.
          </p>
          <ul className="mt-3 divide-y divide-slate-200 rounded-xl border border-slate-200 dark:divide-slate-800 dark:border-slate-800">
            {inactive.map((bot) => (
              <li key={bot.id} className="flex items-center justify-between gap-4 px-4 py-3">
                <span className="font-medium">{bot.name}</span>
                <Form method="post" action={`/assistants/${bot.id}/status`}>
                  <input type="hidden" name="intent" value="reactivate" />
                  <button type="submit" className={buttonSecondary} aria-label={`Reactivate ${bot.name}`}>
                    Reactivate
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
