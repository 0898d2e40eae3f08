import { redirect } from "@remix-run/node";
import { signOutCookie } from "~/utils/session.server";

// POST only: a GET that signs people out could be triggered by any page's <img>.
export async function action() {
  return redirect("/", { headers: { "Set-Cookie": await signOutCookie() } });
}

export async function loader() {
  return redirect("/");
}
