import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteLoaderData } from "@remix-run/react";
import { useEffect } from "react";
import { GeneralErrorBoundary } from "./components/error-boundary";
import { useNonce } from "./components/nonce";
import { SkipLink } from "./components/skip-link";
import highlightStyles from "highlight.js/styles/github-dark.css?url";
import stylesheet from "./tailwind.css?url";
import { getSignedInUser } from "~/identity/cookie.server";

export const links: LinksFunction = () => [
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
  { rel: "stylesheet", href: stylesheet },
  { rel: "stylesheet", href: highlightStyles },
];

export const meta: MetaFunction = () => [
  { title: "Assistant Lab" },
  { name: "description", content: "Build, share and chat with custom AI assistants using your own OpenAI API key." },
];

export async function loader({ request }: LoaderFunctionArgs) {
  return { signedIn: (await getSignedInUser(request)) !== null };
}

export function Layout({ children }: { children: React.ReactNode }) {
  const data = useRouteLoaderData<typeof loader>("root");
  const nonce = useNonce();
  // Lets browser tests wait until the page is interactive, not just painted; here
  // rather than in App, so that error pages (which render instead of App) say so too.
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return (
    <html lang="en" className="h-full">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <Meta />
        <Links />
      </head>
      <body className="flex min-h-full flex-col bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
        <SkipLink to="content" />
        <Header signedIn={data?.signedIn ?? false} />
        <div id="content" className="flex-1 focus:outline-none">
          {children}
        </div>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

// One line at every width: on a phone the name gives way to the logo (it stays the link's name).
const navLink = "text-sm font-medium hover:underline";

function Header({ signedIn }: { signedIn: boolean }) {
  return (
    <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <nav aria-label="Main" className="mx-auto flex max-w-5xl items-center justify-between gap-3 px-4 py-3 sm:gap-4">
        <Link to="/" className="flex shrink-0 items-center gap-2 text-lg font-semibold tracking-tight">
          <img src="/favicon.svg" alt="" width={24} height={24} className="sm:hidden" />
          <span className="sr-only sm:not-sr-only">Assistant Lab</span>
        </Link>
        {signedIn ? (
          <div className="flex items-center gap-3 whitespace-nowrap sm:gap-4">
            <Link to="/assistants" className={navLink}>
              Assistants
            </Link>
            <Link to="/sessions" className={navLink}>
              History
            </Link>
            <Link to="/usage" className={navLink}>
              Usage
            </Link>
            <Form method="post" action="/sign-out">
              <button
                type="submit"
                className="rounded-md border border-slate-300 px-2 py-1.5 text-sm font-medium hover:bg-slate-100 sm:px-3 dark:border-slate-700 dark:hover:bg-slate-800"
              >
                Sign out
              </button>
            </Form>
          </div>
        ) : (
          <Link to="/assistants" className={navLink}>
            Gallery
          </Link>
        )}
      </nav>
    </header>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
