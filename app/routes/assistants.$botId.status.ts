import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { setBotActive, setShowcased } from "~/models/bots.server";
import { readForm } from "~/utils/request-body.server";
import { requireCaller } from "~/identity/caller.server";

const Intent = z.enum(["deactivate", "reactivate", "showcase", "unshowcase"]);

// Lifecycle changes. Anyone not allowed gets the same 404 as for a bot that
// does not exist, so ids of others' bots reveal nothing.
export async function action({ request, params }: ActionFunctionArgs) {
  const caller = await requireCaller(request);
  const botId = params.botId!;
  const intent = Intent.safeParse((await readForm(request, { fields: ["intent"] })).get("intent"));
  if (!intent.success) throw new Response("That is not something an assistant's page can do.", { status: 400 });

  switch (intent.data) {
    case "deactivate":
    case "reactivate": {
      const active = intent.data === "reactivate";
      if (!(await setBotActive(caller, botId, active))) throw new Response("Not found", { status: 404 });
      throw redirect(active ? `/assistants/${botId}` : "/assistants?tab=mine");
    }
    case "showcase":
    case "unshowcase": {
      if (!caller.isOperator || !(await setShowcased(botId, intent.data === "showcase"))) {
        throw new Response("Not found", { status: 404 });
      }
      throw redirect(`/assistants/${botId}`);
    }
  }
}

export function loader({ params }: { params: { botId?: string } }) {
  return redirect(`/assistants/${params.botId}`);
}
