import { getFormProps, getInputProps, useForm } from "@conform-to/react";
import { getZodConstraint, parseWithZod } from "@conform-to/zod/v4";
import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { data, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { SIGN_IN_MAX_CHARS, SignInSchema } from "~/schemas/sign-in";
import { signIn, tooManySignIns, type SignInRefusal } from "~/identity/sign-in.server";
import { beginSignInAttempt } from "~/identity/rate-limit.server";
import { readForm } from "~/utils/request-body.server";
import { clientAddress } from "~/utils/client-address.server";
import { describeDestination, safeRedirect } from "~/utils/redirect";
import { getSignedInUser } from "~/identity/cookie.server";

export async function loader({ request }: LoaderFunctionArgs) {
  return { signedIn: (await getSignedInUser(request)) !== null };
}

export const headers: HeadersFunction = ({ actionHeaders }) => {
  const headers = new Headers();
  const retryAfter = actionHeaders.get("Retry-After");
  if (retryAfter) headers.set("Retry-After", retryAfter);
  return headers;
};

export async function action({ request, context }: ActionFunctionArgs) {
  // Counted before anything is read: a flood of malformed forms is limited like any other.
  const attempt = await beginSignInAttempt(clientAddress(context));
  const form = await readForm(request, { fields: Object.keys(SignInSchema.shape), maxChars: SIGN_IN_MAX_CHARS });
  const submission = parseWithZod(form, { schema: SignInSchema });
  // The key is never echoed back: not in a page, not in a log.
  const hideFields = ["apiKey"];
  const refuse = (result: SignInRefusal) =>
    data(submission.reply({ formErrors: [result.message], hideFields }), {
      status: result.status,
      headers: result.retryAfterSeconds ? { "Retry-After": String(result.retryAfterSeconds) } : {},
    });

  if (!attempt.allowed) return refuse(tooManySignIns(attempt.retryAfterSeconds));
  if (submission.status !== "success") return data(submission.reply({ hideFields }), { status: 400 });
  const result = await signIn(submission.value.apiKey, attempt);
  if (!result.ok) return refuse(result);
  throw redirect(safeRedirect(submission.value.redirectTo), {
    headers: { "Set-Cookie": result.cookie },
  });
}

export default function Home() {
  const { signedIn } = useLoaderData<typeof loader>();
  return (
    <main className="mx-auto max-w-2xl px-4 py-12 sm:py-20">
      <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">Your own AI assistants, on your own key.</h1>
      <p className="mt-4 text-lg text-slate-600 dark:text-slate-300">
        Assistant Lab lets you build custom AI assistants, share them by link and chat with them, with replies that
        stream as they are written. You sign in with your own OpenAI API key and pay the provider only for what you use,
        usually far less than a $20 monthly subscription.
      </p>
      {signedIn ? (
        <Link
          to="/assistants"
          className="mt-8 inline-block rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500"
        >
          Go to your assistants
        </Link>
      ) : (
        <>
          <p className="mt-4 text-slate-600 dark:text-slate-300">
            <Link to="/assistants" className="font-medium text-indigo-700 underline dark:text-indigo-300">
              Browse the public gallery
            </Link>{" "}
            to see what people have built, no key needed.
          </p>
          <SignInForm />
          <KeyHelp />
        </>
      )}
    </main>
  );
}

function SignInForm() {
  const lastResult = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const keyRejected = searchParams.get("signedOut") === "key_rejected";
  const destination = describeDestination(searchParams.get("redirectTo"));
  const navigation = useNavigation();
  const checking = navigation.state !== "idle" && navigation.formAction === "/?index";
  const [form, fields] = useForm({
    id: "sign-in",
    lastResult,
    constraint: getZodConstraint(SignInSchema),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
    onValidate: ({ formData }) => parseWithZod(formData, { schema: SignInSchema }),
  });

  return (
    <Form
      method="post"
      {...getFormProps(form)}
      className="mt-10 rounded-xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900"
    >
      {keyRejected && !lastResult ? (
        <p
          role="status"
          className="mb-4 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100"
        >
          You were signed out because the provider rejected your API key. Sign in with a key that works; your chats are
          kept for that key.
        </p>
      ) : null}
      {destination && !keyRejected ? (
        <p
          role="status"
          className="mb-4 rounded-md border border-indigo-200 bg-indigo-50 p-3 text-sm text-indigo-950 dark:border-indigo-900 dark:bg-indigo-950 dark:text-indigo-100"
        >
          Sign in to open {destination}. You will go straight there.
        </p>
      ) : null}
      <input type="hidden" name="redirectTo" value={searchParams.get("redirectTo") ?? ""} />
      <label htmlFor={fields.apiKey.id} className="block text-sm font-medium">
        OpenAI API key
      </label>
      <input
        {...getInputProps(fields.apiKey, { type: "password" })}
        autoComplete="off"
        spellCheck={false}
        placeholder="sk-…"
        aria-describedby={`${fields.apiKey.descriptionId} ${fields.apiKey.errorId}`}
        className="mt-2 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm dark:border-slate-700 dark:bg-slate-950"
      />
      <p id={fields.apiKey.descriptionId} className="mt-2 text-sm text-slate-600 dark:text-slate-400">
        We check the key with the provider and keep it only in an encrypted cookie in this browser. We never store it:
        your identity is a one-way hash of it.
      </p>
      <p id={fields.apiKey.errorId} className="mt-2 text-sm text-red-600 dark:text-red-400">
        {fields.apiKey.errors?.join(" ")}
      </p>
      {form.errors ? (
        <div
          id={form.errorId}
          role="alert"
          className="mt-4 rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200"
        >
          {form.errors.join(" ")}
        </div>
      ) : null}
      <button
        type="submit"
        disabled={checking}
        className="mt-6 w-full rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-500 disabled:opacity-60 sm:w-auto"
      >
        {checking ? "Checking your key…" : "Sign in"}
      </button>
    </Form>
  );
}

function KeyHelp() {
  return (
    <section aria-labelledby="key-help" className="mt-8 text-sm text-slate-600 dark:text-slate-300">
      <h2 id="key-help" className="text-base font-semibold text-slate-900 dark:text-slate-100">
        Where do I get a key?
      </h2>
      <p className="mt-2">
        Sign in to OpenAI and create one on the{" "}
        <a
          href="https://platform.openai.com/api-keys"
          target="_blank"
          rel="noopener noreferrer"
          className="font-medium text-indigo-700 underline dark:text-indigo-300"
        >
          API keys page
        </a>
        . The provider bills that key for what you use here; a spending limit on its project caps the bill.
      </p>
      <p className="mt-2">
        Your key is your account: there is no password and no email. We store only a keyed hash of it, which cannot be
        turned back into the key, so the same key always finds your assistants and chats again, and a lost key cannot be
        recovered from us.
      </p>
    </section>
  );
}
