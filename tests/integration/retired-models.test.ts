import { describe, expect, test } from "vitest";
import { getOwnSession, listMessages } from "~/models/sessions.server";
import { loader as sessionLoader } from "~/routes/sessions.$sessionId";
import { db } from "~/utils/db.server";
import {
  apiCompletion,
  chat,
  chatRequest,
  collect,
  createTestBot,
  replyText,
  say,
  startSessionFor,
} from "../setup/chat";
import { lastSentWith } from "../setup/integration";
import { run, signedInPerson, type Person } from "../setup/people";

// A model the provider retires while sessions still run on it (the fake
// provider, like the real one, answers 404 model_not_found for it): the
// session moves to the model a new chat would get, with the same rule
// (chatModelFor) and the same note, on the web and through the API.

const RETIRED = "gpt-4-32k";
const NOTE = `${RETIRED} is not available to your API key, so this chat uses gpt-4.1-mini.`;

/** A session of the person's that started on a model the provider has since retired. */
async function sessionOnRetiredModel(person: Person): Promise<string> {
  const bot = await createTestBot(person, { session_type: "2", model: "gpt-4o-mini" });
  const sessionId = await startSessionFor(person, bot.id);
  await say(person, sessionId, "Hello");
  await db().collection("sessions").doc(sessionId).update({ "bot_model_config.model": RETIRED });
  return sessionId;
}

async function modelNotes(person: Person, sessionId: string): Promise<string[]> {
  const page = await run(() =>
    sessionLoader({ request: person.request(`/sessions/${sessionId}`), params: { sessionId }, context: {} }),
  );
  return (page.data as { modelNotes: string[] }).modelNotes;
}

describe("a model retired under a running session", () => {
  test("the web chat says which model the chat moves to, and Retry answers on it", async () => {
    const person = await signedInPerson();
    const sessionId = await sessionOnRetiredModel(person);

    const events = await say(person, sessionId, "Are you still there?");
    expect(events.find((event) => event.type === "error")).toMatchObject({
      error: { code: "model_unavailable", message: `${NOTE} Retry to get its answer.`, retryable: true },
    });
    expect(await modelNotes(person, sessionId)).toContain(NOTE);

    const retried = await collect(
      (await chat({
        request: chatRequest(person, { mode: "session", sessionId, retry: true }),
        params: {},
        context: {},
      })) as Response,
    );
    expect(retried.at(-1)).toMatchObject({ type: "done" });
    expect(lastSentWith(person.apiKey).model).toBe("gpt-4.1-mini");
    expect(lastSentWith(person.apiKey).messages.at(-1)).toEqual({ role: "user", content: "Are you still there?" });
    const session = (await getOwnSession(person.caller, sessionId))!;
    const transcript = await listMessages(person.caller, session);
    expect(transcript.map((message) => message.content).slice(-2)).toEqual([
      "Are you still there?",
      replyText(retried),
    ]);
  });

  test("an API call is refused as the provider refused it; the next one answers on the new model, saying so", async () => {
    const person = await signedInPerson();
    const sessionId = await sessionOnRetiredModel(person);
    const { bot_id: botId } = (await getOwnSession(person.caller, sessionId))!;
    const body = { model: botId, messages: [{ role: "user", content: "Still there?" }] };

    const refused = await apiCompletion(person, body, sessionId);
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("model_not_found");

    const answered = await apiCompletion(person, body, sessionId);
    expect(answered.status).toBe(200);
    await answered.json();
    expect(answered.headers.get("X-Assistant-Lab-Note")).toBe(NOTE);
    expect(lastSentWith(person.apiKey).model).toBe("gpt-4.1-mini");
  });
});
