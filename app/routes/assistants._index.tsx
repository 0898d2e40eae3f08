import { redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { getUser } from "~/models/users.server";
import { requireUser, signOutCookie } from "~/utils/session.server";

export const meta: MetaFunction = () => [{ title: "Assistants · Assistant Lab" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { userId } = await requireUser(request);
  const user = await getUser(userId);
  // A cookie for a user that no longer exists is a dead session, not an error.
  if (!user) throw redirect("/", { headers: { "Set-Cookie": await signOutCookie() } });
  return { chatModels: user.chat_models };
}

export default function Assistants() {
  const { chatModels } = useLoaderData<typeof loader>();
  return (
    <main className="mx-auto max-w-5xl px-4 py-10">
      <h1 className="text-2xl font-semibold">Assistants</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-300">
        You are signed in. Your key can use {chatModels.length} chat model{chatModels.length === 1 ? "" : "s"}.
      </p>
    </main>
  );
}
