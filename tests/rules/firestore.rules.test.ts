import { readFileSync } from "node:fs";
import path from "node:path";
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestEnvironment,
} from "@firebase/rules-unit-testing";
import {
  collection,
  deleteDoc,
  doc,
  getDoc,
  getDocs,
  query,
  setDoc,
  setLogLevel,
  updateDoc,
  where,
  type Firestore,
} from "firebase/firestore";
import { afterAll, beforeAll, beforeEach, describe, test } from "vitest";

// Denials are what these tests expect; the SDK would log each one as a warning.
setLogLevel("silent");

// The server uses the Admin SDK, which rules do not bind. These tests speak
// as any other client would: signed out, and signed in with a Firebase token.

let testEnv: RulesTestEnvironment;

beforeAll(async () => {
  const [host, port] = process.env.FIRESTORE_EMULATOR_HOST!.split(":");
  testEnv = await initializeTestEnvironment({
    projectId: "demo-rules",
    firestore: {
      host: host!,
      port: Number(port),
      rules: readFileSync(path.resolve(import.meta.dirname, "../../firestore.rules"), "utf8"),
    },
  });
});

afterAll(() => testEnv.cleanup());

const bot = (showcased: boolean, is_active: boolean) => ({
  name: "Tutor",
  tag_line: "Patient explanations",
  description: "Explains things step by step.",
  session_type: 2,
  creator_user_id: "owner",
  showcased,
  is_active,
});

// Every document the product stores, at its real path, seeded before each test.
const documents: Record<string, Record<string, unknown>> = {
  "users/owner": { user_hash: "abc", sessions_started: 0, sessions_ended: 0, bots_created: 1 },
  "user_hash/abc": { user_hash_type: "open_ai_key", user_id: "owner" },
  "bots/showcased": bot(true, true),
  "bots/unlisted": bot(false, true),
  "bots/retired": bot(true, false),
  "bots/showcased/model_configs/c1": { config: { model: "gpt-4o-mini" }, is_active: true },
  "bots/showcased/prompts/p1": { message_type: "initial_prompt", message: "You are a tutor.", is_active: true },
  "sessions/s1": { user_id: "owner", bot_id: "showcased", status: 0, messages_str: "v1.x.y.z" },
  "sessions/s1/messages/m1": { role: "user", message: "v1.x.y.z" },
};

beforeEach(async () => {
  await testEnv.clearFirestore();
  await testEnv.withSecurityRulesDisabled(async (context) => {
    const firestore = context.firestore();
    for (const [docPath, data] of Object.entries(documents)) await setDoc(doc(firestore, docPath), data);
  });
});

type Client = { name: string; firestore: () => Firestore };
const clients: Client[] = [
  { name: "signed out", firestore: () => testEnv.unauthenticatedContext().firestore() as unknown as Firestore },
  {
    name: "signed in as the owner",
    firestore: () => testEnv.authenticatedContext("owner").firestore() as unknown as Firestore,
  },
];

const denied = [
  ["users", "users/owner"],
  ["user_hash", "user_hash/abc"],
  ["bots (unlisted)", "bots/unlisted"],
  ["bots (deactivated)", "bots/retired"],
  ["model_configs", "bots/showcased/model_configs/c1"],
  ["prompts", "bots/showcased/prompts/p1"],
  ["sessions", "sessions/s1"],
  ["messages", "sessions/s1/messages/m1"],
] as const;

const parentOf = (docPath: string) => docPath.split("/").slice(0, -1).join("/");

describe.each(clients)("a client $name", ({ firestore }) => {
  test.each(denied)("cannot get %s", async (_, docPath) => {
    await assertFails(getDoc(doc(firestore(), docPath)));
  });

  test.each(denied.filter(([name]) => !name.startsWith("bots")))("cannot list %s", async (_, docPath) => {
    await assertFails(getDocs(collection(firestore(), parentOf(docPath))));
  });

  test.each([...denied, ["bots (showcased)", "bots/showcased"] as const])("cannot create in %s", async (_, docPath) => {
    await assertFails(setDoc(doc(firestore(), `${parentOf(docPath)}/new-doc`), { anything: true }));
  });

  test.each([...denied, ["bots (showcased)", "bots/showcased"] as const])("cannot update %s", async (_, docPath) => {
    await assertFails(updateDoc(doc(firestore(), docPath), { anything: true }));
  });

  test.each([...denied, ["bots (showcased)", "bots/showcased"] as const])("cannot delete %s", async (_, docPath) => {
    await assertFails(deleteDoc(doc(firestore(), docPath)));
  });

  test("can get a bot that is showcased and active", async () => {
    await assertSucceeds(getDoc(doc(firestore(), "bots/showcased")));
  });

  test("can list bots only by asking for showcased, active ones", async () => {
    const bots = collection(firestore(), "bots");
    await assertSucceeds(getDocs(query(bots, where("showcased", "==", true), where("is_active", "==", true))));
    await assertFails(getDocs(bots));
    await assertFails(getDocs(query(bots, where("is_active", "==", true))));
  });
});
